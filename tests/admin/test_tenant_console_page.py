"""The tenant page as the one place to help a customer: connection and key (with Check the
key now), permissions, the last syncs, the customer's webhook rows exactly as their page
computes them, recent deliveries, the audit trail; a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import html as htmllib
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations import sync_runs as sync_service
from integrations.admin import tenant_console
from integrations.models import AuditEvent, SyncRun, WebhookDelivery, WebhookSubscription
from integrations.webhook_rows import subscription_statuses
from tests.admin.world import populate

pytestmark = pytest.mark.django_db

PANELS = ("tenant-connection", "tenant-syncs", "tenant-webhooks", "tenant-deliveries")


def page_url(tenant) -> str:
    return reverse("admin:tenants_tenant_change", args=[tenant.pk])


def act_url(tenant, name: str) -> str:
    return reverse("admin:tenants_tenant_act", args=[tenant.pk, name])


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    runs: list[int] = []
    monkeypatch.setattr(sync_service, "_enqueue", lambda run_pk, conn_pk: runs.append(run_pk))
    return runs


@pytest.mark.parametrize("who", ["support_client", "superuser_client"])
def test_staff_see_every_panel_of_the_tenant_page(request, who, tenant_a, connection):
    populate(tenant_a)
    html = request.getfixturevalue(who).get(page_url(tenant_a)).content.decode()
    for panel in (*PANELS, "tenant-audit"):
        assert f'id="{panel}"' in html, panel
    assert "Candidates read" in html  # permissions in words
    assert 'data-action="check_key"' in html and 'data-action="sync_now"' in html


@pytest.mark.parametrize("who", ["tenant_admin_client", "member_client", "outsider_client"])
def test_tenant_users_are_sent_to_the_admin_sign_in(request, who, tenant_a, connection):
    client = request.getfixturevalue(who)
    for response in (client.get(page_url(tenant_a)), client.post(act_url(tenant_a, "sync_now"))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    assert not SyncRun.objects.exists()


def test_staff_without_the_action_permission_see_no_button_and_cannot_post(
    client, tenant_a, connection
):
    viewer = get_user_model().objects.create_user("viv", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_tenant"))
    client.force_login(viewer)
    assert 'data-action="check_key"' not in client.get(page_url(tenant_a)).content.decode()
    assert client.post(act_url(tenant_a, "check_key")).status_code == 403
    assert not AuditEvent.objects.exists()


def test_check_the_key_now_asks_ashby_and_comes_back_to_the_tenant_page(
    support_client, tenant_a, connection, fake_ashby
):
    response = support_client.post(act_url(tenant_a, "check_key"))
    assert response["Location"] == page_url(tenant_a)
    html = support_client.get(page_url(tenant_a)).content.decode()
    assert "Acme&#x27;s key checked: Ashby accepts it; permissions refreshed." in html
    assert "apiKey.info" in fake_ashby.endpoints_called()
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.source) == ("key_checked", "done", "admin")


def test_sync_now_from_the_tenant_page_queues_a_run(
    support_client, tenant_a, connection, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        support_client.post(act_url(tenant_a, "sync_now"))
    run = SyncRun.objects.get()
    assert enqueued == [run.pk]
    html = support_client.get(page_url(tenant_a)).content.decode()
    assert f"Queued a sync for Acme (run {run.pk})." in html


def test_an_unknown_action_is_a_404(support_client, tenant_a, connection):
    assert support_client.post(act_url(tenant_a, "drop_everything")).status_code == 404
    assert support_client.get(act_url(tenant_a, "sync_now")).status_code == 405


def _rows_on_page(html: str) -> list[tuple[str, str, str]]:
    section = html[html.index('id="tenant-webhooks"') : html.index('id="tenant-deliveries"')]
    rows = re.findall(
        r'<tr data-event="([^"]+)" data-state="([^"]+)">.*?data-role="reason">(.*?)</td>',
        section,
        re.S,
    )
    return [(event, state, htmllib.unescape(reason)) for event, state, reason in rows]


def test_the_webhook_rows_are_the_customer_rows_computed_by_the_same_code(
    support_client, tenant_a, connection
):
    populate(tenant_a)
    # the seeded failed deliveries would make every receiving row Failing (not applied lately);
    # here one row is Connected, one Failing on signatures, the rest Waiting
    WebhookDelivery.objects.filter(tenant=tenant_a).update(status="processed", error="")
    now = timezone.now()
    WebhookSubscription.objects.filter(tenant=tenant_a, event="candidateHire").update(
        last_valid_delivery_at=now - dt.timedelta(minutes=3)
    )
    subscription_statuses(tenant_a)  # makes every row
    failing = WebhookSubscription.objects.filter(tenant=tenant_a).exclude(event="candidateHire")
    failing.filter(pk=failing.first().pk).update(
        signature_failures=2, last_signature_failure_at=now
    )
    html = support_client.get(page_url(tenant_a)).content.decode()
    expected = [(s.subscription.event, s.state, s.reason) for s in subscription_statuses(tenant_a)]
    assert _rows_on_page(html) == expected
    assert {state for _, state, _ in expected} >= {"connected", "failing", "waiting"}


def test_the_last_syncs_show_status_duration_and_progress(support_client, tenant_a, connection):
    started = timezone.now() - dt.timedelta(minutes=5)
    SyncRun.objects.create(
        connection=connection,
        status="succeeded",
        started_at=started,
        finished_at=started + dt.timedelta(seconds=1.44),
        progress={"candidates": {"fetched": 120, "created": 3, "updated": 5, "deleted": 1}},
    )
    html = support_client.get(page_url(tenant_a)).content.decode()
    syncs = html[html.index('id="tenant-syncs"') : html.index('id="tenant-webhooks"')]
    assert "Succeeded" in syncs and "1.4 s" in syncs
    assert "120 fetched, 3 created, 5 updated, 1 deleted" in syncs


def _grow(tenant, connection, n: int) -> None:
    subscription = WebhookSubscription.objects.filter(tenant=tenant).first()
    WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            tenant=tenant,
            subscription=subscription,
            action=subscription.event,
            dedupe_key=f"grow-{n}-{i}",
            body="{}",
            status="failed" if i % 2 else "processed",
            error="boom" if i % 2 else "",
        )
        for i in range(n)
    )
    SyncRun.objects.bulk_create(
        SyncRun(connection=connection, status="succeeded", progress={"jobs": {"fetched": i}})
        for i in range(n)
    )
    AuditEvent.objects.bulk_create(
        AuditEvent(tenant=tenant, action="sync_requested", message=f"m{i}") for i in range(n)
    )


def _render(client, tenant) -> tuple[int, str]:
    with CaptureQueriesContext(db_connection) as captured:
        response = client.get(page_url(tenant))
    assert response.status_code == 200
    return len(captured.captured_queries), response.content.decode()


def test_the_page_runs_as_many_queries_for_50_rows_as_for_1(
    support_client, tenant_a, tenant_b, connection
):
    populate(tenant_a)
    populate(tenant_b, name="Bea Bravo")
    _render(support_client, tenant_a)  # the first look makes the customer's webhook rows
    few, _ = _render(support_client, tenant_a)
    _grow(tenant_a, connection, 50)
    many, html = _render(support_client, tenant_a)
    assert many == few
    assert html.count("<tr data-delivery=") == tenant_console.RECENT_DELIVERIES
    assert html.count("<tr data-run=") == tenant_console.LAST_SYNCS


def test_the_page_shows_the_tenants_own_charts_in_its_zone(support_client, tenant_a, connection):
    populate(tenant_a)
    processed = WebhookDelivery.objects.filter(tenant=tenant_a, status="processed").count()
    html = support_client.get(page_url(tenant_a)).content.decode()
    charts = html[html.index('id="tenant-charts"') :]
    assert "Deliveries per hour by outcome of Acme (last 48 hours, America/New_York)" in charts
    assert "Sync durations of Acme" in charts
    applied = re.findall(r'data-series="processed" data-label="[^"]+" data-value="([^"]+)"', charts)
    assert sum(float(v) for v in applied) == processed


def test_a_delivery_says_how_long_it_took_to_process(support_client, tenant_a, connection):
    populate(tenant_a)
    received = timezone.now() - dt.timedelta(minutes=4)
    WebhookDelivery.objects.filter(tenant=tenant_a).update(
        status="processed",
        error="",
        received_at=received,
        processed_at=received + dt.timedelta(seconds=1.44),
    )
    html = support_client.get(page_url(tenant_a)).content.decode()
    deliveries = html[html.index('id="tenant-deliveries"') : html.index('id="tenant-audit"')]
    assert "processed in 1.4 s" in deliveries
    assert "4 minutes ago" in deliveries
