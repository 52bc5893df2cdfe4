"""POST /webhooks/ashby/<token>/: where Ashby delivers webhooks.

Answers in milliseconds and never waits on Ashby or the queue: it checks and stores
(integrations.receiving.record_delivery), answers, then queues the processing. Status codes follow Ashby's retry rules (it retries
everything but 401, 403, 404, 405 and 410): a database failure is a 503 so Ashby retries.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.receiving import (
    MAX_BODY_BYTES,
    DeliveryRejected,
    Receipt,
    lookup_subscription,
    record_delivery,
    storing_failure_hint,
)

logger = logging.getLogger(__name__)


def _answer(status: int, **body) -> JsonResponse:
    return JsonResponse(body, status=status)


@csrf_exempt
@require_POST
@never_cache
def receive(request: HttpRequest, token: str) -> JsonResponse:
    try:
        subscription = lookup_subscription(token)
    except DatabaseError as exc:
        logger.error("Webhook receiver: database unavailable (%s)", type(exc).__name__)
        return _answer(503, error="Temporarily unavailable; retry later.")
    if subscription is None:
        return _answer(404, error="Unknown webhook URL.")
    body = _read_body(request)
    if body is None:
        return _answer(413, error=f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        receipt = record_delivery(subscription, body, request.headers)
    except DeliveryRejected as exc:
        return _answer(exc.status, error=str(exc))
    except DatabaseError as exc:
        logger.error(
            "Webhook receiver: could not store a delivery (%s)%s",
            type(exc).__name__,
            storing_failure_hint(exc),
        )
        return _answer(503, error="Temporarily unavailable; retry later.")
    return Acknowledgement(receipt)


class Acknowledgement(JsonResponse):
    """200 for a delivery that is stored (or needs nothing), then its processing is queued.

    The WSGI server calls close() once the answer is written, so Ashby never waits on the queue.
    The row is committed before the answer: if the process dies before queueing, the sweep
    (integrations.deliveries.sweep_deliveries) queues the stored delivery instead.
    """

    def __init__(self, receipt: Receipt) -> None:
        super().__init__({"ok": True, "outcome": str(receipt.outcome)})
        self.receipt = receipt

    def close(self) -> None:
        try:  # before close(), whose request_finished may close the database connection
            self.receipt.enqueue()
        except Exception as exc:  # the answer is sent and the row stored: the sweep queues it
            logger.warning(
                "Webhook delivery %s not queued: %s", self.receipt.to_process, type(exc).__name__
            )
        finally:
            super().close()


def _read_body(request: HttpRequest) -> bytes | None:
    """The raw body, or None when it is over the limit. The declared length is checked
    first, then at most one byte more than the limit is read, whatever the header said."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return None
    body = request.read(MAX_BODY_BYTES + 1)
    return None if len(body) > MAX_BODY_BYTES else body
