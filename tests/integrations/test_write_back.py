"""The guide link written onto the candidate's Ashby profile (issue 20 point 5): off by
default, offered only with Candidates write, written once per guide and again only when the
link changes, failures retried with backoff then shown, a custom field or a note. Ashby is
faked with `responses` (bodies checked against the spec); the sandbox's side:
tests/sandbox/test_api_write.py."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from guides.models import Candidate, Guide
from guides.views_public import public_url
from integrations import tasks
from integrations.ashby import connect
from integrations.ashby import write_back as wb
from integrations.models import AshbyConnection, GuideLinkWrite
from integrations.schedule import WRITE_BACK_FUNC, WRITE_BACK_NAME, ensure_write_back_schedule
from tenants.queue import BULK
from tests.integrations.ashby_spec import spec_body, spec_error
from tests.integrations.fake_ashby import GOOD_KEY, KEY_INFO

pytestmark = pytest.mark.django_db

PAGE = reverse("integrations:write_back")
RETRY = reverse("integrations:write_back_retry")
PANEL = reverse("integrations:integrations")
FIELD_ID = str(uuid.uuid4())
FIELDS = [
    # (title, objectType, fieldType, archived): only the first may hold a guide link.
    ("Guide link", "Candidate", "String", False),
    ("Years", "Candidate", "Number", False),
    ("Job link", "Job", "String", False),
    ("Old link", "Candidate", "LongText", True),
]


def _field_list() -> dict:
    results = [
        {
            "id": FIELD_ID if i == 0 else str(uuid.uuid4()),
            "title": title,
            "objectType": object_type,
            "fieldType": field_type,
            "isArchived": archived,
            "isRequired": False,
        }
        for i, (title, object_type, field_type, archived) in enumerate(FIELDS)
    ]
    body = {"success": True, "results": results, "moreDataAvailable": False}
    return spec_body("customField.list", body)


def _set_value_ok(request) -> tuple[int, dict, str]:
    sent = json.loads(request.body)
    # Not spec_body: the raw spec's `value` is a oneOf of overlapping string branches, so no
    # string validates (docs/ashby-spec-errata.md, customFieldValue); the sandbox's answers
    # are checked against the corrected spec (tests/sandbox/test_api_write.py).
    results = {"id": sent["fieldId"], "title": "Guide link", "value": sent["fieldValue"]}
    return 200, {}, json.dumps({"success": True, "results": results})


@pytest.fixture
def writable(acme_connection, fake_ashby) -> AshbyConnection:
    """acme_connection whose key has Candidates write; Ashby answers the three endpoints."""
    acme_connection.permissions = [*acme_connection.permissions, "candidatesWrite"]
    acme_connection.save()
    fake_ashby.answer("customField.list", _field_list())
    fake_ashby.mock.add_callback(
        "POST", "https://ashby.test/api/customField.setValue", _set_value_ok
    )
    note = {
        "success": True,
        "results": {
            "id": str(uuid.uuid4()),
            "createdAt": "2026-12-04T09:00:00.000Z",
            "isPrivate": False,
            "content": "x",
            "author": {"id": str(uuid.uuid4()), "firstName": "API", "lastName": "Key"},
        },
    }
    fake_ashby.answer("candidate.createNote", spec_body("candidate.createNote", note))
    return acme_connection


@pytest.fixture
def support_client(client_class_, db):
    """Staff in the Support group: the console, but no tenant membership."""
    user = get_user_model().objects.create_user("sam", "sam@example.com", "pw", is_staff=True)
    user.groups.add(Group.objects.get(name="Support"))
    client = client_class_()
    client.force_login(user)
    return client


@pytest.fixture
def guide(tenant_a) -> Guide:
    candidate = Candidate.objects.create(tenant=tenant_a, external_id=str(uuid.uuid4()), name="Ada")
    return Guide.objects.create(tenant=tenant_a, candidate=candidate)


def _turn_on(connection: AshbyConnection, target: str = FIELD_ID) -> None:
    connection.guide_link_target = target
    connection.guide_link_field_title = "Guide link" if target != AshbyConnection.NOTE else ""
    connection.save()


def _writes(fake_ashby) -> list[tuple[str, dict]]:
    return [
        (c.request.url.rsplit("/", 1)[1], json.loads(c.request.body))
        for c in fake_ashby.mock.calls
        if c.request.url.rsplit("/", 1)[1] in ("customField.setValue", "candidate.createNote")
    ]


# --- offered, off by default -----------------------------------------------------------------


def test_off_by_default_nothing_is_written(writable, guide, fake_ashby, tenant_admin_client):
    assert writable.guide_link_target == ""
    assert wb.write_due(writable) == 0
    assert _writes(fake_ashby) == []
    html = tenant_admin_client.get(PANEL).content.decode()
    assert "Off: Guide writes nothing to Ashby" in html


def test_not_offered_without_candidates_write(acme_connection, guide, tenant_admin_client):
    assert "candidatesWrite" not in acme_connection.permissions
    assert "Guide link on the Ashby profile" not in tenant_admin_client.get(PANEL).content.decode()
    response = tenant_admin_client.post(PAGE, {"target": AshbyConnection.NOTE}, follow=True)
    assert "The key lacks Candidates write" in response.content.decode()
    acme_connection.refresh_from_db()
    assert acme_connection.guide_link_target == ""
    # Even set behind the page's back, nothing is written without the permission.
    _turn_on(acme_connection, AshbyConnection.NOTE)
    assert wb.write_due(acme_connection) == 0


def test_the_permission_list_says_why_write_access_is_asked(acme_connection, tenant_admin_client):
    html = tenant_admin_client.get(PANEL).content.decode()
    assert "Candidates write: not granted (optional, for writing each candidate" in html


def test_a_key_with_the_candidates_write_scope_is_offered_it(
    tenant_a, admin_user, fake_ashby, monkeypatch
):
    monkeypatch.setattr(connect, "request_sync", lambda *args, **kwargs: None)
    info = {**KEY_INFO, "scopes": [*KEY_INFO["scopes"], "candidates:write"]}
    fake_ashby.answer("apiKey.info", spec_body("apiKey.info", {"success": True, "results": info}))
    connection = connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)
    assert "candidatesWrite" in connection.permissions


# --- written once, again when the link changes ------------------------------------------------


def test_written_once_per_guide_into_the_field(writable, guide, fake_ashby):
    _turn_on(writable)
    assert wb.write_due(writable) == 1
    url = public_url(guide)
    assert _writes(fake_ashby) == [
        (
            "customField.setValue",
            {
                "objectId": guide.candidate.external_id,
                "objectType": "Candidate",
                "fieldId": FIELD_ID,
                "fieldValue": url,
            },
        )
    ]
    row = GuideLinkWrite.objects.get(guide=guide)
    assert (row.status, row.value, row.attempts) == ("written", url, 0)
    assert row.written_at is not None
    assert wb.write_due(writable) == 0  # not rewritten while the link is the same
    assert len(_writes(fake_ashby)) == 1


def test_rewritten_when_the_link_changes(writable, guide, fake_ashby, settings):
    _turn_on(writable)
    wb.write_due(writable)
    Guide.objects.filter(pk=guide.pk).update(token="a-new-token-for-this-guide-0123456789")
    guide.refresh_from_db()
    assert wb.write_due(writable) == 1
    assert _writes(fake_ashby)[-1][1]["fieldValue"] == public_url(guide)
    settings.PUBLIC_BASE_URL = "https://guides.acme.example"
    assert wb.write_due(writable) == 1
    assert _writes(fake_ashby)[-1][1]["fieldValue"].startswith("https://guides.acme.example/")
    assert wb.write_due(writable) == 0
    assert GuideLinkWrite.objects.get(guide=guide).value == public_url(guide)


def test_a_note_when_the_admin_picks_it(writable, guide, fake_ashby):
    _turn_on(writable, AshbyConnection.NOTE)
    wb.write_due(writable)
    [(endpoint, body)] = _writes(fake_ashby)
    assert endpoint == "candidate.createNote"
    assert body["candidateId"] == guide.candidate.external_id
    assert body["note"] == {
        "type": "text/plain",
        "value": f"Guide link for this candidate: {public_url(guide)}",
    }
    assert body["sendNotifications"] is False
    assert GuideLinkWrite.objects.get(guide=guide).target == "a note on the candidate"


def test_the_sweep_task_writes_for_every_tenant_that_turned_it_on(writable, guide, fake_ashby):
    _turn_on(writable)
    assert tasks.write_guide_links() == 1
    assert GuideLinkWrite.objects.get(guide=guide).status == "written"


def test_the_sweep_runs_every_few_minutes_on_the_bulk_queue():
    from django_q.models import Schedule

    ensure_write_back_schedule()
    ensure_write_back_schedule()
    [schedule] = Schedule.objects.filter(name=WRITE_BACK_NAME)
    assert (schedule.func, schedule.cluster, schedule.repeats) == (WRITE_BACK_FUNC, BULK, -1)


# --- failures: retried with backoff, then shown ------------------------------------------------


def test_a_failure_is_retried_with_backoff_then_shown(
    writable, guide, fake_ashby, tenant_admin_client, support_client
):
    _turn_on(writable)
    fake_ashby.mock.remove("POST", "https://ashby.test/api/customField.setValue")
    fake_ashby.answer("customField.setValue", spec_error("invalid_input", "fieldValue is too long"))
    now = timezone.now()
    wb.write_due(writable, now=now)
    row = GuideLinkWrite.objects.get(guide=guide)
    assert (row.status, row.attempts) == ("retrying", 1)
    assert row.next_attempt_at == now + wb.backoff(1)
    assert "fieldValue is too long" in row.last_error
    assert wb.write_due(writable, now=now + timedelta(minutes=1)) == 0  # not before the backoff
    for attempt in range(2, wb.MAX_ATTEMPTS + 1):
        now = row.next_attempt_at
        assert wb.write_due(writable, now=now) == 1
        row.refresh_from_db()
        assert row.attempts == attempt
    assert (row.status, row.next_attempt_at) == ("failed", None)
    assert wb.write_due(writable, now=now + timedelta(days=1)) == 0  # shown, not retried
    html = tenant_admin_client.get(PANEL).content.decode()
    assert "1 failed" in html
    console = support_client.get(reverse("admin:tenants_tenant_change", args=[writable.tenant_id]))
    page = console.content.decode()
    assert "Guide links written to the ATS" in page
    assert "fieldValue is too long" in page
    assert guide.candidate.external_id in page
    # The admin asks again: due at the next sweep, and this time Ashby accepts.
    assert tenant_admin_client.post(RETRY).status_code == 302
    fake_ashby.mock.remove("POST", "https://ashby.test/api/customField.setValue")
    fake_ashby.mock.add_callback(
        "POST", "https://ashby.test/api/customField.setValue", _set_value_ok
    )
    assert wb.write_due(writable) == 1
    assert GuideLinkWrite.objects.get(guide=guide).status == "written"


def test_a_refused_permission_fails_at_once_saying_what_to_tick(writable, guide, fake_ashby):
    _turn_on(writable)
    fake_ashby.mock.remove("POST", "https://ashby.test/api/customField.setValue")
    fake_ashby.lacks("candidatesWrite", "customField.setValue")
    wb.write_due(writable)
    row = GuideLinkWrite.objects.get(guide=guide)
    assert row.status == "failed"
    assert "tick the Write box of the Candidates module" in row.last_error


# --- the settings form and the fixed cast -----------------------------------------------------


def test_the_admin_picks_among_candidate_text_fields_only(writable, tenant_admin_client):
    html = tenant_admin_client.get(PAGE).content.decode()
    assert "The custom field “Guide link”" in html
    for other in ("Years", "Job link", "Old link"):
        assert other not in html
    response = tenant_admin_client.post(PAGE, {"target": FIELD_ID})
    assert response.status_code == 302
    writable.refresh_from_db()
    assert (writable.guide_link_target, writable.guide_link_field_title) == (
        FIELD_ID,
        "Guide link",
    )
    panel = tenant_admin_client.get(PANEL).content.decode()
    assert "into the custom field “Guide link” in Ashby" in panel


def test_an_unlisted_field_is_refused_with_a_sentence(writable, tenant_admin_client):
    response = tenant_admin_client.post(PAGE, {"target": str(uuid.uuid4())})
    assert response.status_code == 200
    assert "that custom field is not a Candidate text field" in response.content.decode()
    writable.refresh_from_db()
    assert writable.guide_link_target == ""


def test_without_hiring_process_metadata_read_only_the_note_is_offered(
    writable, fake_ashby, tenant_admin_client
):
    fake_ashby.lacks("hiringProcessMetadataRead", "customField.list")
    html = tenant_admin_client.get(PAGE).content.decode()
    assert "the key lacks Hiring Process Metadata read" in html
    assert "A note on the candidate" in html
    assert tenant_admin_client.post(PAGE, {"target": "note"}).status_code == 302


def test_turning_it_off_again(writable, tenant_admin_client):
    _turn_on(writable)
    tenant_admin_client.post(PAGE, {"target": "off"})
    writable.refresh_from_db()
    assert writable.guide_link_target == ""


def test_the_cast_members_outsiders_anonymous_and_staff_cannot_change_it(
    writable, member_client, outsider_client, client, support_client
):
    assert member_client.get(PAGE).status_code == 403
    assert member_client.post(PAGE, {"target": "note"}).status_code == 403
    assert member_client.post(RETRY).status_code == 403
    assert outsider_client.post(PAGE, {"target": "note"}).status_code == 404  # no connection
    anonymous = client.post(PAGE, {"target": "note"})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]
    assert support_client.post(PAGE, {"target": "note"}).status_code == 403  # no membership
    writable.refresh_from_db()
    assert writable.guide_link_target == ""
