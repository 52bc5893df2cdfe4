"""The support home (/admin/): who needs help right now, the totals, the charts; staff only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from integrations.models import AshbyConnection, SyncRun, WebhookDelivery, WebhookSubscription
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

HOME = "/admin/"
PERMISSIONS = ["apiKeysRead", "candidatesRead", "jobsRead", "interviewsRead", "organizationRead"]


def connect(tenant: Tenant, **fields) -> AshbyConnection:
    conn = AshbyConnection(tenant=tenant, key_title="Guide", permissions=PERMISSIONS, **fields)
    conn.api_key = f"{tenant.slug}-key-0123456789abcdef"
    conn.save()
    SyncRun.objects.create(
        connection=conn,
        status="succeeded",
        started_at=timezone.now() - timedelta(seconds=12),
        finished_at=timezone.now() - timedelta(seconds=9),
    )
    return conn


def subscription(tenant: Tenant, event: str = "candidateHire") -> WebhookSubscription:
    sub = WebhookSubscription(tenant=tenant, event=event)
    sub.secret = "0123456789abcdef" * 4
    sub.save()
    return sub


def deliver(tenant: Tenant, n: int, *, status: str = "processed", ago=timedelta(minutes=30)):
    sub = WebhookSubscription.objects.filter(tenant=tenant).first() or subscription(tenant)
    received = timezone.now() - ago
    for i in range(n):
        WebhookDelivery.objects.create(
            tenant=tenant,
            subscription=sub,
            action=sub.event,
            dedupe_key=f"{tenant.slug}-{status}-{ago}-{i}",
            body="{}",
            received_at=received,
            status=status,
            processed_at=received + timedelta(seconds=2) if status == "processed" else None,
            error="MappingError: no usable id" if status == "failed" else "",
        )


@pytest.fixture
def cast(db):
    """A tenant with a rejected key, one whose last sync failed, one with failing deliveries,
    and one healthy."""
    names = ["Rejected Key Co", "Failed Sync Co", "Failing Deliveries Co", "Healthy Co"]
    rejected, failed, failing, healthy = (
        Tenant.objects.create(name=n, slug=n.lower().replace(" ", "-")) for n in names
    )
    connect(rejected, status="needs_attention", status_reason="Ashby says the key was revoked.")
    conn = connect(failed)
    SyncRun.objects.create(
        connection=conn,
        status="failed",
        error="Ashby answered 500 three times",
        started_at=timezone.now() - timedelta(minutes=3),
        finished_at=timezone.now() - timedelta(minutes=2),
    )
    connect(failing)
    deliver(failing, 3, status="failed")
    deliver(failing, 4)
    connect(healthy)
    deliver(healthy, 5)
    deliver(healthy, 2, ago=timedelta(hours=3))
    return {"rejected": rejected, "failed": failed, "failing": failing, "healthy": healthy}


def attention(html: str) -> dict[str, str]:
    """Tenant name -> the text of its entry in the attention list."""
    items = re.findall(
        r'<li class="attention-tenant" data-tenant="\d+">(.*?)</ul>\s*</li>', html, re.S
    )
    found = {}
    for item in items:
        name = re.search(r"<h3><a [^>]*>([^<]+)</a>", item).group(1)
        found[name] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item))
    return found


def bars(html: str, series: str) -> dict[str, float]:
    """label -> value of the chart segments of `series` (from their data attributes)."""
    pattern = rf'data-series="{series}" data-label="([^"]+)" data-value="([^"]+)"'
    return {label: float(value) for label, value in re.findall(pattern, html)}


def test_support_sees_who_needs_help_and_why(support_client, cast):
    html = support_client.get(HOME).content.decode()
    listed = attention(html)
    assert set(listed) == {"Rejected Key Co", "Failed Sync Co", "Failing Deliveries Co"}
    assert "Ashby says the key was revoked." in listed["Rejected Key Co"]
    assert "The last sync failed" in listed["Failed Sync Co"]
    assert "Ashby answered 500 three times" in listed["Failed Sync Co"]
    assert "3 deliveries failed processing in the last 24 hours" in listed["Failing Deliveries Co"]
    conn = cast["rejected"].ashby_connection
    assert reverse("admin:integrations_ashbyconnection_change", args=[conn.pk]) in html
    failing = cast["failing"].pk
    assert (
        f"/admin/integrations/webhookdelivery/?tenant__id__exact={failing}&amp;has_error=yes"
        in html
    )


def test_the_totals_count_every_tenant(superuser_client, cast):
    response = superuser_client.get(HOME)
    totals = response.context["totals"]
    assert (totals["tenants"], totals["connected"]) == (4, 3)
    assert (totals["deliveries"], totals["applied"], totals["failed"]) == (14, 11, 3)
    assert (totals["backlog"], totals["last_sync_failed"], totals["syncs_running"]) == (0, 1, 0)
    html = response.content.decode()
    assert "Times in <strong>UTC</strong>" in html


def test_the_charts_carry_their_numbers(superuser_client, cast):
    html = superuser_client.get(HOME).content.decode()
    assert sum(bars(html, "processed").values()) == 11
    assert sum(bars(html, "failed").values()) >= 3  # the failed deliveries and the failed sync
    assert len(re.findall(r'<rect class="chart-(?:processed|ignored|failed|pending)"', html)) >= 3
    assert set(bars(html, "p50").values()) == {2.0}
    assert "<title" in html and "<desc" in html and 'class="visually-hidden"' in html


def test_a_tenant_filter_shows_only_that_tenants_charts(superuser_client, cast):
    healthy = cast["healthy"]
    html = superuser_client.get(f"{HOME}?tenant={healthy.pk}").content.decode()
    assert "Showing <strong>Healthy Co</strong> only." in html
    assert sum(bars(html, "processed").values()) == 7
    assert attention(html) == {}
    assert "Nobody needs help right now" in html


def test_a_tenant_filter_lists_only_that_tenants_reasons(support_client, cast):
    html = support_client.get(f"{HOME}?tenant={cast['failing'].pk}").content.decode()
    assert list(attention(html)) == ["Failing Deliveries Co"]
    assert sum(bars(html, "failed").values()) == 3


def test_an_unknown_tenant_filter_says_so(superuser_client, cast):
    html = superuser_client.get(f"{HOME}?tenant=999999").content.decode()
    assert "No tenant with that id" in html


def test_a_quiet_backlog_and_failing_webhook_are_listed(superuser_client, cast):
    healthy = cast["healthy"]
    deliver(healthy, 2, status="received", ago=timedelta(minutes=20))
    sub = subscription(healthy, "applicationSubmit")
    sub.last_signature_failure_at = timezone.now()
    sub.signature_failures = 2
    sub.save()
    listed = attention(superuser_client.get(HOME).content.decode())
    assert "2 deliveries waiting to be processed, the oldest for 20 minutes" in listed["Healthy Co"]
    assert "1 webhook refuses deliveries" in listed["Healthy Co"]


def test_a_quiet_webhook_is_listed_as_its_page_shows_it(superuser_client, cast):
    from integrations.webhook_rows import subscription_statuses

    healthy = cast["healthy"]
    WebhookSubscription.objects.filter(tenant=healthy).update(
        last_valid_delivery_at=timezone.now() - timedelta(minutes=5)
    )
    quiet = subscription(healthy, "applicationSubmit")
    quiet.last_valid_delivery_at = timezone.now() - timedelta(days=40)
    quiet.save()
    listed = attention(superuser_client.get(HOME).content.decode())
    states = {s.subscription.event: s.state for s in subscription_statuses(healthy)}
    assert states["applicationSubmit"] == "quiet"
    assert "Quiet webhook (" in listed["Healthy Co"]
    assert "check they are enabled in Ashby" in listed["Healthy Co"]


def test_a_stale_sync_is_listed(superuser_client, cast):
    conn = cast["healthy"].ashby_connection
    long_ago = timezone.now() - timedelta(hours=5)
    AshbyConnection.objects.filter(pk=conn.pk).update(connected_at=long_ago)
    SyncRun.objects.filter(connection=conn).update(finished_at=long_ago, requested_at=long_ago)
    listed = attention(superuser_client.get(HOME).content.decode())
    assert "No successful sync for 5 hours" in listed["Healthy Co"]


def test_the_home_costs_the_same_for_1_or_30_tenants_needing_help(superuser_client, db):
    def queries() -> int:
        with CaptureQueriesContext(db_connection) as captured:
            assert superuser_client.get(HOME).status_code == 200
        return len(captured.captured_queries)

    for n in range(30):
        tenant = Tenant.objects.create(name=f"T{n}", slug=f"t{n}")
        connect(tenant, status="needs_attention" if n % 2 else "connected")
        deliver(tenant, 1, status="failed")
        if n == 0:
            few = queries()
    assert queries() == few


@pytest.mark.parametrize("who", ["tenant_admin_client", "member_client", "outsider_client"])
def test_guide_users_are_sent_to_the_admin_sign_in(request, who, cast):
    response = request.getfixturevalue(who).get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_console_groups_models_by_what_support_does(support_client):
    response = support_client.get(HOME)
    sections = [app["name"] for app in response.context["app_list"]]
    assert sections == [
        "Customers",
        "Real-time",
        "Sync",
        "Candidates and guides",
        "Emails",
        "Access",
    ]
    by_section = {
        app["name"]: [m["object_name"] for m in app["models"]]
        for app in response.context["app_list"]
    }
    assert by_section["Customers"][:4] == ["Tenant", "Membership", "AshbyConnection", "AuditEvent"]
    assert {"SyncRun", "SyncState", "Schedule"} <= set(by_section["Sync"])
    assert {"User", "Group", "AccessAttempt"} <= set(by_section["Access"])
    assert set(by_section["Emails"]) == {"Email", "Suppression"}
    html = response.content.decode()
    assert "<title>Who needs help | Guide support</title>" in html
    sidebar = support_client.get(reverse("admin:tenants_tenant_changelist"))
    assert [app["name"] for app in sidebar.context["available_apps"]] == sections


def test_an_apps_own_page_still_lists_that_app(superuser_client):
    response = superuser_client.get("/admin/integrations/")
    assert response.status_code == 200
    assert [app["app_label"] for app in response.context["app_list"]] == ["integrations"]


def test_past_the_first_tenants_the_home_says_how_many_more(superuser_client, cast, monkeypatch):
    monkeypatch.setattr("integrations.console_home.SHOWN", 2)
    html = superuser_client.get(HOME).content.decode()
    assert len(attention(html)) == 2
    assert "Needs attention now (3 tenants)" in html
    assert "And 1 more tenant " in html
    assert "Ashby key refused or a permission missing: <strong>1</strong>" in html
    assert "Last sync failed: <strong>1</strong>" in html


def test_tenant_charts_gives_the_tenant_page_its_charts(cast):
    from integrations.console_home import tenant_charts

    charts = tenant_charts(cast["healthy"])
    assert set(charts) == {"deliveries", "lag", "syncs"}
    assert sum(bars(charts["deliveries"], "processed").values()) == 7
    assert "of Healthy Co" in charts["deliveries"]
    assert len(bars(charts["syncs"], "succeeded")) == 1
