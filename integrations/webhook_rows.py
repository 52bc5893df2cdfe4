"""Webhook subscriptions: the rows the Configure Webhooks page shows (URL, secret, event),
their status, and rotating a secret. What the receiver does with a request is in
integrations/receiving.py; processing a delivery in integrations/deliveries.py.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.timezone import localtime

from guides.timefmt import zone_or_none
from integrations import delivery_history, registry
from integrations.models import WebhookSubscription, new_webhook_secret
from tenants.console_format import human_age, relative_time
from tenants.models import Tenant

logger = logging.getLogger(__name__)


# --- subscriptions --------------------------------------------------------------------------


def ensure_subscriptions(tenant: Tenant) -> list[WebhookSubscription]:
    """The tenant's subscription rows, one per event Guide needs, in the page's order.

    Missing rows are created with a fresh secret; concurrent callers are harmless (the
    one-row-per-event constraint ignores the loser).
    """
    existing = {s.event: s for s in WebhookSubscription.objects.filter(tenant=tenant)}
    missing = [e for e in registry.EVENTS if e not in existing]
    if missing:
        WebhookSubscription.objects.bulk_create(
            [
                WebhookSubscription(tenant=tenant, event=e, secret=new_webhook_secret())
                for e in missing
            ],
            ignore_conflicts=True,
        )
        existing = {s.event: s for s in WebhookSubscription.objects.filter(tenant=tenant)}
    return [existing[e] for e in registry.EVENTS if e in existing]


def receiver_url(subscription: WebhookSubscription) -> str:
    """The Webhook URL to paste into Ashby: PUBLIC_BASE_URL plus the row's secret path."""
    path = reverse("integrations:receiver", args=[subscription.token])
    return f"{settings.PUBLIC_BASE_URL}{path}"


def grace_period() -> timedelta:
    """How long the previous secret is accepted after a rotation (settings)."""
    return timedelta(hours=settings.GUIDE_WEBHOOK_SECRET_GRACE_HOURS)


def grace_hours() -> str:
    """The grace period in words: "24 hours", "1 hour", "30 minutes"."""
    minutes = round(grace_period().total_seconds() / 60)
    if minutes % 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    return f"{hours} hour{'s' if hours != 1 else ''}"


def rotation_consequence(subscriptions: Iterable[WebhookSubscription] = ()) -> str:
    """What a rotation does to the deliveries, in plain words (confirmations, messages); and,
    for `subscriptions` already in a grace period, that the secret before goes at once."""
    start = "Ashby keeps signing with the current secret until someone pastes the new one in Ashby"
    if not grace_period():
        text = f"{start}; Guide refuses deliveries signed with the old secret at once."
    else:
        text = (
            f"{start}; Guide accepts both for {grace_hours()}; after that, deliveries signed "
            "with the old secret are refused."
        )
    pending = sum(1 for s in subscriptions if s.accepts_previous_secret())
    if pending:
        text += (
            f" {pending} of these already accept a previous secret: it is refused at once, "
            "and only the secret being replaced is kept for the grace period."
        )
    return text


# What a rotation sets besides the secret itself.
_ROTATION_FIELDS = [
    "previous_secret_encrypted",
    "previous_secret_expires_at",
    "secret_confirmed_at",
    "signature_failures",
    "last_signature_failure_at",
]


@transaction.atomic
def rotate_secret(subscription: WebhookSubscription) -> WebhookSubscription:
    """Give the row a new secret. Ashby keeps signing with the current one until someone
    pastes the new one, so the current one becomes the previous secret, accepted for the
    grace period (a second rotation within it replaces the previous one: only the secret being
    replaced is kept). The row keeps receiving; its refused deliveries are forgotten."""
    now = timezone.now()
    grace = grace_period()
    # The secret as stored now (locked), not as this copy was loaded: two rotations at once
    # must not keep a secret that is neither current nor previous.
    current = (
        WebhookSubscription.objects.select_for_update()
        .values_list("secret_encrypted", flat=True)
        .get(pk=subscription.pk)
    )
    kept = current if grace else None
    subscription.previous_secret_encrypted = kept
    subscription.previous_secret_expires_at = now + grace if kept is not None else None
    subscription.secret = new_webhook_secret()
    subscription.secret_rotated_at = now
    subscription.secret_confirmed_at = None
    subscription.signature_failures = 0
    subscription.last_signature_failure_at = None
    subscription.save(update_fields=[*_ROTATION_FIELDS, "secret_encrypted", "secret_rotated_at"])
    logger.info(
        "Webhook secret rotated: tenant %s, event %s", subscription.tenant_id, subscription.event
    )
    return subscription


def revoke_previous_secret(subscription: WebhookSubscription) -> bool:
    """End the grace period now: deliveries signed with the previous secret are refused from
    here on (the receiver's guarded INSERT sees it at once). False when none was accepted."""
    accepted = subscription.accepts_previous_secret()
    subscription.previous_secret_encrypted = None
    subscription.previous_secret_expires_at = None
    subscription.save(update_fields=["previous_secret_encrypted", "previous_secret_expires_at"])
    logger.info(
        "Previous webhook secret revoked: tenant %s, event %s",
        subscription.tenant_id,
        subscription.event,
    )
    return accepted


# --- status ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SubscriptionStatus:
    subscription: WebhookSubscription
    event: registry.WebhookEvent
    state: str
    reason: str
    # Deliveries not applied lately (delivery_history.failing_counts): a row whose events
    # arrive but fail processing is Failing with that reason, not Connected.
    failing_deliveries: int = 0

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
            "failing_deliveries": self.failing_deliveries,
            "created_in_ashby": bool(sub.ashby_webhook_id),
        }


@dataclass(frozen=True)
class WebhookSummary:
    connected: int
    total: int
    all_on: bool
    not_applied: int = 0  # connected rows whose deliveries are not applied lately

    @property
    def text(self) -> str:
        if self.all_on:
            return "Real-time updates are on"
        text = f"{self.connected} of {self.total} connected"
        if self.not_applied:
            text += f"; {self.not_applied} with deliveries not applied"
        return text

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
    failing = delivery_history.failing_counts(subscriptions)  # one query for all the rows
    statuses = []
    for sub in subscriptions:
        event = registry.EVENTS[sub.event]
        others = [
            s.last_valid_delivery_at
            for s in subscriptions
            if s is not sub and s.last_valid_delivery_at
        ]
        state = sub.state(
            quiet_after=event.quiet_after, others_last_valid=max(others, default=None)
        )
        failing_now = failing.get(sub.pk, 0)
        statuses.append(_status(sub, event, state, failing_now, tenant.default_timezone))
    return statuses


def _status(
    sub: WebhookSubscription, event: registry.WebhookEvent, state: str, failing: int, zone: str
) -> SubscriptionStatus:
    shown = delivery_history.row_state(state, failing)
    if shown != state:  # its events arrive, but are not applied
        return SubscriptionStatus(
            sub, event, shown, delivery_history.failing_note(failing), failing
        )
    return SubscriptionStatus(sub, event, state, _reason(sub, state, zone))


def summarize(statuses: list[SubscriptionStatus]) -> WebhookSummary:
    """ "7 of 10 connected"; all on when every row is green (none failing, quiet or waiting)."""
    S = WebhookSubscription.State
    receiving = (S.CONNECTED, S.QUIET, S.ROTATED)
    connected = sum(1 for s in statuses if s.state in receiving or s.failing_deliveries)
    green = sum(1 for s in statuses if s.state == S.CONNECTED)
    not_applied = sum(1 for s in statuses if s.failing_deliveries)
    all_on = bool(statuses) and green == len(statuses)
    return WebhookSummary(connected, len(statuses), all_on, not_applied)


def any_connected(tenant: Tenant) -> bool:
    """Whether at least one of the tenant's webhooks has received a correctly signed delivery."""
    return WebhookSubscription.objects.filter(
        tenant=tenant, last_valid_delivery_at__isnull=False
    ).exists()


def _reason(sub: WebhookSubscription, state: str, zone: str) -> str:
    S = WebhookSubscription.State
    if state == S.ROTATED:
        until = dateformat.format(
            localtime(sub.previous_secret_expires_at, zone_or_none(zone) or UTC), _WHEN
        )
        return (
            "Secret rotated: paste the new secret in Ashby. "
            f"Until {until} Guide also accepts the old one; after that, "
            "deliveries signed with it are refused."
        )
    if state == S.FAILING:
        refused = sub.signature_failures
        plural = "delivery" if refused == 1 else "deliveries"
        return (
            f"The secret in Ashby does not match: paste it again. "
            f"{refused} {plural} refused, the last {relative_time(sub.last_signature_failure_at)}."
        )
    if state == S.WAITING:
        return "Waiting for Ashby's first ping or event."
    if state == S.QUIET:
        silence = human_age(timezone.now() - sub.last_valid_delivery_at)
        return (
            f"No delivery for {silence} while the other webhooks receive theirs: "
            "check it is still enabled in Ashby."
        )
    return f"Last delivery {relative_time(sub.last_valid_delivery_at)}."


_WHEN = "j M Y, H:i T"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
