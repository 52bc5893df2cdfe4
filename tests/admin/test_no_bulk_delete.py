"""Nobody bulk-deletes tenants or synced data from the console (issue 17, point 4): no "Delete
selected" on those lists, not even for a superuser; a superuser still deletes one tenant from
its page, through Django's confirmation with the counts."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from guides.models import Candidate
from tenants.admin_kit import ReadOnlyAdmin, SyncedRecordAdmin
from tenants.models import Tenant
from tests.admin.conftest import run_action

pytestmark = pytest.mark.django_db

TENANTS = reverse("admin:tenants_tenant_changelist")


def _no_bulk_delete_admins() -> list[admin.ModelAdmin]:
    """The tenant list and every synced-record (and other read-only) list."""
    return [
        model_admin
        for model, model_admin in admin.site._registry.items()
        if model is Tenant or isinstance(model_admin, ReadOnlyAdmin)
    ]


def test_every_synced_record_list_is_covered():
    synced = [a for a in _no_bulk_delete_admins() if isinstance(a, SyncedRecordAdmin)]
    assert Candidate in {a.model for a in synced}
    assert len(synced) >= 10  # candidates, applications, jobs, interviews, schedules, ...


@pytest.mark.parametrize("who", ["superuser", "support_user"])
def test_no_one_is_offered_delete_selected(request, who):
    user = request.getfixturevalue(who)
    http = RequestFactory().get("/admin/")
    http.user = user
    for model_admin in _no_bulk_delete_admins():
        assert "delete_selected" not in model_admin.get_actions(http), model_admin.model


@pytest.mark.parametrize("who", ["superuser_client", "support_client"])
def test_the_tenant_list_has_no_delete_selected(request, who, tenant_a):
    client = request.getfixturevalue(who)
    html = client.get(TENANTS).content.decode()
    assert "delete_selected" not in html
    response = run_action(client, TENANTS, "delete_selected", tenant_a.pk)
    assert response.status_code == 200
    assert Tenant.objects.filter(pk=tenant_a.pk).exists()


def test_a_superuser_cannot_bulk_delete_synced_records(superuser_client, tenant_a):
    candidate = Candidate.objects.create(tenant=tenant_a, external_id="c-1", name="Ada")
    url = reverse("admin:guides_candidate_changelist")
    # As Django's own "Yes, I'm sure" would post it.
    superuser_client.post(
        url,
        {"action": "delete_selected", "_selected_action": [candidate.pk], "post": "yes"},
    )
    assert Candidate.objects.filter(pk=candidate.pk).exists()


def test_a_superuser_still_deletes_one_tenant_from_its_page_after_confirming(
    superuser_client, tenant_a
):
    Candidate.objects.create(tenant=tenant_a, external_id="c-1", name="Ada")
    url = reverse("admin:tenants_tenant_delete", args=[tenant_a.pk])
    page = superuser_client.get(url).content.decode()
    assert "Are you sure you want to delete the tenant" in page
    assert "1 candidates" in page
    assert Tenant.objects.filter(pk=tenant_a.pk).exists()
    assert superuser_client.post(url, {"post": "yes"}).status_code == 302
    assert not Tenant.objects.filter(pk=tenant_a.pk).exists()
