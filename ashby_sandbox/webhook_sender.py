"""Webhook settings and Ashby's webhook sender: pings, signed deliveries, retries.

Deliveries never block the request that caused them, as with Ashby: `emit` writes one
`Delivery` row per enabled webhook (the outbox) in the caller's transaction and, after
commit, wakes a background sender thread. `deliver_due()` (also `manage.py sandbox_deliver`)
sends whatever is due; tests call it directly with SANDBOX_WEBHOOK_SENDER=manual.

Ashby's documented behaviour (docs/ashby.md §4 to §6): body `{webhookActionId, action, data}`; header
`Ashby-Signature: sha256=<hex HMAC-SHA256 of the exact bytes, keyed with the secret>`;
non-2xx and timeouts retried after (2^n - 1) x 10 s, at most 10 attempts; never retried
after 401, 403, 404, 405 or 410; the ping on create/edit disables the webhook when the
endpoint does not answer or answers with a code above 400.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
from django.db import close_old_connections, transaction
from django.utils import timezone

from ashby_sandbox import conf
from ashby_sandbox.models import Delivery, DeliveryAttempt, Webhook
from ashby_sandbox.webhook_types import RELATED_WEBHOOKS, WEBHOOK_TYPE_LABELS

logger = logging.getLogger(__name__)

# A claimed delivery is due again after this if its sender died mid-attempt.
_LEASE = dt.timedelta(minutes=5)
NO_RETRY_STATUSES = frozenset({401, 403, 404, 405, 410})
USER_AGENT = "Ashby-Sandbox-Webhooks/1.0"


class WebhookInputError(ValueError):
    """Bad webhook settings; `code` is the API error code to answer with."""

    def __init__(self, message: str, code: str = "invalid_input") -> None:
        super().__init__(message)
        self.code = code


# --- settings --------------------------------------------------------------------------------


def _validate(webhook_type: str, request_url: str, exclude_id: Any = None) -> None:
    if webhook_type not in WEBHOOK_TYPE_LABELS:
        raise WebhookInputError(f"Unknown webhook type: {webhook_type!r}")
    try:
        parts = urlsplit(request_url)
    except ValueError:  # "http://[" and the like
        raise WebhookInputError("The request URL must be an http:// or https:// address") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WebhookInputError("The request URL must be an http:// or https:// address")
    duplicates = Webhook.objects.filter(webhook_type=webhook_type, request_url=request_url)
    if duplicates.exclude(id=exclude_id).exists():
        raise WebhookInputError("Duplicate webhook", code="duplicate_webhook")


def create_webhook(
    *,
    webhook_type: str,
    request_url: str,
    secret_token: str = "",
    name: str = "",
    enabled: bool = True,
) -> Webhook:
    """Save a webhook setting; when enabled, ping it and save it disabled if the ping fails."""
    request_url = request_url.strip()
    _validate(webhook_type, request_url)
    hook = Webhook.objects.create(
        name=name,
        webhook_type=webhook_type,
        request_url=request_url,
        secret_token=secret_token,
        enabled=enabled,
    )
    if enabled:
        _ping_or_disable(hook)
    return hook


def update_webhook(
    hook: Webhook,
    *,
    enabled: bool | None = None,
    request_url: str | None = None,
    secret_token: str | None = None,
    name: str | None = None,
    webhook_type: str | None = None,
) -> Webhook:
    """Edit a webhook; saving it enabled sends a new ping, which decides whether it stays on."""
    new_url = request_url.strip() if request_url is not None else hook.request_url
    new_type = webhook_type or hook.webhook_type
    _validate(new_type, new_url, exclude_id=hook.id)
    hook.request_url, hook.webhook_type = new_url, new_type
    if secret_token is not None:
        hook.secret_token = secret_token
    if name is not None:
        hook.name = name
    if enabled is not None:
        hook.enabled = enabled
    hook.save()
    if hook.enabled:
        _ping_or_disable(hook)
    return hook


def _ping_or_disable(hook: Webhook) -> bool:
    ok = ping(hook)
    if not ok:
        hook.enabled = False
        hook.save(update_fields=["enabled", "updated_at"])
    return ok


def ping(hook: Webhook) -> bool:
    """Send the ping now (logged like any delivery); True when it counts as answered.

    Ashby: "If your server does not respond to the request, or responds with an error code
    (any code >400), the webhook will still be created but in a disabled state".
    """
    body = _body(str(uuid.uuid4()), "ping", {"webhookActionType": "ping"})
    delivery = Delivery.objects.create(
        webhook=hook,
        webhook_action_id=uuid.UUID(json.loads(body)["webhookActionId"]),
        action="ping",
        body=body,
    )
    status = _attempt(delivery, timezone.now(), retry=False)
    return status is not None and status <= 400


# --- events ----------------------------------------------------------------------------------


def _body(action_id: str, action: str, data: dict[str, Any]) -> bytes:
    return json.dumps(
        {"webhookActionId": action_id, "action": action, "data": data}, separators=(",", ":")
    ).encode("utf-8")


def emit(action: str, payloads: dict[str, dict[str, Any]]) -> str:
    """Queue `action` and its related webhooks (one shared webhookActionId) for every enabled
    webhook of each type. `payloads` maps each type to its `data`. Returns the action id."""
    expected = {action, *RELATED_WEBHOOKS.get(action, ())}
    if set(payloads) != expected:
        raise ValueError(f"{action} needs payloads for {sorted(expected)}")
    action_id = str(uuid.uuid4())
    now = timezone.now()
    rows = [
        Delivery(
            webhook=hook,
            webhook_action_id=action_id,
            action=webhook_type,
            body=_body(action_id, webhook_type, data),
            next_attempt_at=now,
        )
        for webhook_type, data in payloads.items()
        for hook in Webhook.objects.filter(webhook_type=webhook_type, enabled=True)
    ]
    Delivery.objects.bulk_create(rows)
    transaction.on_commit(wake_sender)
    return action_id


def signature(secret: str, body: bytes) -> str:
    """The Ashby-Signature header value for `body`."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def retry_delay(attempt_number: int) -> dt.timedelta:
    """Ashby's minimum delay after failed attempt n: (2^n - 1) x 10 s, times the time scale."""
    seconds = (2**attempt_number - 1) * 10 * conf.get("SANDBOX_WEBHOOK_TIME_SCALE")
    return dt.timedelta(seconds=seconds)


def _post(hook: Webhook, body: bytes) -> tuple[int | None, str, int]:
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    if hook.secret_token:
        headers["Ashby-Signature"] = signature(hook.secret_token, body)
    started = time.monotonic()
    try:
        response = requests.post(
            hook.request_url,
            data=body,
            headers=headers,
            timeout=conf.get("SANDBOX_WEBHOOK_TIMEOUT_SECONDS"),
            allow_redirects=False,
        )
        status, error = response.status_code, ""
    except requests.Timeout:
        status, error = None, "Timed out"
    except (requests.RequestException, ValueError) as exc:  # ValueError: URLs urllib3 refuses
        status, error = None, f"Connection failed: {type(exc).__name__}"
    return status, error, int((time.monotonic() - started) * 1000)


def _attempt(delivery: Delivery, now: dt.datetime, retry: bool = True) -> int | None:
    """Send one attempt, log it and move the delivery to its next state."""
    number = delivery.attempts + 1
    status, error, duration = _post(delivery.webhook, bytes(delivery.body))
    DeliveryAttempt.objects.create(
        delivery=delivery,
        number=number,
        attempted_at=now,
        status_code=status,
        error=error,
        duration_ms=duration,
    )
    delivery.attempts, delivery.last_status_code = number, status
    delivery.next_attempt_at = None
    if status is not None and 200 <= status < 300:
        delivery.state = Delivery.SUCCEEDED
    elif not retry or status in NO_RETRY_STATUSES:
        delivery.state = Delivery.FAILED
    elif number >= conf.get("SANDBOX_WEBHOOK_MAX_ATTEMPTS"):
        delivery.state = Delivery.GAVE_UP
    else:
        delivery.state = Delivery.PENDING
        delivery.next_attempt_at = now + retry_delay(number)
    delivery.save(update_fields=["attempts", "last_status_code", "next_attempt_at", "state"])
    logger.info(
        "Webhook delivery %s (%s) attempt %s: %s",
        delivery.pk,
        delivery.action,
        number,
        status or error,
    )
    return status


def deliver_due(now: dt.datetime | None = None, limit: int = 200) -> int:
    """Send every pending delivery due at `now` (default: the current time); return how many
    attempts were made. Safe to run from several threads or processes at once: each delivery
    is claimed with a conditional UPDATE before it is sent."""
    now = now or timezone.now()
    due = Delivery.objects.filter(state=Delivery.PENDING, next_attempt_at__lte=now)
    sent = 0
    for delivery in due.select_related("webhook").order_by("next_attempt_at", "id")[:limit]:
        claimed = Delivery.objects.filter(
            pk=delivery.pk, state=Delivery.PENDING, attempts=delivery.attempts
        ).update(next_attempt_at=now + _LEASE)
        if claimed:
            _attempt(delivery, now)
            sent += 1
    return sent


# --- background sender ------------------------------------------------------------------------

_wake = threading.Event()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def ensure_sender() -> bool:
    """Start the sender thread if this process runs one (SANDBOX_WEBHOOK_SENDER=thread)."""
    if conf.get("SANDBOX_WEBHOOK_SENDER") != "thread":
        return False
    global _thread
    if _thread is not None and _thread.is_alive():
        return True
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="ashby-sandbox-sender", daemon=True)
            _thread.start()
    return True


def wake_sender() -> None:
    """Make the sender thread look for due deliveries now."""
    if ensure_sender():
        _wake.set()


def _run() -> None:
    # Stops when the setting changes (tests switch back to "manual").
    while conf.get("SANDBOX_WEBHOOK_SENDER") == "thread":
        _wake.wait(timeout=0.5)
        _wake.clear()
        try:
            close_old_connections()
            while deliver_due():
                pass
        except Exception:
            logger.exception("The sandbox webhook sender failed; it will try again")
        finally:
            close_old_connections()
