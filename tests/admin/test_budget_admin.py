"""The shared request budget in the console (database store): support and superusers see the
pauses and waits with their times in UTC; tenant users are sent to sign in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from integrations.budget_store import DatabaseStore, Wait

pytestmark = pytest.mark.django_db

LIST = reverse("admin:integrations_budgetstate_changelist")
PAUSE_END = datetime(2026, 12, 3, 21, 30, tzinfo=UTC).timestamp()


@pytest.fixture
def paused(tenant_a):
    store = DatabaseStore()
    store.pause("partner", PAUSE_END)
    store.note_wait(Wait("key:abc", tenant_a.pk, PAUSE_END - 60, PAUSE_END, "partner"))


@pytest.mark.parametrize("who", ["support_client", "superuser_client"])
def test_staff_see_the_pause_and_who_waits(request, who, paused, tenant_a):
    html = request.getfixturevalue(who).get(LIST).content.decode()

    assert "2026-12-03 21:30:00 UTC" in html
    assert tenant_a.name in html and "key:abc" in html


@pytest.mark.parametrize("who", ["outsider_client", "member_client", "tenant_admin_client"])
def test_tenant_users_are_sent_to_sign_in(request, who, paused):
    response = request.getfixturevalue(who).get(LIST)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_support_cannot_change_the_budget(support_client, paused):
    change = reverse("admin:integrations_budgetstate_change", args=["partner"])

    page = support_client.get(change).content.decode()

    assert 'name="_save"' not in page
