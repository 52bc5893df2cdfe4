"""The support home and the shared request budget to Ashby (issue 18 meets issue 17): a tenant
waiting for the budget is listed with the reason; a partner-wide pause is a banner; the home's
times are in the staff user's own zone when they chose one."""

from __future__ import annotations

import time

import pytest

from integrations.budget_store import PARTNER, DatabaseStore, Wait
from tenants.models import StaffProfile, Tenant
from tests.admin.test_support_home import attention, connect

pytestmark = pytest.mark.django_db

HOME = "/admin/"


@pytest.fixture
def waiting_tenant() -> Tenant:
    tenant = Tenant.objects.create(name="Throttled Co", slug="throttled-co")
    connect(tenant)
    now = time.time()
    DatabaseStore().note_wait(Wait("key:throttled", tenant.pk, now - 5, now + 90, "account"))
    return tenant


def test_a_tenant_waiting_for_the_budget_is_listed_with_the_reason(support_client, waiting_tenant):
    html = support_client.get(HOME).content.decode()
    entry = attention(html)["Throttled Co"]
    assert "waiting for the request budget" in entry
    assert "Ashby is throttling this tenant&#x27;s API key) for 1 minute more" in entry
    assert "Waiting for Ashby&#x27;s request budget: <strong>1</strong>" in html


def test_no_banner_without_a_partner_pause(superuser_client, waiting_tenant):
    assert "partner-wide limit" not in superuser_client.get(HOME).content.decode()


def test_a_partner_pause_is_a_banner_with_its_end(superuser_client, db):
    DatabaseStore().pause(PARTNER, time.time() + 120)
    html = superuser_client.get(HOME).content.decode()
    assert "Ashby is rate limiting all of Guide's requests (its partner-wide limit)" in html
    assert "paused until" in html


def test_the_home_shows_times_in_the_staff_users_zone(support_client, support_user, db):
    html = support_client.get(HOME).content.decode()
    assert "Times in <strong>UTC</strong>" in html
    StaffProfile.objects.update_or_create(user=support_user, defaults={"time_zone": "Asia/Tokyo"})
    html = support_client.get(HOME).content.decode()
    assert "Times in <strong>Asia/Tokyo</strong>" in html
