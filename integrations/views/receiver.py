"""POST /webhooks/ashby/<token>/: where Ashby delivers webhooks.

Answers in milliseconds and never waits on Ashby: it checks, stores and enqueues
(integrations.webhooks.record_delivery). Status codes follow Ashby's retry rules (it retries
everything but 401, 403, 404, 405 and 410): a database failure is a 503 so Ashby retries.
"""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from integrations.models import WebhookSubscription
from integrations.webhooks import MAX_BODY_BYTES, DeliveryRejected, record_delivery

logger = logging.getLogger(__name__)


def _answer(status: int, **body) -> JsonResponse:
    return JsonResponse(body, status=status)


@csrf_exempt
@require_POST
@never_cache
def receive(request: HttpRequest, token: str) -> JsonResponse:
    try:
        subscription = WebhookSubscription.objects.filter(token=token).first()
    except DatabaseError as exc:
        logger.error("Webhook receiver: database unavailable (%s)", type(exc).__name__)
        return _answer(503, error="Temporarily unavailable; retry later.")
    if subscription is None:
        return _answer(404, error="Unknown webhook URL.")
    body = _read_body(request)
    if body is None:
        return _answer(413, error=f"The body is larger than {MAX_BODY_BYTES} bytes.")
    try:
        outcome = record_delivery(subscription, body, request.headers)
    except DeliveryRejected as exc:
        return _answer(exc.status, error=str(exc))
    except DatabaseError as exc:
        logger.error("Webhook receiver: could not store a delivery (%s)", type(exc).__name__)
        return _answer(503, error="Temporarily unavailable; retry later.")
    return _answer(200, ok=True, outcome=str(outcome))


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
