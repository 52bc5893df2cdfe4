"""POST /webhooks/ashby/<token>/: where Ashby delivers webhooks.

Answers in milliseconds and never waits on Ashby or the queue: it checks and stores
(integrations.receiving.record_delivery), answers, then queues the processing. Status codes follow Ashby's retry rules (it retries
everything but 401, 403, 404, 405 and 410): a database failure is a 503 so Ashby retries.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations import deliveries, metrics
from integrations.receiving import (
    MAX_BODY_BYTES,
    DeliveryRejected,
    lookup_subscription,
    record_delivery,
    storing_failure_hint,
)

logger = logging.getLogger(__name__)


def _answer(status: int, **body) -> JsonResponse:
    if status != 200:
        metrics.delivery_refused(status)
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
    metrics.delivery_received(receipt.event, receipt.outcome)
    response = _answer(200, ok=True, outcome=str(receipt.outcome))
    if receipt.to_process is not None:
        _queue_after_answer(response, receipt.to_process)
    return response


def _queue_after_answer(response: HttpResponse, delivery_id: int) -> None:
    """Queue the delivery's processing once the answer is written, so Ashby never waits on the
    queue: the WSGI server then closes the response, and Django runs the response's closers
    first, before request_finished (which may close the database connection). The row is
    committed before the answer: if the process dies before queueing, the sweep
    (integrations.deliveries) queues the stored delivery instead."""

    def queue() -> None:
        try:
            deliveries.enqueue_after_commit(delivery_id)
        except Exception as exc:  # logged, not raised: the answer is sent and the row stored
            logger.warning("Webhook delivery %s not queued: %s", delivery_id, type(exc).__name__)

    response._resource_closers.append(queue)  # Django's list of a response's cleanups


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
