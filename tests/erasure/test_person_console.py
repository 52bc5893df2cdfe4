"""Access and erasure on request from the support console (issue 21, point 3): the lookup,
the JSON download and Erase now, each with the fixed cast."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from guides.models import Candidate
from integrations.models import AuditEvent, WebhookDelivery
from tests.erasure.people import (
    CANDIDATE,
    EMAIL,
    NAME,
    PHONE,
    application_payload,
    deliver,
    traces,
)

pytestmark = pytest.mark.django_db

LOOKUP = reverse("admin:integrations_person")
EXPORT = reverse("admin:integrations_person_export")
ERASE = reverse("admin:integrations_person_erase")


@pytest.fixture
def ada(client, tenant_a):
    deliver(client, tenant_a, application_payload())
    return Candidate.objects.get(tenant=tenant_a, external_id=CANDIDATE)


def _staff_client(client_class_, username: str):
    client = client_class_()
    client.force_login(get_user_model().objects.create_user(username, is_staff=True))
    return client


@pytest.fixture
def support_client(client_class_, db):
    client = _staff_client(client_class_, "sam_support")
    get_user_model().objects.get(username="sam_support").groups.add(
        Group.objects.get(name="Support")
    )
    return client


@pytest.fixture
def plain_staff_client(client_class_, db):
    """Staff who may look at tenants, but without the support action permission."""
    client = _staff_client(client_class_, "stan_staff")
    view = Permission.objects.get(codename="view_tenant")
    get_user_model().objects.get(username="stan_staff").user_permissions.add(view)
    return client


def _who(tenant, who=EMAIL) -> dict:
    return {"tenant": str(tenant.pk), "who": who}


# --- the lookup -------------------------------------------------------------------------------


def test_support_looks_a_person_up_by_email_and_sees_counts_only(support_client, tenant_a, ada):
    response = support_client.get(LOOKUP, _who(tenant_a))

    content = response.content.decode()
    assert response.status_code == 200
    assert (
        'data-holder="hiring records and guide"><th scope="row">Hiring records and guide</th><td>3</td>'
        in content
    )
    assert 'data-holder="webhook deliveries"' in content
    assert "Download everything (JSON)" in content and "Erase now…" in content
    assert PHONE not in content and NAME not in content


def test_support_looks_a_person_up_by_ashby_id(support_client, tenant_a, ada):
    content = support_client.get(LOOKUP, _who(tenant_a, CANDIDATE)).content.decode()

    assert "<td>3</td>" in content


def test_a_person_unknown_to_the_tenant_is_said_to_be_unknown(support_client, tenant_b, ada):
    content = support_client.get(LOOKUP, _who(tenant_b)).content.decode()

    assert "Guide holds nothing about this person in Bravo." in content
    assert "Erase now" not in content


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("ada@", "is not a valid email address"),
        ("Ada Lovelace", "An Ashby candidate id is one word"),
        ("", "Type the person&#x27;s email address or Ashby candidate id."),
    ],
)
def test_a_bad_request_says_what_is_wrong(support_client, tenant_a, who, error):
    response = support_client.get(LOOKUP, {"tenant": tenant_a.pk, "who": who})

    assert error in response.content.decode()


# --- the download -----------------------------------------------------------------------------


def test_the_download_holds_everything_about_the_person_and_is_audited(
    support_client, tenant_a, ada
):
    response = support_client.post(EXPORT, _who(tenant_a))

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="guide-personal-data-acme-'
    )
    data = json.loads(response.content)
    assert data["ats_candidate_ids"] == [CANDIDATE]
    rows = data["held"]["hiring records and guide"]
    assert [r["model"] for r in rows] == ["guides.Candidate", "guides.Application", "guides.Guide"]
    assert rows[0]["name"] == NAME and rows[0]["email"] == EMAIL
    assert rows[1]["job_title"] == "Staff Engineer"
    (delivery,) = data["held"]["webhook deliveries"]
    candidate = delivery["body"]["data"]["application"]["candidate"]
    assert candidate["primaryPhoneNumber"]["value"] == PHONE
    assert delivery["attempts"][0]["result"] == "processed"
    audit = AuditEvent.objects.get(tenant=tenant_a, action="person_exported")
    assert audit.actor_name == "sam_support" and audit.detail["candidate_ids"] == [CANDIDATE]
    assert EMAIL not in f"{audit.message} {audit.target} {audit.detail}"


def test_the_download_is_a_post(support_client, tenant_a, ada):
    assert support_client.get(EXPORT, _who(tenant_a)).status_code == 405
    assert not AuditEvent.objects.filter(action="person_exported").exists()


# --- Erase now --------------------------------------------------------------------------------


def test_erase_now_asks_for_confirmation_first(support_client, tenant_a, ada):
    response = support_client.post(ERASE, _who(tenant_a))

    content = response.content.decode()
    assert "Erase this person&#x27;s data?" in content
    assert "This cannot be undone." in content
    assert 'name="confirmed" value="yes"' in content
    assert Candidate.objects.filter(pk=ada.pk).exists()


def test_erase_now_confirmed_erases_everything_and_audits_it(support_client, tenant_a, ada):
    response = support_client.post(ERASE, {**_who(tenant_a), "confirmed": "yes"}, follow=True)

    assert "Erased: " in response.content.decode()
    assert traces() == []
    assert WebhookDelivery.objects.get(tenant=tenant_a).body_erased_at is not None
    audit = AuditEvent.objects.get(tenant=tenant_a, action="person_erased")
    assert audit.actor_name == "sam_support" and audit.source == "admin"
    assert "erased on request, by support" in audit.message


def test_erase_now_of_nobody_erases_nothing(support_client, tenant_b, ada):
    response = support_client.post(ERASE, {**_who(tenant_b), "confirmed": "yes"}, follow=True)

    assert "Guide holds nothing about this person: nothing to erase." in response.content.decode()
    assert Candidate.objects.filter(pk=ada.pk).exists()


# --- the fixed cast ---------------------------------------------------------------------------

PAGES = [("get", LOOKUP), ("post", EXPORT), ("post", ERASE)]


@pytest.mark.parametrize(("method", "url"), PAGES)
def test_staff_without_the_support_permission_get_403(
    plain_staff_client, tenant_a, ada, method, url
):
    data = {**_who(tenant_a), "confirmed": "yes"}

    assert getattr(plain_staff_client, method)(url, data).status_code == 403
    assert Candidate.objects.filter(pk=ada.pk).exists()


@pytest.mark.parametrize(
    "who", ["tenant_admin_client", "member_client", "outsider_client", "client"]
)
@pytest.mark.parametrize(("method", "url"), PAGES)
def test_tenant_users_and_anonymous_are_sent_to_the_console_login(
    request, tenant_a, ada, who, method, url
):
    user_client = request.getfixturevalue(who)
    data = {**_who(tenant_a), "confirmed": "yes"}

    response = getattr(user_client, method)(url, data)

    assert response.status_code == 302 and "/login/" in response["Location"]
    assert Candidate.objects.filter(pk=ada.pk).exists()
    assert not AuditEvent.objects.filter(action__startswith="person_").exists()


def test_the_tenant_page_offers_the_lookup_to_support_only(
    support_client, plain_staff_client, tenant_a
):
    page = reverse("admin:tenants_tenant_change", args=[tenant_a.pk])

    assert 'id="tenant-personal-data"' in support_client.get(page).content.decode()
    plain = plain_staff_client.get(page)
    assert plain.status_code == 200
    assert 'id="tenant-personal-data"' not in plain.content.decode()


def test_an_email_finds_deliveries_even_without_a_candidate_row(support_client, tenant_a, ada):
    Candidate.objects.filter(tenant=tenant_a).delete()  # only the delivery's body names her

    support_client.post(ERASE, {**_who(tenant_a), "confirmed": "yes"})

    assert traces() == []
    audit = AuditEvent.objects.get(action="person_erased")
    assert audit.detail["candidate_ids"] == [CANDIDATE]  # learned from the body
