"""The sandbox's customField.list, customField.setValue and candidate.createNote: shapes per
the spec (with its errata), values stored and shown on the sandbox's candidate page, bad
input refused with a sentence. Their permissions: test_api_access.py (every endpoint)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from ashby_sandbox import models as m
from tests.sandbox.conftest import ALL_READ

pytestmark = pytest.mark.django_db

NO_SUCH_CANDIDATE = "00000000-0000-0000-0000-000000000001"


@pytest.fixture
def key(make_key) -> str:
    return make_key([*ALL_READ, "candidatesWrite"])


@pytest.fixture
def candidate(org) -> m.Candidate:
    return m.Candidate.objects.filter(is_deleted=False).order_by("name").first()


@pytest.fixture
def field(org) -> m.CustomField:
    return m.CustomField.objects.get(title="Guide link")


def test_custom_fields_are_listed_per_the_spec(org, call, assert_valid):
    m.CustomField.objects.create(title="Retired", is_archived=True)
    body = call("customField.list", {}).json()
    assert_valid("customField.list", body)
    titles = {f["title"]: f for f in body["results"]}
    assert set(titles) == {"Guide link", "Years of experience"}  # archived left out
    assert titles["Guide link"]["objectType"] == "Candidate"
    assert titles["Guide link"]["fieldType"] == "String"
    archived = call("customField.list", {"includeArchived": True}).json()["results"]
    assert "Retired" in {f["title"] for f in archived}


def test_set_value_stores_the_value_on_the_candidate(call, candidate, field, assert_valid):
    request = {
        "objectId": str(candidate.id),
        "objectType": "Candidate",
        "fieldId": str(field.id),
        "fieldValue": "https://guide.example/g/abc",
    }
    body = call("customField.setValue", request).json()
    assert_valid("customField.setValue", body)
    assert body["results"]["value"] == "https://guide.example/g/abc"
    call("customField.setValue", {**request, "fieldValue": "https://guide.example/g/new"})
    [stored] = m.CustomFieldValue.objects.filter(object_id=candidate.id)
    assert stored.value == "https://guide.example/g/new"  # replaced, not added


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"fieldValue": 3}, "fieldValue must be a string"),
        ({"objectType": "Job"}, "belongs to Candidate, not Job"),
        ({"objectType": "Person"}, "objectType must be one of"),
        ({"fieldValue": None, "drop": "fieldValue"}, "fieldValue is required"),
    ],
)
def test_set_value_refuses_bad_input_with_a_sentence(call, candidate, field, change, says):
    request = {
        "objectId": str(candidate.id),
        "objectType": "Candidate",
        "fieldId": str(field.id),
        "fieldValue": "x",
        **change,
    }
    request.pop(change.get("drop", "-"), None)
    request.pop("drop", None)
    body = call("customField.setValue", request).json()
    assert body["success"] is False
    assert says in body["errorInfo"]["message"]
    assert not m.CustomFieldValue.objects.exists()


def test_a_number_field_takes_no_text(call, candidate):
    years = m.CustomField.objects.get(title="Years of experience")
    request = {
        "objectId": str(candidate.id),
        "objectType": "Candidate",
        "fieldId": str(years.id),
        "fieldValue": "https://x",
    }
    assert "Number field" in call("customField.setValue", request).json()["errorInfo"]["message"]


def test_create_note_stores_a_note(call, candidate, assert_valid):
    request = {
        "candidateId": str(candidate.id),
        "note": {"type": "text/plain", "value": "Guide link for this candidate: https://g/x"},
        "sendNotifications": False,
    }
    body = call("candidate.createNote", request).json()
    assert_valid("candidate.createNote", body)
    assert body["results"]["content"] == "Guide link for this candidate: https://g/x"
    [note] = m.CandidateNote.objects.filter(candidate=candidate)
    assert note.content_type == "text/plain"
    unknown = call("candidate.createNote", {**request, "candidateId": NO_SUCH_CANDIDATE}).json()
    assert unknown["errors"] == ["candidate_not_found"]


def test_without_candidates_write_the_writes_are_refused(call, make_key, candidate, field):
    secret = make_key(ALL_READ)
    request = {"candidateId": str(candidate.id), "note": "hello"}
    refused = call("candidate.createNote", request, secret=secret)
    assert refused.status_code == 403
    assert refused.json()["errorInfo"]["code"] == "missing_endpoint_permission"
    assert not m.CandidateNote.objects.exists()


def test_the_candidate_page_shows_the_written_value_and_notes(client, call, candidate, field):
    call(
        "customField.setValue",
        {
            "objectId": str(candidate.id),
            "objectType": "Candidate",
            "fieldId": str(field.id),
            "fieldValue": "https://guide.example/g/shown",
        },
    )
    call("candidate.createNote", {"candidateId": str(candidate.id), "note": "A note"})
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin)
    page = client.get(f"/sandbox/ashby/admin/ashby_sandbox/candidate/{candidate.id}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Guide link: https://guide.example/g/shown" in html
    assert "A note" in html


def test_candidate_info_shows_the_value_in_custom_fields(call, candidate, field, assert_valid):
    request = {
        "objectId": str(candidate.id),
        "objectType": "Candidate",
        "fieldId": str(field.id),
        "fieldValue": "https://guide.example/g/seen",
    }
    call("customField.setValue", request)
    body = call("candidate.info", {"id": str(candidate.id)}).json()
    assert_valid("candidate.info", body)
    assert body["results"]["customFields"] == [
        {
            "id": str(field.id),
            "title": "Guide link",
            "value": "https://guide.example/g/seen",
            "isPrivate": False,
        }
    ]
