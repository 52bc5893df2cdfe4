"""Webhook subscriptions: the rows the Configure Webhooks page shows (URL, secret, event),
their status, and rotating a secret. What the receiver does with a request is in
integrations/receiving.py; processing a delivery in integrations/deliveries.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from integrations import registry
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
    event: registry.WebhookEvent
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
        event = registry.EVENTS[sub.event]
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


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
