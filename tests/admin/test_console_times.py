"""Every time in the console names its zone: the staff user's own, else the tenant's on that
tenant's pages, else UTC. Never a raw "2026-12-03 17:13:10.796144+00:00"."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from integrations.models import SyncRun, WebhookDelivery
from tenants.models import StaffProfile
from tests.admin.world import change_url, changelist_urls, populate, tenant_objects

pytestmark = pytest.mark.django_db

RECEIVED = dt.datetime(2026, 12, 3, 17, 13, 10, 796144, tzinfo=dt.UTC)
# A date and time with no zone named after it.
RAW = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?(?:\.\d+)?(?:\+00:00)?(?![\d:.+]| UTC)")


@pytest.fixture
def delivery(tenant_a) -> WebhookDelivery:
    populate(tenant_a)
    WebhookDelivery.objects.filter(tenant=tenant_a).update(received_at=RECEIVED)
    return WebhookDelivery.objects.get(tenant=tenant_a)


def _tenant_page(client, tenant) -> str:
    return client.get(reverse("admin:tenants_tenant_change", args=[tenant.pk])).content.decode()


def test_without_a_zone_of_their_own_staff_read_the_tenant_zone_on_the_tenant_page(
    support_client, tenant_a, delivery
):
    assert "3 Dec 2026, 12:13 EST" in _tenant_page(support_client, tenant_a)


def test_a_row_of_the_tenant_is_shown_in_the_tenant_zone(support_client, delivery):
    html = support_client.get(change_url(delivery)).content.decode()
    assert "3 Dec 2026, 12:13 EST" in html
    assert "17:13 UTC" not in html


def test_a_list_of_every_tenant_rows_is_in_utc_named(support_client, delivery):
    html = support_client.get(reverse("admin:integrations_webhookdelivery_changelist")).content
    assert "3 Dec 2026, 17:13 UTC" in html.decode()
    assert "EST" not in html.decode()


def test_the_staff_user_zone_wins_on_every_page(support_client, support_user, tenant_a, delivery):
    StaffProfile.objects.create(user=support_user, time_zone="Europe/Paris")
    lists = support_client.get(reverse("admin:integrations_webhookdelivery_changelist"))
    assert "3 Dec 2026, 18:13 CET" in lists.content.decode()
    assert "3 Dec 2026, 18:13 CET" in _tenant_page(support_client, tenant_a)
    assert "EST" not in support_client.get(change_url(delivery)).content.decode()


def test_no_console_page_shows_a_raw_or_unnamed_time(superuser_client, tenant_a, delivery):
    SyncRun.objects.filter(connection__tenant=tenant_a).update(
        started_at=RECEIVED, finished_at=RECEIVED + dt.timedelta(seconds=1.439341)
    )
    pages = [*changelist_urls(), *(change_url(obj) for obj in tenant_objects(tenant_a))]
    for url in pages:
        if url.startswith("/admin/django_q/"):
            continue  # the task queue's own pages (its models are not Guide's)
        html = superuser_client.get(url).content.decode()
        assert not RAW.search(html), (url, RAW.search(html))
        assert "a.m." not in html and "p.m." not in html, url  # Django's unnamed format


def test_a_sync_run_reads_its_duration_in_words(support_client, tenant_a, delivery):
    run = SyncRun.objects.get(connection__tenant=tenant_a)
    SyncRun.objects.filter(pk=run.pk).update(
        started_at=RECEIVED, finished_at=RECEIVED + dt.timedelta(seconds=1.439341)
    )
    assert "1.4 s" in support_client.get(change_url(run)).content.decode()
    lists = support_client.get(reverse("admin:integrations_syncrun_changelist")).content.decode()
    assert "1.4 s" in lists and "0:00:01" not in lists


def test_the_customer_recent_deliveries_are_in_the_company_zone_named(
    tenant_admin_client, delivery
):
    html = tenant_admin_client.get(reverse("integrations:webhooks")).content.decode()
    deliveries = html[html.index('id="deliveries"') :]
    assert "3 Dec, 12:13:10 EST" in deliveries


def test_the_webhook_reasons_say_just_now_never_zero_minutes(tenant_a):
    from django.utils import timezone

    from integrations.models import WebhookSubscription
    from integrations.webhook_rows import subscription_statuses

    subscription_statuses(tenant_a)
    rows = WebhookSubscription.objects.filter(tenant=tenant_a).order_by("pk")
    now = timezone.now()
    rows.filter(pk=rows[0].pk).update(last_valid_delivery_at=now)
    rows.filter(pk=rows[1].pk).update(last_valid_delivery_at=now - dt.timedelta(minutes=3))
    reasons = {s.subscription.pk: s.reason for s in subscription_statuses(tenant_a)}
    assert reasons[rows[0].pk] == "Last delivery just now."
    assert reasons[rows[1].pk] == "Last delivery 3 minutes ago."
    assert not any("0 minutes" in reason for reason in reasons.values())
