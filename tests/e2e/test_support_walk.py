"""Issue 17's walk through the support console, in a real browser: the support home lists a
tenant whose delivery failed, support opens the failed delivery, replays it, the replay appears
as a new attempt beside the first one, and the tenant leaves the home's list."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q
from django.utils import timezone
from playwright.sync_api import expect

from integrations.models import DeliveryAttempt, WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tests.admin.test_support_home import connect
from tests.conftest import PASSWORD
from tests.integrations.webhook_helpers import webhook_fixture

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FAILED_SENTENCE = (
    "Guide could not apply this delivery because the database was busy; it gave up after "
    "5 attempts. Replay it when the database is healthy."
)


def _support_group() -> Group:
    """The Support group as its migrations make it (view every Guide model, run the support
    actions): an earlier transactional test's flush removed the migrations' rows, but the
    permissions themselves are recreated after every flush."""
    group, _ = Group.objects.get_or_create(name="Support")
    apps = ["tenants", "guides", "integrations"]
    group.permissions.set(
        Permission.objects.filter(
            Q(codename__startswith="view_", content_type__app_label__in=apps)
            | Q(codename="run_support_actions")
        )
    )
    return group


def _failed_delivery(tenant) -> WebhookDelivery:
    """A jobCreate delivery whose processing failed (the database was down then): its body is
    good, so a replay applies it."""
    row = next(s for s in ensure_subscriptions(tenant) if s.event == "jobCreate")
    received = timezone.now() - timedelta(minutes=20)
    delivery = WebhookDelivery.objects.create(
        tenant=tenant,
        subscription=row,
        action="jobCreate",
        dedupe_key="walk-1",
        body=json.dumps(webhook_fixture("jobCreate")),
        received_at=received,
        started_at=received,
        status="failed",
        attempts=1,
        attempts_total=1,
        error=FAILED_SENTENCE,
    )
    DeliveryAttempt.objects.create(
        delivery=delivery,
        tenant=tenant,
        number=1,
        kind="first",
        started_at=received,
        finished_at=received + timedelta(seconds=1),
        result="failed",
        message=FAILED_SENTENCE,
        details="OperationalError: the database system is shutting down",
    )
    return delivery


def test_support_replays_a_failed_delivery_and_the_tenant_leaves_the_list(
    context, live_server, tenant_a, shots
):
    staff = get_user_model().objects.create_user("sam_support", password=PASSWORD, is_staff=True)
    staff.groups.add(_support_group())
    connect(tenant_a)  # connected, its last sync a minute ago: nothing else to flag
    delivery = _failed_delivery(tenant_a)

    page = context.new_page()
    page.goto(live_server.url + "/admin/login/?next=/admin/")
    page.fill("#id_username", "sam_support")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # The home: Acme needs help, and why.
    entry = page.locator(f'li.attention-tenant[data-tenant="{tenant_a.pk}"]')
    expect(entry).to_contain_text("Acme")
    expect(entry).to_contain_text("failed")
    shots(page, "support-home-acme-needs-help")

    # Its failed deliveries, then the one delivery.
    entry.get_by_role("link", name="See the failed deliveries").click()
    page.get_by_role("link", name=str(delivery.pk), exact=True).click()
    expect(page.locator("body")).to_contain_text(FAILED_SENTENCE)
    shots(page, "the-failed-delivery")

    # Replay (no confirmation: it changes nothing Ashby sent), then the second attempt.
    page.get_by_role("button", name="Replay").click()
    expect(page.locator(".messagelist")).to_contain_text("Replayed")
    expect(page.locator(".messagelist")).to_contain_text("Acme")
    expect(page.locator(".messagelist")).to_contain_text("applied")
    shots(page, "replayed")
    attempts = list(
        DeliveryAttempt.objects.filter(delivery=delivery)
        .order_by("number")
        .values_list("kind", "result", "requested_by")
    )
    assert attempts == [("first", "failed", ""), ("replay", "processed", "sam_support")]
    page.goto(f"{live_server.url}/admin/integrations/webhookdelivery/{delivery.pk}/change/")
    expect(page.locator("body")).to_contain_text("OperationalError: the database system")
    expect(page.locator("body")).to_contain_text("Replay")
    shots(page, "the-delivery-with-both-attempts")

    # Back home: nobody needs help.
    page.goto(live_server.url + "/admin/")
    expect(page.locator(f'li.attention-tenant[data-tenant="{tenant_a.pk}"]')).to_have_count(0)
    expect(page.locator(".all-well")).to_be_visible()
    shots(page, "support-home-all-well")
