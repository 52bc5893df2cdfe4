"""The Support group views everything and runs the actions; it changes and deletes nothing.
Plain tenant users (the fixed cast) are not staff: every console page sends them to sign in."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from integrations.models import AshbyConnection, AuditEvent
from tenants.models import Tenant
from tests.admin.conftest import run_action
from tests.admin.world import change_url, changelist_urls, populate, tenant_objects

pytestmark = pytest.mark.django_db

CONNECTIONS = reverse("admin:integrations_ashbyconnection_changelist")


def test_the_support_group_holds_view_permissions_and_the_action_permission_only():
    codenames = set(
        Group.objects.get(name="Support").permissions.values_list("codename", flat=True)
    )
    assert "run_support_actions" in codenames
    assert {"view_tenant", "view_candidate", "view_ashbyconnection", "view_task"} <= codenames
    writes = [c for c in codenames if c.split("_")[0] in ("add", "change", "delete")]
    assert writes == []


def test_support_may_view_every_model_the_console_registers():
    codenames = set(
        Group.objects.get(name="Support").permissions.values_list("codename", flat=True)
    )
    missing = [
        model._meta.label
        for model in admin.site._registry
        if model._meta.app_label
        in ("tenants", "guides", "integrations", "django_q", "axes", "auth")
        and f"view_{model._meta.model_name}" not in codenames
    ]
    assert missing == []


def test_support_sees_every_list_and_every_page_of_a_tenant(support_client, tenant_a, connection):
    populate(tenant_a)
    for url in changelist_urls():
        assert support_client.get(url).status_code == 200, url
    for obj in tenant_objects(tenant_a):
        response = support_client.get(change_url(obj))
        assert response.status_code == 200, change_url(obj)
        assert 'name="_save"' not in response.content.decode(), change_url(obj)


def test_support_cannot_edit_or_delete_a_tenant(support_client, tenant_a):
    url = reverse("admin:tenants_tenant_change", args=[tenant_a.pk])
    assert support_client.post(url, {"name": "Pwned", "slug": "pwned"}).status_code == 403
    delete = reverse("admin:tenants_tenant_delete", args=[tenant_a.pk])
    assert support_client.get(delete).status_code == 403
    assert support_client.post(delete, {"post": "yes"}).status_code == 403
    assert support_client.get(reverse("admin:tenants_tenant_add")).status_code == 403
    tenant_a.refresh_from_db()
    assert tenant_a.name == "Acme"


def test_support_cannot_delete_tenants_from_the_list(support_client, tenant_a):
    response = run_action(
        support_client, reverse("admin:tenants_tenant_changelist"), "delete_selected", tenant_a.pk
    )
    assert Tenant.objects.filter(pk=tenant_a.pk).exists()
    assert response.status_code == 200


def test_support_cannot_edit_or_delete_a_connection(support_client, connection):
    url = reverse("admin:integrations_ashbyconnection_change", args=[connection.pk])
    assert support_client.post(url, {"status": "disabled"}).status_code == 403
    delete = reverse("admin:integrations_ashbyconnection_delete", args=[connection.pk])
    assert support_client.post(delete, {"post": "yes"}).status_code == 403
    connection.refresh_from_db()
    assert connection.status == AshbyConnection.Status.CONNECTED


def test_support_can_run_an_action(support_client, connection):
    run_action(support_client, CONNECTIONS, "disable", connection.pk, confirmed=True)
    connection.refresh_from_db()
    assert connection.status == AshbyConnection.Status.DISABLED


def test_staff_outside_the_support_group_cannot_run_actions(client, django_user_model, connection):
    viewer = django_user_model.objects.create_user("vic", "v@example.com", "pw", is_staff=True)
    viewer.user_permissions.add(
        *Group.objects.get(name="Support").permissions.exclude(codename="run_support_actions")
    )
    client.force_login(viewer)
    page = client.get(CONNECTIONS).content.decode()
    assert 'value="disable"' not in page
    run_action(client, CONNECTIONS, "disable", connection.pk, confirmed=True)
    connection.refresh_from_db()
    assert connection.status == AshbyConnection.Status.CONNECTED
    assert not AuditEvent.objects.filter(source="admin").exists()


def test_superuser_may_edit_a_tenant(superuser_client, tenant_a):
    url = reverse("admin:tenants_tenant_change", args=[tenant_a.pk])
    data = {
        "name": "Acme Inc",
        "slug": "acme",
        "brand_color": "#4f46e5",
        "default_timezone": "UTC",
        "logo_url": "",
        "guide_language": "en",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "ashby_connection-TOTAL_FORMS": "0",
        "ashby_connection-INITIAL_FORMS": "0",
        "webhook_subscriptions-TOTAL_FORMS": "0",
        "webhook_subscriptions-INITIAL_FORMS": "0",
    }
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    tenant_a.refresh_from_db()
    assert tenant_a.name == "Acme Inc"


# --- The fixed cast: tenant users are not staff -------------------------------------------


@pytest.mark.parametrize("who", ["outsider_client", "member_client", "tenant_admin_client"])
def test_tenant_users_are_sent_to_the_admin_sign_in_on_every_page(
    request, who, tenant_a, connection
):
    client = request.getfixturevalue(who)
    populate(tenant_a)
    pages = [change_url(obj) for obj in tenant_objects(tenant_a)]
    urls = [
        *changelist_urls(),
        *pages,
        *(page.replace("/change/", "/delete/") for page in pages),
        *(page.replace("/change/", "/history/") for page in pages),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


@pytest.mark.parametrize("who", ["outsider_client", "member_client"])
def test_tenant_users_cannot_run_an_action(request, who, connection):
    client = request.getfixturevalue(who)
    response = run_action(
        client, CONNECTIONS, "disable", connection.pk, follow=False, confirmed=True
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    connection.refresh_from_db()
    assert connection.status == AshbyConnection.Status.CONNECTED


def test_a_superuser_deletes_a_tenant_from_a_summary_of_counts(
    superuser_client, tenant_a, tenant_b
):
    populate(tenant_a)
    populate(tenant_b, name="Bea Bravo")
    url = reverse("admin:tenants_tenant_delete", args=[tenant_a.pk])
    html = superuser_client.get(url).content.decode()
    assert "1 candidates" in html and "1 guides" in html
    assert "Ada Lovelace" not in html  # counts, not one line per row
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert list(Tenant.objects.values_list("name", flat=True)) == ["Bravo"]


def test_every_model_of_guides_and_integrations_is_in_the_console():
    from django.apps import apps

    missing = [
        model._meta.label
        for label in ("tenants", "guides", "integrations")
        for model in apps.get_app_config(label).get_models()
        if model not in admin.site._registry
    ]
    assert missing == []
