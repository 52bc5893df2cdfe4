"""Webhook subscriptions and receiving: what the Configure Webhooks page shows and what the
receiver does with a request.

The receiver is `record_delivery`: check the signature with the row's secret, parse, answer a
ping, store the delivery (the outbox) and enqueue its processing once the row is committed.
It never calls Ashby and never processes anything itself, so Ashby gets its answer in
milliseconds. Processing is in integrations/deliveries.py.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince

from guides.models import Tenant
from integrations.ashby.events import EVENTS, PING, WebhookEvent
from integrations.models import WebhookDelivery, WebhookSubscription, new_webhook_secret

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Ashby-Signature"
MAX_BODY_BYTES = 1024 * 1024  # 1 MB: Ashby's payloads are a few KB
# Connected rows are stamped at most this often, so a burst of deliveries does not queue
# up behind one row lock.
STAMP_EVERY_SECONDS = 5
# Never kept with a delivery.
_SECRET_HEADERS = {"ashby-signature", "authorization", "cookie", "proxy-authorization"}


class DeliveryRejected(Exception):
    """A request the receiver refuses; `status` is the HTTP answer, the message says why."""

    status = 400


class BadSignature(DeliveryRejected):
    status = 401


class MalformedPayload(DeliveryRejected):
    status = 400


class Outcome(enum.StrEnum):
    STORED = "stored"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    PING = "ping"


# --- subscriptions --------------------------------------------------------------------------


def ensure_subscriptions(tenant: Tenant) -> list[WebhookSubscription]:
    """The tenant's subscription rows, one per event Guide needs, in the page's order.

    Missing rows are created with a fresh secret; concurrent callers are harmless (the
    one-row-per-event constraint ignores the loser).
    """
    existing = {s.event: s for s in WebhookSubscription.objects.filter(tenant=tenant)}
    missing = [e for e in EVENTS if e not in existing]
    if missing:
        WebhookSubscription.objects.bulk_create(
            [
                WebhookSubscription(tenant=tenant, event=e, secret=new_webhook_secret())
                for e in missing
            ],
            ignore_conflicts=True,
        )
        existing = {s.event: s for s in WebhookSubscription.objects.filter(tenant=tenant)}
    return [existing[e] for e in EVENTS if e in existing]


def receiver_url(subscription: WebhookSubscription) -> str:
    """The Webhook URL to paste into Ashby: PUBLIC_BASE_URL plus the row's secret path."""
    path = reverse("integrations:receiver", args=[subscription.token])
    return f"{settings.PUBLIC_BASE_URL}{path}"


@transaction.atomic
def rotate_secret(subscription: WebhookSubscription) -> WebhookSubscription:
    """Give the row a new secret. Ashby keeps signing with the old one until the admin pastes
    the new one, so the row starts over as Waiting and its refused deliveries are forgotten."""
    subscription.secret = new_webhook_secret()
    subscription.secret_rotated_at = timezone.now()
    subscription.last_valid_delivery_at = None
    subscription.signature_failures = 0
    subscription.last_signature_failure_at = None
    subscription.save(
        update_fields=[
            "secret_encrypted",
            "secret_rotated_at",
            "last_valid_delivery_at",
            "signature_failures",
            "last_signature_failure_at",
        ]
    )
    logger.info(
        "Webhook secret rotated: tenant %s, event %s", subscription.tenant_id, subscription.event
    )
    return subscription


# --- status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionStatus:
    subscription: WebhookSubscription
    event: WebhookEvent
    state: str
    reason: str

    @property
    def url(self) -> str:
        return receiver_url(self.subscription)

    @property
    def state_label(self) -> str:
        return WebhookSubscription.State(self.state).label

    def as_json(self) -> dict[str, Any]:
        """What the page's poller needs; never the secret."""
        sub = self.subscription
        return {
            "event": sub.event,
            "state": self.state,
            "state_label": self.state_label,
            "reason": self.reason,
            "last_valid_delivery_at": _iso(sub.last_valid_delivery_at),
            "signature_failures": sub.signature_failures,
            "created_in_ashby": bool(sub.ashby_webhook_id),
        }


@dataclass(frozen=True)
class WebhookSummary:
    connected: int
    total: int
    all_on: bool

    @property
    def text(self) -> str:
        if self.all_on:
            return "Real-time updates are on"
        return f"{self.connected} of {self.total} connected"

    def as_json(self) -> dict[str, Any]:
        return {
            "connected": self.connected,
            "total": self.total,
            "all_on": self.all_on,
            "text": self.text,
        }


def subscription_statuses(tenant: Tenant) -> list[SubscriptionStatus]:
    """Each of the tenant's rows with its state and the reason shown beside it."""
    subscriptions = ensure_subscriptions(tenant)
    statuses = []
    for sub in subscriptions:
        event = EVENTS[sub.event]
        others = [
            s.last_valid_delivery_at
            for s in subscriptions
            if s is not sub and s.last_valid_delivery_at
        ]
        state = sub.state(
            quiet_after=event.quiet_after, others_last_valid=max(others, default=None)
        )
        statuses.append(SubscriptionStatus(sub, event, state, _reason(sub, state)))
    return statuses


def summarize(statuses: list[SubscriptionStatus]) -> WebhookSummary:
    """ "7 of 10 connected"; all on when every row is green (none failing, quiet or waiting)."""
    S = WebhookSubscription.State
    connected = sum(1 for s in statuses if s.state in (S.CONNECTED, S.QUIET))
    green = sum(1 for s in statuses if s.state == S.CONNECTED)
    return WebhookSummary(connected, len(statuses), bool(statuses) and green == len(statuses))


def any_connected(tenant: Tenant) -> bool:
    """Whether at least one of the tenant's webhooks has received a correctly signed delivery."""
    return WebhookSubscription.objects.filter(
        tenant=tenant, last_valid_delivery_at__isnull=False
    ).exists()


def _reason(sub: WebhookSubscription, state: str) -> str:
    S = WebhookSubscription.State
    if state == S.FAILING:
        refused = sub.signature_failures
        plural = "delivery" if refused == 1 else "deliveries"
        return (
            f"The secret in Ashby does not match: paste it again. "
            f"{refused} {plural} refused, the last {timesince(sub.last_signature_failure_at)} ago."
        )
    if state == S.WAITING:
        return "Waiting for Ashby's first ping or event."
    ago = timesince(sub.last_valid_delivery_at)
    if state == S.QUIET:
        return (
            f"No delivery for {ago} while the other webhooks receive theirs: "
            "check it is still enabled in Ashby."
        )
    return f"Last delivery {ago} ago."


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# --- receiving ------------------------------------------------------------------------------


def signature_matches(secret: str, body: bytes, header: str | None) -> bool:
    """Ashby's scheme: `sha256=` + the hex HMAC-SHA256 of the raw body, keyed by the secret."""
    if not header or not secret:
        return False
    algorithm, _, digest = header.strip().partition("=")
    if algorithm != "sha256" or not digest:
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, digest.lower())


def record_delivery(
    subscription: WebhookSubscription, body: bytes, headers: Mapping[str, str]
) -> Outcome:
    """Check, parse and durably store one request to `subscription`'s URL.

    Raises BadSignature (counted on the row) or MalformedPayload; a database failure
    propagates (the receiver answers 503 so Ashby retries). A repeat of a stored delivery
    returns DUPLICATE and is not processed again.
    """
    if not signature_matches(subscription.secret, body, headers.get(SIGNATURE_HEADER)):
        _count_signature_failure(subscription)
        raise BadSignature("Missing or wrong Ashby-Signature.")
    payload = _parse(body)
    action = payload["action"]
    if action == PING:
        _stamp_valid(subscription)
        return Outcome.PING
    ignored = action != subscription.event
    # The delivery commits on its own, first: a concurrent copy waits on the unique index,
    # not on the row stamp, and the answer needs as few round trips as possible.
    stored = _store(subscription, payload, body, headers, ignored=ignored)
    _stamp_valid(subscription)
    if not stored:
        return Outcome.DUPLICATE
    return Outcome.IGNORED if ignored else Outcome.STORED


def _parse(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise MalformedPayload("The body is not JSON.")
    if not isinstance(payload, dict):
        raise MalformedPayload("The body is not a JSON object.")
    action = payload.get("action")
    if not isinstance(action, str) or not action or len(action) > 60:
        raise MalformedPayload("The payload has no action.")
    return payload


def _count_signature_failure(subscription: WebhookSubscription) -> None:
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        signature_failures=F("signature_failures") + 1,
        last_signature_failure_at=now,
        last_delivery_at=now,
    )
    logger.warning(
        "Webhook with a wrong signature: tenant %s, event %s",
        subscription.tenant_id,
        subscription.event,
    )


def _stamp_valid(subscription: WebhookSubscription) -> None:
    """Mark the row as receiving correctly signed deliveries (at most every few seconds,
    unless it was waiting or failing, which must turn green at once)."""
    now = timezone.now()
    recent = now - timedelta(seconds=STAMP_EVERY_SECONDS)
    last = subscription.last_valid_delivery_at
    if last is not None and last >= recent and not subscription.is_failing:
        return  # stamped a moment ago (as loaded with the row): spare the query
    WebhookSubscription.objects.filter(pk=subscription.pk).filter(
        Q(last_valid_delivery_at__isnull=True)
        | Q(last_valid_delivery_at__lt=recent)
        | Q(last_signature_failure_at__gte=F("last_valid_delivery_at"))
    ).update(last_valid_delivery_at=now, last_delivery_at=now)


def _store(
    subscription: WebhookSubscription,
    payload: Mapping[str, Any],
    body: bytes,
    headers: Mapping[str, str],
    *,
    ignored: bool,
) -> bool:
    """Insert the delivery; False when the same one is stored already (the database says so)."""
    action_id = payload.get("webhookActionId")
    action_id = action_id if isinstance(action_id, str) and 0 < len(action_id) <= 100 else ""
    delivery = WebhookDelivery(
        tenant_id=subscription.tenant_id,
        subscription=subscription,
        action=payload["action"],
        webhook_action_id=action_id,
        dedupe_key=action_id or "sha256:" + hashlib.sha256(body).hexdigest(),
        body=body.decode("utf-8"),
        headers=_safe_headers(headers),
    )
    if ignored:
        delivery.status = WebhookDelivery.Status.IGNORED
        delivery.outcome = f"Sent to the {subscription.event} URL: not processed."
    from integrations.deliveries import enqueue

    try:
        with transaction.atomic():
            delivery.save()
            if not ignored:
                # After commit: with Redis the task could otherwise run before the row exists.
                transaction.on_commit(partial(enqueue, delivery.pk))
    except IntegrityError:
        return False
    return True


def _safe_headers(headers: Mapping[str, str]) -> dict[str, str]:
    kept = {}
    for name, value in list(headers.items())[:50]:
        if name.lower() not in _SECRET_HEADERS:
            kept[name] = str(value)[:500]
    return kept
