"""Optional: "Create them in Ashby for me". Creates the tenant's webhooks through Ashby's
webhook.create, when the API key has the API Keys write permission, and says per row what
happened (created / already in Ashby / found in Ashby / already connected / by hand / failed).

The manual flow stays the main one. What Ashby's API allows shapes this (docs/ashby.md §7):
- It has webhook.info (by id) but no webhook.list, so Guide can only look up the webhooks it
  created itself (their ids are kept on the rows). A webhook made by hand cannot be found,
  listed or adopted; creating one again answers "Duplicate webhook".
- "Duplicate webhook" means Ashby has one with the same type and URL already: it is left
  alone, and the admin is told to paste this row's URL and secret into it. Guide never
  advises deleting a webhook: the one in Ashby may be working.
- webhook.create has no name field in the spec. Guide sends the row's suggested name as
  `name` anyway (the request schema allows extra properties); should Ashby refuse it, the
  webhook is created without it.
- The spec's webhook.create accepts 17 types, not jobCreate or jobUpdate: those rows stay manual.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from typing import Any

from integrations.ashby import errors
from integrations.ashby.client import INTERACTIVE_RETRY, AshbyClient
from integrations.ashby.events import EVENTS
from integrations.ashby.permissions import can_manage_webhooks
from integrations.models import AshbyConnection, WebhookSubscription
from integrations.webhook_rows import SubscriptionStatus, receiver_url, subscription_statuses
from tenants.models import Tenant

logger = logging.getLogger(__name__)

_DELIVERING = (WebhookSubscription.State.CONNECTED, WebhookSubscription.State.QUIET)
# Errors that would fail every remaining row the same way: the run stops at the first.
_STOPPING = (
    errors.MissingPermission,
    errors.InvalidApiKey,
    errors.TransientError,
    errors.RateLimited,
)


class Outcome(enum.StrEnum):
    CREATED = "created"
    IN_ASHBY = "in_ashby"  # Guide created it earlier and Ashby still has it
    FOUND = "found"  # Ashby has one for this event and URL already: left alone
    CONNECTED = "connected"  # its deliveries arrive: nothing to do
    MANUAL = "manual"  # Ashby's API cannot create this type
    FAILED = "failed"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    Outcome.CREATED: "Created in Ashby",
    Outcome.IN_ASHBY: "Already in Ashby",
    Outcome.FOUND: "Found in Ashby",
    Outcome.CONNECTED: "Already connected",
    Outcome.MANUAL: "Create it by hand",
    Outcome.FAILED: "Failed",
}


@dataclass(frozen=True)
class RowResult:
    event: str
    outcome: Outcome
    detail: str  # a sentence for the admin: what happened, and what to do if anything

    @property
    def label(self) -> str:
        return EVENTS[self.event].label


@dataclass
class CreateResult:
    rows: list[RowResult] = field(default_factory=list)

    def add(self, sub: WebhookSubscription, outcome: Outcome, detail: str) -> None:
        self.rows.append(RowResult(sub.event, outcome, detail))

    def events(self, outcome: Outcome) -> list[str]:
        return [r.event for r in self.rows if r.outcome == outcome]

    def as_json(self) -> list[dict[str, str]]:
        """For the session, to show the report on the page after the redirect."""
        return [{"event": r.event, "outcome": r.outcome, "detail": r.detail} for r in self.rows]

    @classmethod
    def from_json(cls, rows: Any) -> CreateResult:
        """The report back from the session; anything unrecognisable is dropped."""
        known = [r for r in rows or [] if isinstance(r, dict) and r.get("event") in EVENTS]
        return cls([RowResult(r["event"], Outcome(r["outcome"]), r["detail"]) for r in known])


class WebhookSetupError(Exception):
    """Guide cannot go on creating webhooks (the message says why and what to do);
    `result` holds what was done before it stopped."""

    def __init__(self, message: str, result: CreateResult | None = None) -> None:
        super().__init__(message)
        self.result = result or CreateResult()


def can_create_in_ashby(tenant: Tenant) -> bool:
    """Whether the tenant's key may create webhooks (API Keys write)."""
    connection = AshbyConnection.objects.filter(tenant=tenant).first()
    return bool(connection and connection.is_usable and can_manage_webhooks(connection.permissions))


def create_in_ashby(tenant: Tenant) -> CreateResult:
    """Create, through Ashby's API, each of the tenant's webhooks that is not connected yet,
    not in Ashby already (checked with webhook.info for the ids Guide kept) and of a type the
    API accepts; keep each webhook id Ashby returns. Idempotent."""
    connection = AshbyConnection.objects.filter(tenant=tenant).first()
    if connection is None or not connection.is_usable:
        raise WebhookSetupError("Connect Ashby with a working API key first.")
    # An admin waits on the page: one quick retry per call, and the first outage ends the
    # run (see _stop) instead of waiting out a full backoff for every webhook.
    client = AshbyClient(connection.api_key, retry=INTERACTIVE_RETRY)
    result = CreateResult()
    for status in subscription_statuses(tenant):
        try:
            _set_up_row(client, status, result)
        except _STOPPING as exc:
            raise _stop(exc, result) from exc
        except errors.AshbyError as exc:
            result.add(status.subscription, Outcome.FAILED, f"Ashby refused it: {exc.message}")
    logger.info(
        "Webhooks set up in Ashby for tenant %s: %s",
        tenant.pk,
        ", ".join(f"{r.event}={r.outcome}" for r in result.rows),
    )
    return result


def _set_up_row(client: AshbyClient, status: SubscriptionStatus, result: CreateResult) -> None:
    sub = status.subscription
    if status.state in _DELIVERING:
        result.add(sub, Outcome.CONNECTED, "Ashby's deliveries arrive: Guide left it alone.")
    elif sub.ashby_webhook_id and _still_in_ashby(client, sub):
        result.add(sub, Outcome.IN_ASHBY, _in_ashby_detail(status))
    elif not status.event.api_creatable:
        result.add(sub, Outcome.MANUAL, "Ashby's API cannot create this one: create it by hand.")
    else:
        _create_one(client, sub, result)


def _still_in_ashby(client: AshbyClient, sub: WebhookSubscription) -> bool:
    """Whether the webhook Guide created for this row is still in Ashby with the row's URL;
    if not, the row forgets its id so that a new one is created."""
    try:
        webhook = client.call("webhook.info", {"webhookId": sub.ashby_webhook_id})
    except errors.MissingPermission:
        return True  # a key without API Keys read cannot look; creating again would duplicate
    except errors.NotFound:
        webhook = None
    if isinstance(webhook, dict) and webhook.get("requestUrl") == receiver_url(sub):
        return True
    # Deleted in Ashby, or Guide's URL changed since (PUBLIC_BASE_URL): that webhook is left
    # as it is; only the row's memory of it goes.
    _keep_webhook_id(sub, "")
    return False


def _in_ashby_detail(status: SubscriptionStatus) -> str:
    if status.state == WebhookSubscription.State.FAILING:
        return (
            "Guide created it earlier and Ashby still has it, but its secret does not match: "
            "paste this row's secret into it in Ashby."
        )
    return "Guide created it earlier and Ashby still has it: waiting for Ashby's ping."


def _create_one(client: AshbyClient, sub: WebhookSubscription, result: CreateResult) -> None:
    body = {
        "webhookType": sub.event,
        "requestUrl": receiver_url(sub),
        "secretToken": sub.secret,
        "name": EVENTS[sub.event].suggested_name,
    }
    try:
        created = _create(client, body)
    except errors.AshbyApiError as exc:
        if not _is_duplicate(exc):
            raise
        result.add(sub, Outcome.FOUND, found_detail(sub.event))
        return
    webhook_id = created.get("id") if isinstance(created, dict) else None
    _keep_webhook_id(sub, str(webhook_id or ""))
    result.add(sub, Outcome.CREATED, "Created; Ashby pings it and the row turns green.")


def _create(client: AshbyClient, body: dict[str, str]) -> Any:
    """webhook.create with the name; once more without it if Ashby refuses that field
    (the spec does not define it, docs/ashby.md §7)."""
    try:
        return client.call("webhook.create", body)
    except errors.AshbyApiError as exc:
        if _is_duplicate(exc) or "name" not in exc.message.lower():
            raise
    return client.call("webhook.create", {k: v for k, v in body.items() if k != "name"})


def found_detail(event: str) -> str:
    """What to do when Ashby has this webhook already, without any advice to delete it."""
    return (
        f'Ashby answered "Duplicate webhook": it already has a {EVENTS[event].label} webhook '
        "with this row's URL, and its API cannot show that webhook to Guide, so Guide left it "
        "alone. If this row does not turn green, open that webhook in Ashby (Admin > "
        "Integrations > Webhooks) and paste this row's URL and secret into it by hand."
    )


def _is_duplicate(exc: errors.AshbyError) -> bool:
    return "duplicate" in f"{exc.code} {exc.message}".lower()


def _keep_webhook_id(sub: WebhookSubscription, webhook_id: str) -> None:
    sub.ashby_webhook_id = webhook_id[:64]
    sub.save(update_fields=["ashby_webhook_id"])


def _stop(exc: errors.AshbyError, result: CreateResult) -> WebhookSetupError:
    """The error that ends the run: the rows done so far stay done, and are reported."""
    if isinstance(exc, errors.MissingPermission):
        message = (
            "The API key lacks the API Keys write permission, so Guide cannot create webhooks. "
            "Give the key that permission in Ashby, or create the webhooks by hand below."
        )
    elif isinstance(exc, errors.InvalidApiKey):
        message = "Ashby refused the API key. Replace it on the Integrations page."
    else:
        message = (
            "Ashby did not answer (or asked Guide to slow down), so Guide stopped creating "
            "webhooks. Those created so far are kept; press the button again in a minute."
        )
    return WebhookSetupError(message, result)
