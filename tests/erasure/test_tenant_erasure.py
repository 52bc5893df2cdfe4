"""A tenant's offboarding (issue 21, point 4): "delete everything Guide holds" runs in the
background in batches, shows its progress, and leaves only the tenant's audit trail."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from emails.models import Email, Suppression
from guides.models import Candidate
from guides.models_guide_settings import GuideSettings
from integrations import tasks, tenant_erasure
from integrations.models import AuditEvent, TenantErasure, WebhookDelivery
from tenants.personal_data import Holder, register
from tests.erasure.people import CANDIDATE, application_payload, deliver, traces
from tests.guides import factories

pytestmark = pytest.mark.django_db

ERASE_DATA = reverse("integrations:erase_data")
INTEGRATIONS = reverse("integrations:integrations")
CONNECT = reverse("integrations:connect")
# The audit trail and the erasure's own row; the tenant's members keep their accounts.
KEPT = {"integrations.AuditEvent", "integrations.TenantErasure", "tenants.Membership"}


@pytest.fixture
def held(client, tenant_a, tenant_b, settings):
    """Both tenants hold a candidate, their guide and several deliveries."""
    settings.GUIDE_RETENTION_BATCH = 2
    for n in range(1, 5):
        deliver(client, tenant_a, application_payload("applicationUpdate", n=n))
    deliver(client, tenant_b, application_payload())


def _rows_of(tenant) -> dict[str, int]:
    """Rows of every model with a tenant foreign key that belong to `tenant`."""
    counts = {}
    for model in apps.get_models():
        if any(f.name == "tenant" and f.is_relation for f in model._meta.fields):
            n = model._default_manager.filter(tenant=tenant).count()
            if n:
                counts[model._meta.label] = n
    return counts


def _erase(tenant, user) -> TenantErasure:
    erasure = tenant_erasure.start_tenant_erasure(tenant, user=user)
    tasks.erase_tenant_data(erasure.pk)  # what the bulk queue runs
    erasure.refresh_from_db()
    return erasure


def test_it_leaves_only_the_audit_trail(held, tenant_a, tenant_b, admin_user):
    assert {"guides.Candidate", "integrations.WebhookDelivery"} <= set(_rows_of(tenant_a))

    erasure = _erase(tenant_a, admin_user)

    assert erasure.status == "done"
    assert set(_rows_of(tenant_a)) <= KEPT
    assert _rows_of(tenant_b)["guides.Candidate"] == 1
    assert WebhookDelivery.objects.filter(tenant=tenant_b).count() == 1


def test_it_counts_its_progress_per_kind_of_data(held, tenant_a, admin_user):
    erasure = _erase(tenant_a, admin_user)

    assert erasure.progress["webhook deliveries"] == 4
    assert erasure.progress["hiring records and guide"] >= 3
    assert erasure.deleted_total == sum(erasure.progress.values())
    finished = AuditEvent.objects.get(tenant=tenant_a, action="tenant_erasure_finished")
    assert finished.detail["counts"] == erasure.progress


def test_a_stopped_erasure_says_where_and_a_new_one_finishes_the_job(
    held, tenant_a, admin_user, monkeypatch
):
    def broken(tenant, batch):
        raise RuntimeError("disk full")

    register(Holder("broken store", lambda p: [], lambda p: {}, broken, order=55))
    try:
        erasure = _erase(tenant_a, admin_user)
    finally:
        from tenants import personal_data

        personal_data._holders.pop("broken store")

    assert erasure.status == "failed"
    assert erasure.error == "Stopped while deleting broken store: RuntimeError."
    assert not Candidate.objects.filter(tenant=tenant_a).exists()  # the earlier holder's part
    assert WebhookDelivery.objects.filter(tenant=tenant_a).exists()  # not reached yet

    assert _erase(tenant_a, admin_user).status == "done"
    assert set(_rows_of(tenant_a)) <= KEPT


def test_running_the_task_again_changes_nothing(held, tenant_a, admin_user):
    erasure = _erase(tenant_a, admin_user)

    assert tasks.erase_tenant_data(erasure.pk) == "done"
    assert AuditEvent.objects.filter(action="tenant_erasure_finished").count() == 1


def test_a_second_request_while_one_runs_returns_it(tenant_a, admin_user):
    first = tenant_erasure.start_tenant_erasure(tenant_a, user=admin_user)

    assert tenant_erasure.start_tenant_erasure(tenant_a, user=admin_user).pk == first.pk
    assert TenantErasure.objects.count() == 1


def test_after_it_nothing_personal_is_left(held, tenant_a, tenant_b, admin_user):
    _erase(tenant_a, admin_user)
    _, deleted = WebhookDelivery.objects.filter(tenant=tenant_b).delete()
    Candidate.objects.filter(tenant=tenant_b).delete()  # Bravo's copy of Ada, by hand

    assert deleted["integrations.WebhookDelivery"] == 1
    assert traces() == []


# --- the pages --------------------------------------------------------------------------------


def test_the_page_shows_the_progress_while_it_runs(tenant_admin_client, tenant_a, admin_user):
    erasure = tenant_erasure.start_tenant_erasure(tenant_a, user=admin_user)
    TenantErasure.objects.filter(pk=erasure.pk).update(
        status="running", progress={"webhook deliveries": 1200}, current="webhook deliveries"
    )

    content = tenant_admin_client.get(INTEGRATIONS).content.decode()

    assert "Guide is deleting everything it held for Acme." in content
    assert "1,200 records deleted so far (now: webhook deliveries)" in content
    assert 'data-open-dialog="connect-dialog">Connect</a>' not in content


def test_connecting_again_waits_for_the_erasure(tenant_admin_client, tenant_a, admin_user):
    tenant_erasure.start_tenant_erasure(tenant_a, user=admin_user)

    response = tenant_admin_client.post(CONNECT, {"api_key": "x" * 40})

    assert "Guide is still deleting the data it held for this tenant" in response.content.decode()


def test_an_admin_who_kept_the_data_can_delete_it_later(
    held, tenant_admin_client, tenant_a, django_capture_on_commit_callbacks
):
    page = tenant_admin_client.get(INTEGRATIONS).content.decode()
    assert "Delete everything Guide holds…" in page
    confirm = tenant_admin_client.get(ERASE_DATA).content.decode()
    assert "Delete everything Guide holds for Acme?" in confirm
    assert Candidate.objects.filter(tenant=tenant_a).exists()

    with django_capture_on_commit_callbacks(execute=True):
        tenant_admin_client.post(ERASE_DATA)

    assert set(_rows_of(tenant_a)) <= KEPT


def test_a_read_only_member_cannot_delete_the_data(held, member_client, tenant_a):
    assert member_client.get(ERASE_DATA).status_code == 403
    assert member_client.post(ERASE_DATA).status_code == 403
    assert not TenantErasure.objects.exists()
    assert "Delete everything Guide holds" not in member_client.get(INTEGRATIONS).content.decode()


def test_an_outsider_deletes_only_their_own_tenants_data(
    held, outsider_client, tenant_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        outsider_client.post(ERASE_DATA)

    assert Candidate.objects.filter(tenant=tenant_a, external_id=CANDIDATE).exists()
    assert TenantErasure.objects.get().tenant.slug == "bravo"


def test_anonymous_is_sent_to_sign_in(client):
    response = client.post(ERASE_DATA)

    assert response.status_code == 302 and "login" in response["Location"]
    assert not TenantErasure.objects.exists()


def test_a_connected_tenant_must_disconnect_first(tenant_admin_client, acme_connection):
    response = tenant_admin_client.post(ERASE_DATA, follow=True)

    assert "Disconnect Ashby first" in response.content.decode()
    assert not TenantErasure.objects.exists()


def test_it_deletes_the_uploaded_files_the_settings_and_the_emails(
    held, tenant_a, admin_user, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    ines = factories.interviewer(tenant_a, "Ines", "Park")
    ines.photo.save("ines.jpg", ContentFile(b"a photo"), save=True)
    brand = GuideSettings.objects.create(tenant=tenant_a, company_intro="We build ships.")
    brand.logo.save("logo.jpg", ContentFile(b"a logo"), save=True)
    Email.objects.create(
        tenant=tenant_a, kind="guide_link", to_address="ada@example.com", due_at=timezone.now()
    )
    Suppression.objects.create(tenant=tenant_a, address="ada@example.com", reason="unsubscribed")
    assert len(list(tmp_path.rglob("*.jpg"))) == 2

    with django_capture_on_commit_callbacks(execute=True):
        erasure = _erase(tenant_a, admin_user)

    assert erasure.status == "done"
    assert set(_rows_of(tenant_a)) <= KEPT
    assert list(tmp_path.rglob("*.jpg")) == []
