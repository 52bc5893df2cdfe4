"""Optional "Create them in Ashby for me": webhook.create through the client (Ashby faked with
`responses`, bodies checked against the spec). What it skips, finds and reports per row:
tests/integrations/test_webhook_setup_report.py."""

from __future__ import annotations

import json
import uuid

import pytest
import responses
from django.urls import reverse

from integrations.ashby import connect
from integrations.ashby.events import EVENTS
from integrations.ashby.permissions import can_manage_webhooks
from integrations.models import WebhookSubscription
from integrations.webhook_rows import ensure_subscriptions, receiver_url
from tests.integrations.ashby_spec import spec_error
from tests.integrations.fake_ashby import BASE, GOOD_KEY

pytestmark = pytest.mark.django_db

PAGE = reverse("integrations:webhooks")
CREATE = reverse("integrations:webhooks_create_in_ashby")
API_CREATABLE = 8  # all but jobCreate and jobUpdate


@pytest.fixture
def ashby_creates(ashby_webhooks):
    """webhook.create answers like Ashby; `refuse` maps a type to an error body."""
    return ashby_webhooks.sent, ashby_webhooks.refuse


def test_admin_with_api_keys_write_is_offered_the_button(tenant_admin_client, acme_connection):
    assert can_manage_webhooks(acme_connection.permissions)
    html = tenant_admin_client.get(PAGE).content.decode()
    assert "Create them in Ashby for me" in html
    assert "Job Create or Job Update" in html


def test_without_api_keys_write_there_is_no_button(
    tenant_admin_client, tenant_a, admin_user, fake_ashby, queued_syncs
):
    fake_ashby.lacks("apiKeysWrite", "webhook.update")
    connection = connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)
    assert not can_manage_webhooks(connection.permissions)
    assert "Create them in Ashby for me" not in tenant_admin_client.get(PAGE).content.decode()


def test_a_member_is_not_offered_the_button_and_may_not_post(member_client, acme_connection):
    assert "Create them in Ashby for me" not in member_client.get(PAGE).content.decode()
    assert member_client.post(CREATE).status_code == 403


def test_guide_creates_each_webhook_the_api_accepts_and_keeps_the_ids(
    tenant_admin_client, tenant_a, acme_connection, ashby_creates
):
    sent, _ = ashby_creates
    response = tenant_admin_client.post(CREATE, follow=True)
    rows = {s.event: s for s in ensure_subscriptions(tenant_a)}
    assert len(sent) == API_CREATABLE
    assert {b["webhookType"] for b in sent} == set(rows) - {"jobCreate", "jobUpdate"}
    for body in sent:
        row = rows[body["webhookType"]]
        assert body == {
            "webhookType": row.event,
            "requestUrl": receiver_url(row),
            "secretToken": row.secret,
            "name": EVENTS[row.event].suggested_name,
        }
        assert row.ashby_webhook_id
    assert not rows["jobCreate"].ashby_webhook_id
    html = response.content.decode()
    assert "Created 8 webhooks in Ashby" in html
    assert "Create these by hand in Ashby (its API cannot): Job Create, Job Update." in html
    assert html.count('data-role="created-in-ashby"') == API_CREATABLE


def test_asking_twice_creates_nothing_twice(tenant_admin_client, acme_connection, ashby_creates):
    sent, _ = ashby_creates
    tenant_admin_client.post(CREATE)
    tenant_admin_client.post(CREATE)
    assert len(sent) == API_CREATABLE


def test_a_duplicate_webhook_is_left_alone_without_delete_advice_and_the_others_are_created(
    tenant_admin_client, tenant_a, acme_connection, ashby_creates
):
    _, refuse = ashby_creates
    refuse["candidateHire"] = spec_error("invalid_input", "Duplicate webhook")
    response = tenant_admin_client.post(CREATE, follow=True)
    html = response.content.decode()
    assert "Found in Ashby" in html
    assert "Guide left it alone" in html
    assert "paste this row&#x27;s URL and secret into it by hand" in html
    assert "delete it" not in html
    rows = {s.event: s for s in ensure_subscriptions(tenant_a)}
    assert not rows["candidateHire"].ashby_webhook_id
    assert rows["candidateStageChange"].ashby_webhook_id


def test_a_key_that_lost_the_permission_gets_a_clear_error(
    tenant_admin_client, tenant_a, acme_connection, fake_ashby
):
    fake_ashby.lacks("apiKeysWrite", "webhook.create")
    response = tenant_admin_client.post(CREATE, follow=True)
    assert "lacks the API Keys write permission" in response.content.decode()
    assert (
        not WebhookSubscription.objects.filter(tenant=tenant_a)
        .exclude(ashby_webhook_id="")
        .exists()
    )


def test_without_a_connection_the_admin_is_told_to_connect_first(tenant_admin_client):
    response = tenant_admin_client.post(CREATE, follow=True)
    assert "Connect Ashby with a working API key first." in response.content.decode()


def test_an_outsider_cannot_create_webhooks_for_our_tenant(
    outsider_client, tenant_a, acme_connection, ashby_creates
):
    sent, _ = ashby_creates
    response = outsider_client.post(CREATE, follow=True)
    assert sent == []
    assert "Connect Ashby with a working API key first." in response.content.decode()
    assert (
        not WebhookSubscription.objects.filter(tenant=tenant_a)
        .exclude(ashby_webhook_id="")
        .exists()
    )


def test_an_ashby_outage_stops_the_run_keeps_what_was_created_and_says_so(
    tenant_admin_client, tenant_a, acme_connection, fake_ashby
):
    calls: list[str] = []

    def flaky(request):
        calls.append(json.loads(request.body)["webhookType"])
        if len(calls) > 2:
            return 503, {}, "upstream unavailable"
        results = {"id": str(uuid.uuid4()), "enabled": True, **json.loads(request.body)}
        return 200, {}, json.dumps({"success": True, "results": results})

    fake_ashby.mock.remove(responses.POST, f"{BASE}/webhook.create")
    fake_ashby.mock.add_callback(responses.POST, f"{BASE}/webhook.create", callback=flaky)
    response = tenant_admin_client.post(CREATE, follow=True)
    assert "Ashby did not answer" in response.content.decode()
    assert len(calls) == 3  # stopped at the first failure, not one try per remaining webhook
    created = WebhookSubscription.objects.filter(tenant=tenant_a).exclude(ashby_webhook_id="")
    assert sorted(created.values_list("event", flat=True)) == sorted(calls[:2])
