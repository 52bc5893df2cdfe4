"""The Configure Webhooks page, its status feed and its actions, with the fixed cast."""

from __future__ import annotations

import logging
import re
import zoneinfo
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from integrations.ashby.events import EVENTS
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.webhook_helpers import post_webhook, webhook_fixture

pytestmark = pytest.mark.django_db

PAGE = reverse("integrations:webhooks")
STATUS = reverse("integrations:webhooks_status")


def _rows(tenant) -> dict[str, WebhookSubscription]:
    return {s.event: s for s in ensure_subscriptions(tenant)}


def _row_html(html: str, event: str) -> str:
    match = re.search(rf'<article[^>]*data-event="{event}".*?</article>', html, re.S)
    assert match, f"no row for {event}"
    return match.group(0)


def _state(client, event: str) -> dict:
    rows = client.get(STATUS).json()["rows"]
    return next(r for r in rows if r["event"] == event)


# --- the page -------------------------------------------------------------------------------


def test_admin_sees_a_row_per_event_with_the_values_in_ashbys_form_order(
    tenant_admin_client, tenant_a
):
    response = tenant_admin_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    rows = _rows(tenant_a)
    assert re.findall(r'<article[^>]*data-event="(\w+)"', html) == list(EVENTS)
    row = _row_html(html, "candidateStageChange")
    sub = rows["candidateStageChange"]
    values = re.findall(r'<code data-field="(\w+)">([^<]*)</code>', row)
    assert values == [
        ("name", "Guide - Candidate Stage Change"),
        ("url", f"{settings.PUBLIC_BASE_URL}/webhooks/ashby/{sub.token}/"),
        ("secret", sub.secret),
        ("event", "Candidate Stage Change"),
    ]
    assert re.findall(r'data-copy-field="(\w+)"', row) == ["name", "url", "secret", "event"]
    assert 'data-state="waiting"' in row


def test_the_page_is_never_cached(tenant_admin_client):
    assert "no-store" in tenant_admin_client.get(PAGE)["Cache-Control"]


def test_the_page_loads_its_script_and_the_status_url(tenant_admin_client):
    html = tenant_admin_client.get(PAGE).content.decode()
    assert "js/webhooks.js" in html
    assert f'data-status-url="{STATUS}"' in html


def test_a_read_only_member_sees_the_rows_without_secrets_or_actions(member_client, tenant_a):
    response = member_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    rows = _rows(tenant_a)
    for sub in rows.values():
        assert sub.token in html  # the URL is shown
        assert sub.secret not in html
    assert 'data-copy-field="secret"' not in html
    assert "Only an admin of Acme sees the secret." in html
    assert "/rotate/" not in html


def test_an_outsider_sees_only_their_own_tenants_rows(outsider_client, tenant_a):
    acme = _rows(tenant_a)
    html = outsider_client.get(PAGE).content.decode()
    for sub in acme.values():
        assert sub.token not in html
        assert sub.secret not in html
    assert len(re.findall(r"<article[^>]*data-event=", html)) == len(EVENTS)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_rows_are_created_once_whatever_the_number_of_visits(tenant_admin_client, tenant_a):
    tenant_admin_client.get(PAGE)
    secrets_before = {
        s.event: s.secret for s in WebhookSubscription.objects.filter(tenant=tenant_a)
    }
    tenant_admin_client.get(PAGE)
    assert WebhookSubscription.objects.filter(tenant=tenant_a).count() == len(EVENTS)
    after = {s.event: s.secret for s in WebhookSubscription.objects.filter(tenant=tenant_a)}
    assert after == secrets_before


def test_the_secret_is_stored_encrypted(tenant_a):
    sub = _rows(tenant_a)["candidateHire"]
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_encrypted FROM integrations_webhooksubscription WHERE id = %s", [sub.pk]
        )
        stored = cursor.fetchone()[0]
    assert sub.secret not in stored
    assert sub.secret not in repr(sub.secret_encrypted)


# --- status ---------------------------------------------------------------------------------


def test_status_starts_waiting_with_a_summary_of_none_connected(tenant_admin_client):
    body = tenant_admin_client.get(STATUS).json()
    assert {r["state"] for r in body["rows"]} == {"waiting"}
    assert body["summary"] == {
        "connected": 0,
        "total": 10,
        "all_on": False,
        "text": "0 of 10 connected",
    }


def test_a_ping_turns_the_row_connected_in_the_status_feed(client, tenant_admin_client, tenant_a):
    sub = _rows(tenant_a)["candidateHire"]
    post_webhook(client, sub, webhook_fixture("ping"))
    row = _state(tenant_admin_client, "candidateHire")
    assert row["state"] == "connected"
    assert row["state_label"] == "Connected"
    assert tenant_admin_client.get(STATUS).json()["summary"]["text"] == "1 of 10 connected"


def test_wrong_signatures_make_the_row_failing_with_the_reason(
    client, tenant_admin_client, tenant_a
):
    sub = _rows(tenant_a)["candidateHire"]
    post_webhook(client, sub, webhook_fixture("ping"))
    post_webhook(client, sub, webhook_fixture("candidateHire"), secret="what Ashby has")
    row = _state(tenant_admin_client, "candidateHire")
    assert row["state"] == "failing"
    assert row["reason"].startswith("The secret in Ashby does not match: paste it again.")
    assert "1 delivery refused" in row["reason"]
    html = tenant_admin_client.get(PAGE).content.decode()
    assert "The secret in Ashby does not match: paste it again." in _row_html(html, "candidateHire")


def test_all_green_says_real_time_updates_are_on(client, tenant_admin_client, tenant_a):
    for sub in _rows(tenant_a).values():
        post_webhook(client, sub, webhook_fixture("ping"))
    summary = tenant_admin_client.get(STATUS).json()["summary"]
    assert summary == {
        "connected": 10,
        "total": 10,
        "all_on": True,
        "text": "Real-time updates are on",
    }
    assert "Real-time updates are on" in tenant_admin_client.get(PAGE).content.decode()


def test_a_row_quiet_for_long_while_others_receive_gets_a_warning(tenant_admin_client, tenant_a):
    rows = _rows(tenant_a)
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=rows["candidateStageChange"].pk).update(
        last_valid_delivery_at=now - timedelta(days=4)
    )
    WebhookSubscription.objects.filter(pk=rows["applicationUpdate"].pk).update(
        last_valid_delivery_at=now - timedelta(minutes=5)
    )
    WebhookSubscription.objects.filter(pk=rows["candidateMerge"].pk).update(
        last_valid_delivery_at=now - timedelta(days=4)  # a rare event: 4 days is normal
    )
    quiet = _state(tenant_admin_client, "candidateStageChange")
    assert quiet["state"] == "quiet"
    assert "No delivery for 4" in quiet["reason"]
    assert _state(tenant_admin_client, "candidateMerge")["state"] == "connected"
    summary = tenant_admin_client.get(STATUS).json()["summary"]
    assert summary["connected"] == 3
    assert summary["all_on"] is False


def test_a_row_quiet_while_nothing_else_arrives_either_is_not_warned(tenant_admin_client, tenant_a):
    sub = _rows(tenant_a)["candidateStageChange"]
    WebhookSubscription.objects.filter(pk=sub.pk).update(
        last_valid_delivery_at=timezone.now() - timedelta(days=10)
    )
    assert _state(tenant_admin_client, "candidateStageChange")["state"] == "connected"


def test_the_status_feed_never_contains_secrets_or_tokens(tenant_admin_client, tenant_a):
    raw = tenant_admin_client.get(STATUS).content.decode()
    for sub in _rows(tenant_a).values():
        assert sub.secret not in raw
        assert sub.token not in raw


def test_the_status_feed_is_scoped_to_the_users_tenant(outsider_client, client, tenant_a):
    post_webhook(client, _rows(tenant_a)["candidateHire"], webhook_fixture("ping"))
    body = outsider_client.get(STATUS).json()
    assert body["summary"]["connected"] == 0


def test_a_member_may_read_the_status_feed(member_client):
    assert member_client.get(STATUS).status_code == 200


# --- rotate -------------------------------------------------------------------------------


def _rotate_url(sub) -> str:
    return reverse("integrations:webhooks_rotate", args=[sub.pk])


def test_admin_rotates_a_secret_and_is_warned_to_update_ashby(
    client, tenant_admin_client, tenant_a
):
    sub = _rows(tenant_a)["candidateHire"]
    old = sub.secret
    post_webhook(client, sub, webhook_fixture("ping"))
    response = tenant_admin_client.post(_rotate_url(sub), follow=True)
    assert response.status_code == 200
    fresh = WebhookSubscription.objects.get(pk=sub.pk)
    assert fresh.secret != old
    assert fresh.token == sub.token
    # Asked for in issue 17: a rotation no longer resets the row to Waiting; it keeps
    # receiving, and the old secret is accepted for the grace period.
    assert fresh.last_valid_delivery_at is not None
    html = response.content.decode()
    assert "Paste the new secret into this webhook in Ashby now" in html
    assert "Guide accepts both for 24 hours" in html
    assert fresh.secret in _row_html(html, "candidateHire")
    assert _state(tenant_admin_client, "candidateHire")["state"] == "rotated"
    assert post_webhook(client, fresh, webhook_fixture("ping"), secret=old).status_code == 200
    assert _state(tenant_admin_client, "candidateHire")["state"] == "rotated"
    assert post_webhook(client, fresh, webhook_fixture("ping")).status_code == 200
    assert _state(tenant_admin_client, "candidateHire")["state"] == "connected"


def test_the_page_warns_before_rotating(tenant_admin_client, tenant_a):
    html = tenant_admin_client.get(PAGE).content.decode()
    row = _row_html(html, "candidateHire")
    assert "Ashby keeps signing with the old" in row
    assert _rotate_url(_rows(tenant_a)["candidateHire"]) in row


def test_a_member_may_not_rotate(member_client, tenant_a):
    sub = _rows(tenant_a)["candidateHire"]
    assert member_client.post(_rotate_url(sub)).status_code == 403
    assert WebhookSubscription.objects.get(pk=sub.pk).secret == sub.secret


def test_an_outsider_gets_404_for_another_tenants_row(outsider_client, tenant_a):
    sub = _rows(tenant_a)["candidateHire"]
    assert outsider_client.post(_rotate_url(sub)).status_code == 404
    assert WebhookSubscription.objects.get(pk=sub.pk).secret == sub.secret


def test_rotating_needs_post(tenant_admin_client, tenant_a):
    sub = _rows(tenant_a)["candidateHire"]
    assert tenant_admin_client.get(_rotate_url(sub)).status_code == 405


def test_no_secret_reaches_the_logs(client, tenant_admin_client, tenant_a, caplog):
    sub = _rows(tenant_a)["candidateHire"]
    with caplog.at_level(logging.DEBUG):
        post_webhook(client, sub, webhook_fixture("candidateHire"), secret="wrong")
        tenant_admin_client.post(_rotate_url(sub))
    fresh = WebhookSubscription.objects.get(pk=sub.pk)
    assert caplog.records
    for secret in (sub.secret, fresh.secret):
        assert secret not in caplog.text


# --- delivery log and replay ----------------------------------------------------------------


def _delivery(tenant, sub, status=WebhookDelivery.Status.FAILED) -> WebhookDelivery:
    return WebhookDelivery.objects.create(
        tenant=tenant,
        subscription=sub,
        action=sub.event,
        dedupe_key="k1",
        body='{"action": "jobCreate", "data": {}}',
        status=status,
        attempts=5,
        error="RuntimeError: boom",
    )


def test_the_page_lists_recent_deliveries_with_their_status(tenant_admin_client, tenant_a):
    delivery = _delivery(tenant_a, _rows(tenant_a)["jobCreate"])
    html = tenant_admin_client.get(PAGE).content.decode()
    assert f'data-delivery="{delivery.pk}" data-status="failed"' in html
    assert "RuntimeError: boom" in html


def test_admin_replays_a_delivery(
    tenant_admin_client, tenant_a, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr("integrations.deliveries.enqueue", queued.append)
    delivery = _delivery(tenant_a, _rows(tenant_a)["jobCreate"])
    url = reverse("integrations:webhooks_replay", args=[delivery.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = tenant_admin_client.post(url)
    assert response.status_code == 302
    assert queued == [delivery.pk]
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.RECEIVED
    assert delivery.attempts == 0
    assert delivery.error == ""


def test_a_member_may_not_replay(member_client, tenant_a):
    delivery = _delivery(tenant_a, _rows(tenant_a)["jobCreate"])
    url = reverse("integrations:webhooks_replay", args=[delivery.pk])
    assert member_client.post(url).status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED


def test_an_outsider_may_not_replay_another_tenants_delivery(outsider_client, tenant_a):
    delivery = _delivery(tenant_a, _rows(tenant_a)["jobCreate"])
    url = reverse("integrations:webhooks_replay", args=[delivery.pk])
    assert outsider_client.post(url).status_code == 404
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.FAILED


def test_a_delivery_being_processed_is_not_replayed(tenant_admin_client, tenant_a):
    delivery = _delivery(tenant_a, _rows(tenant_a)["jobCreate"], WebhookDelivery.Status.PROCESSING)
    url = reverse("integrations:webhooks_replay", args=[delivery.pk])
    response = tenant_admin_client.post(url, follow=True)
    assert "being processed right now" in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.PROCESSING


# --- the Integrations page's real-time block ---------------------------------------------------


@pytest.fixture
def connected_acme(tenant_a, admin_user, fake_ashby, monkeypatch):
    from integrations.ashby import connect
    from tests.integrations.fake_ashby import GOOD_KEY

    monkeypatch.setattr(connect, "request_sync", lambda *args, **kwargs: None)
    return connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)


INTEGRATIONS = reverse("integrations:integrations")


def test_with_no_webhook_connected_the_panel_warns_and_says_when_the_next_sync_runs(
    tenant_admin_client, connected_acme, tenant_a
):
    from integrations.schedule import next_scheduled_sync

    html = tenant_admin_client.get(INTEGRATIONS).content.decode()
    assert "No Ashby webhook is connected yet, so guides may fall behind Ashby" in html
    next_run = next_scheduled_sync(tenant_a.pk)
    assert next_run is not None
    assert f'datetime="{next_run.isoformat()}"' in html
    # Shown in the company's zone, like every other time on the panel (Acme: New York).
    local = next_run.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    assert f"{local:%H:%M} {local.tzname()}</time>" in html
    assert reverse("integrations:webhooks") in html


def test_once_a_webhook_is_connected_the_panel_shows_the_count_instead(
    client, tenant_admin_client, connected_acme, tenant_a
):
    post_webhook(client, _rows(tenant_a)["candidateHire"], webhook_fixture("ping"))
    html = tenant_admin_client.get(INTEGRATIONS).content.decode()
    assert "guides may fall behind" not in html
    assert "1 of 10 connected" in html


def test_the_members_panel_shows_the_same_status(member_client, connected_acme):
    html = member_client.get(INTEGRATIONS).content.decode()
    assert "No Ashby webhook is connected yet" in html


def test_without_ashby_there_is_no_real_time_block(tenant_admin_client):
    html = tenant_admin_client.get(INTEGRATIONS).content.decode()
    assert 'data-role="webhooks-panel"' not in html
