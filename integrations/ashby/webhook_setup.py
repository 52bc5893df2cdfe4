"""Optional: "Create them in Ashby for me". Creates the tenant's webhooks through Ashby's
webhook.create, when the API key has the API Keys write permission.

The manual flow stays the main one. Ashby's API has no webhook.list, and creating a webhook
that exists already (same type and URL) fails with "Duplicate webhook", which only a human can
clear in Ashby's admin (docs/ashby.md §7). So the returned webhook id is kept on the row, a row
with an id is never created twice, and a duplicate is explained rather than retried. The
spec's webhook.create accepts 17 types, not jobCreate or jobUpdate: those rows stay manual.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from integrations.ashby import errors
from integrations.ashby.client import INTERACTIVE_RETRY, AshbyClient
from integrations.ashby.events import EVENTS
from integrations.ashby.permissions import can_manage_webhooks
from integrations.models import AshbyConnection
from integrations.webhook_rows import ensure_subscriptions, receiver_url
from tenants.models import Tenant

logger = logging.getLogger(__name__)

DUPLICATE_EXPLANATION = (
    'Ashby answered "Duplicate webhook": it already has a webhook for this event with this URL, '
    "and its API cannot list or delete webhooks. In Ashby, open Admin > Integrations > Webhooks, "
    "then either paste this row's secret into that webhook, or delete it and try again."
)


class WebhookSetupError(Exception):
    """Guide cannot create webhooks in Ashby at all (the message says why and what to do)."""


@dataclass
class CreateResult:
    created: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    manual: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def can_create_in_ashby(tenant: Tenant) -> bool:
    """Whether the tenant's key may create webhooks (API Keys write)."""
    connection = AshbyConnection.objects.filter(tenant=tenant).first()
    return bool(connection and connection.is_usable and can_manage_webhooks(connection.permissions))


def create_in_ashby(tenant: Tenant) -> CreateResult:
    """Create, through Ashby's API, every webhook of the tenant that the API accepts and that
    Guide has not created before; keep each webhook id Ashby returns. Idempotent."""
    connection = AshbyConnection.objects.filter(tenant=tenant).first()
    if connection is None or not connection.is_usable:
        raise WebhookSetupError("Connect Ashby with a working API key first.")
    # An admin waits on the page: one quick retry per call, and the first outage ends the
    # run (see _create_one) instead of waiting out a full backoff for every webhook.
    client = AshbyClient(connection.api_key, retry=INTERACTIVE_RETRY)
    result = CreateResult()
    for subscription in ensure_subscriptions(tenant):
        if subscription.ashby_webhook_id:
            result.already.append(subscription.event)
        elif not EVENTS[subscription.event].api_creatable:
            result.manual.append(subscription.event)
        else:
            _create_one(client, subscription, result)
    logger.info(
        "Webhooks created in Ashby for tenant %s: %d created, %d failed",
        tenant.pk,
        len(result.created),
        len(result.failed),
    )
    return result


def _create_one(client: AshbyClient, subscription, result: CreateResult) -> None:
    body = {
        "webhookType": subscription.event,
        "requestUrl": receiver_url(subscription),
        "secretToken": subscription.secret,
    }
    try:
        created = client.call("webhook.create", body)
    except errors.MissingPermission:
        raise WebhookSetupError(
            "The API key lacks the API Keys write permission, so Guide cannot create webhooks. "
            "Give the key that permission in Ashby, or create the webhooks by hand below."
        )
    except errors.InvalidApiKey:
        raise WebhookSetupError("Ashby refused the API key. Replace it on the Integrations page.")
    except (errors.TransientError, errors.RateLimited):
        raise WebhookSetupError(
            "Ashby did not answer (or asked Guide to slow down), so Guide stopped creating "
            "webhooks. Those created so far are kept; press the button again in a minute."
        )
    except errors.AshbyError as exc:
        text = f"{exc.code} {exc.message}".lower()
        duplicate = "duplicate" in text
        result.failed[subscription.event] = DUPLICATE_EXPLANATION if duplicate else exc.message
        return
    webhook_id = created.get("id") if isinstance(created, dict) else None
    subscription.ashby_webhook_id = str(webhook_id or "")[:64]
    subscription.save(update_fields=["ashby_webhook_id"])
    result.created.append(subscription.event)
