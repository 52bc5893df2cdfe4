from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from tenants.models import Membership, Tenant

pytestmark = pytest.mark.django_db


def test_each_user_sees_their_own_tenant_name(tenant_admin_client, outsider_client):
    assert b"Acme" in tenant_admin_client.get(reverse("guides:list")).content
    page = outsider_client.get(reverse("guides:list")).content
    assert b"Bravo" in page
    assert b"Acme" not in page


def test_read_only_member_sees_the_tenant(member_client):
    response = member_client.get(reverse("guides:list"))
    assert response.status_code == 200
    assert b"Acme" in response.content


def test_user_without_a_tenant_gets_a_clear_403(client, db):
    user = get_user_model().objects.create_user("nobody", password="x")
    client.force_login(user)
    response = client.get(reverse("guides:list"))
    assert response.status_code == 403
    assert b"not in any company" in response.content


def test_user_in_two_tenants_can_switch(client, admin_user, tenant_b):
    Membership.objects.create(user=admin_user, tenant=tenant_b, role=Membership.Role.MEMBER)
    client.force_login(admin_user)
    first = client.get(reverse("guides:list"))
    assert (
        b'<option value="%d" selected>Acme'
        % admin_user.memberships.get(tenant__slug="acme").tenant_id
        in first.content
    )

    response = client.post(reverse("guides:switch_tenant"), {"tenant": tenant_b.id}, follow=True)
    assert b"You are now working in Bravo" in response.content
    assert b'<option value="%d" selected>Bravo' % tenant_b.id in response.content


def test_switching_to_a_tenant_you_do_not_belong_to_is_refused(tenant_admin_client, tenant_b):
    response = tenant_admin_client.post(
        reverse("guides:switch_tenant"), {"tenant": tenant_b.id}, follow=True
    )
    assert b"You are not a member of that company" in response.content
    assert b"Acme" in response.content


def test_switching_with_garbage_is_refused(tenant_admin_client):
    response = tenant_admin_client.post(
        reverse("guides:switch_tenant"), {"tenant": "x"}, follow=True
    )
    assert b"You are not a member of that company" in response.content


def test_a_removed_membership_stops_access_to_that_tenant(client, admin_user, tenant_b):
    extra = Membership.objects.create(user=admin_user, tenant=tenant_b, role=Membership.Role.ADMIN)
    client.force_login(admin_user)
    client.post(reverse("guides:switch_tenant"), {"tenant": tenant_b.id}, follow=True)
    extra.delete()
    page = client.get(reverse("guides:list")).content
    assert b"Acme" in page
    assert b"Bravo" not in page


def test_tenant_rejects_an_unknown_time_zone(db):
    tenant = Tenant(name="X", slug="x", default_timezone="Mars/Olympus")
    with pytest.raises(Exception, match="not a known time zone"):
        tenant.full_clean()
