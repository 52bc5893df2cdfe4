"""The support console shows every email's fate: a panel on the tenant page and the list."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from emails.models import Email

pytestmark = pytest.mark.django_db


@pytest.fixture
def emails(tenant_a, tenant_b):
    now = timezone.now()
    Email.objects.create(
        tenant=tenant_a,
        kind="reminder",
        to_address="ada@example.com",
        status="sent",
        due_at=now,
        sent_at=now,
        attempts=1,
    )
    Email.objects.create(
        tenant=tenant_a,
        kind="guide_link",
        to_address="bob@example.com",
        status="failed",
        due_at=now,
        attempts=5,
        detail="Gave up after 5 attempts. The mail server answered 451 busy",
    )
    Email.objects.create(
        tenant=tenant_b, kind="guide_link", to_address="zed@bravo.test", due_at=now
    )


@pytest.mark.parametrize("who", ["support_client", "superuser_client"])
def test_the_tenant_page_shows_each_emails_fate(request, who, tenant_a, emails):
    html = (
        request.getfixturevalue(who)
        .get(reverse("admin:tenants_tenant_change", args=[tenant_a.pk]))
        .content.decode()
    )
    assert 'id="emails-panel"' in html
    assert "ada@example.com" in html and "Delivered to the mail server" in html
    assert (
        "Failed after 5 attempts: Gave up after 5 attempts. The mail server answered 451 busy"
        in html
    )
    assert "zed@bravo.test" not in html


def test_support_lists_the_failed_emails(support_client, emails):
    html = support_client.get(
        reverse("admin:emails_email_changelist") + "?status__exact=failed"
    ).content.decode()
    assert "bob@example.com" in html and "ada@example.com" not in html


def test_tenant_users_cannot_read_the_console_list(tenant_admin_client, emails):
    response = tenant_admin_client.get(reverse("admin:emails_email_changelist"))
    assert response.status_code == 302
