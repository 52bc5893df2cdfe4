"""End to end with the Ashby sandbox: webhooks registered in the sandbox to Guide's URLs and
secrets (Guide served by live_server), activity triggered there, the guide changed here.

The sandbox signs and POSTs over real HTTP; Guide stores each delivery and (django-q2 being
synchronous in the tests) processes it before answering.
"""

from __future__ import annotations

import pytest

from ashby_sandbox import models as sandbox
from ashby_sandbox import seed
from ashby_sandbox.webhooks import create_webhook
from guides.models import Guide
from integrations.ashby.events import EVENTS
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhooks import ensure_subscriptions, receiver_url

pytestmark = pytest.mark.django_db(transaction=True)
Status = WebhookDelivery.Status


@pytest.fixture
def guide_online(settings, live_server):
    """Guide's public address is the live server; the sandbox sends only when told to."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SANDBOX_WEBHOOK_SENDER = "manual"
    settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS = 10.0
    return live_server


@pytest.fixture
def registered(guide_online, tenant_a):
    """The tenant's ten webhooks created in the sandbox, as the admin would from the page."""
    seed.seed(3, seed=11)
    rows = ensure_subscriptions(tenant_a)
    for row in rows:
        create_webhook(
            webhook_type=row.event,
            request_url=receiver_url(row),
            secret_token=row.secret,
            name=EVENTS[row.event].suggested_name,
        )
    return rows


def _guide_of(tenant, candidate) -> Guide:
    return Guide.objects.get(tenant=tenant, candidate__external_id=str(candidate.id))


def test_registering_the_webhooks_in_the_sandbox_turns_every_row_connected(registered):
    assert sandbox.Webhook.objects.filter(enabled=True).count() == 10
    assert not WebhookSubscription.objects.filter(last_valid_delivery_at__isnull=True).exists()


def test_a_wrong_secret_in_the_sandbox_shows_as_failing(guide_online, tenant_a):
    row = next(r for r in ensure_subscriptions(tenant_a) if r.event == "candidateHire")
    hook = create_webhook(
        webhook_type="candidateHire", request_url=receiver_url(row), secret_token="typo"
    )
    hook.refresh_from_db()
    assert hook.enabled is False  # the ping got a 401, as with Ashby
    row.refresh_from_db()
    assert row.is_failing
    assert row.signature_failures == 1
