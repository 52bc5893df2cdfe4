"""Bulk upsert of synced records: newest copy wins, fixed number of queries per page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guides.models import (
    Application,
    Candidate,
    Guide,
    Interviewer,
    InterviewEvent,
    InterviewSchedule,
    Location,
)
from guides.services import ensure_guides, touch_guides
from guides.upsert import insert_missing, replace_related, upsert_records

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _candidate(n: int, *, name: str = "", updated: datetime | None = T0) -> dict:
    return {
        "external_id": f"c{n}",
        "external_updated_at": updated,
        "name": name or f"Candidate {n}",
        "email": f"c{n}@example.org",
        "timezone": "",
        "location_summary": "",
    }


def _application(n: int, candidate: str, *, updated: datetime | None = T0) -> dict:
    return {
        "external_id": f"a{n}",
        "external_updated_at": updated,
        "status": "Active",
        "archive_reason": "",
        "external_created_at": T0,
        "candidate_external_id": candidate,
        "job_external_id": None,
        "current_stage_external_id": None,
        "recruiter_external_id": "unknown-user",
    }


@pytest.mark.django_db
def test_it_creates_then_updates_only_newer_copies(tenant_a):
    first = upsert_records(tenant_a, Candidate, [_candidate(1), _candidate(2)])
    assert sorted(first.created) == ["c1", "c2"]

    later = T0 + timedelta(minutes=5)
    second = upsert_records(
        tenant_a,
        Candidate,
        [_candidate(1, name="Newer", updated=later), _candidate(2, updated=T0)],
    )

    assert second.updated == ["c1"]
    assert second.unchanged == ["c2"]
    names = dict(Candidate.objects.values_list("external_id", "name"))
    assert names == {"c1": "Newer", "c2": "Candidate 2"}
    assert set(second.ids) == {"c1", "c2"}
    assert second.ids["c1"] == Candidate.objects.get(external_id="c1").pk


@pytest.mark.django_db
def test_a_copy_as_new_as_the_stored_one_but_different_repairs_it(tenant_a):
    upsert_records(tenant_a, Candidate, [_candidate(1, name="Went wrong", updated=T0)])

    result = upsert_records(tenant_a, Candidate, [_candidate(1, name="Right", updated=T0)])

    assert result.updated == ["c1"]
    assert Candidate.objects.get().name == "Right"


@pytest.mark.django_db
def test_an_older_copy_never_overwrites_a_newer_one(tenant_a):
    upsert_records(tenant_a, Candidate, [_candidate(1, name="New", updated=T0)])

    result = upsert_records(
        tenant_a, Candidate, [_candidate(1, name="Old", updated=T0 - timedelta(days=1))]
    )

    assert result.unchanged == ["c1"]
    assert Candidate.objects.get().name == "New"


@pytest.mark.django_db
def test_the_newest_of_two_copies_in_one_page_wins(tenant_a):
    upsert_records(
        tenant_a,
        Candidate,
        [
            _candidate(1, name="Newest", updated=T0 + timedelta(hours=1)),
            _candidate(1, name="Older", updated=T0),
        ],
    )

    assert list(Candidate.objects.values_list("name", flat=True)) == ["Newest"]


@pytest.mark.django_db
def test_records_are_scoped_by_tenant(tenant_a, tenant_b):
    upsert_records(tenant_a, Candidate, [_candidate(1, name="A's")])
    upsert_records(tenant_b, Candidate, [_candidate(1, name="B's")])

    assert Candidate.objects.filter(tenant=tenant_a).get().name == "A's"
    assert Candidate.objects.filter(tenant=tenant_b).get().name == "B's"


@pytest.mark.django_db
def test_foreign_keys_are_resolved_by_external_id_and_unknown_required_ones_skip_the_row(
    tenant_a, tenant_b
):
    upsert_records(tenant_a, Candidate, [_candidate(1)])
    upsert_records(tenant_b, Candidate, [_candidate(2)])  # another tenant's: not visible

    result = upsert_records(tenant_a, Application, [_application(1, "c1"), _application(2, "c2")])

    assert result.created == ["a1"]
    assert result.skipped == [("a2", "unknown Candidate c2")]
    application = Application.objects.get()
    assert application.candidate.external_id == "c1"
    assert application.recruiter is None  # optional and unknown: left empty


@pytest.mark.django_db
def test_profile_fields_edited_in_guide_survive_a_sync(tenant_a):
    row = {
        "external_id": "u1",
        "external_updated_at": T0,
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "is_enabled": True,
    }
    upsert_records(tenant_a, Interviewer, [row])
    Interviewer.objects.filter(external_id="u1").update(bio="Loves engines", title="CTO")

    upsert_records(
        tenant_a,
        Interviewer,
        [{**row, "last_name": "King", "external_updated_at": T0 + timedelta(days=1)}],
    )

    interviewer = Interviewer.objects.get()
    assert (interviewer.last_name, interviewer.bio, interviewer.title) == (
        "King",
        "Loves engines",
        "CTO",
    )


@pytest.mark.django_db
def test_insert_missing_adds_placeholders_without_touching_stored_records(tenant_a):
    upsert_records(tenant_a, Candidate, [_candidate(1, name="Full record")])

    insert_missing(
        tenant_a,
        Candidate,
        [
            {"external_id": "c1", "external_updated_at": None, "name": "Stub", "email": ""},
            {"external_id": "c2", "external_updated_at": None, "name": "Stub two", "email": ""},
        ],
    )

    assert dict(Candidate.objects.values_list("external_id", "name")) == {
        "c1": "Full record",
        "c2": "Stub two",
    }
    # The real record replaces the placeholder whenever it arrives.
    upsert_records(tenant_a, Candidate, [_candidate(2, name="Real two")])
    assert Candidate.objects.get(external_id="c2").name == "Real two"


@pytest.mark.django_db
def test_a_field_a_row_does_not_carry_keeps_its_stored_value(tenant_a):
    upsert_records(tenant_a, Candidate, [_candidate(1), _candidate(2)])
    later = T0 + timedelta(hours=1)

    result = upsert_records(
        tenant_a,
        Candidate,
        [
            {"external_id": "c1", "external_updated_at": later, "name": "Renamed"},
            {"external_id": "c2", "external_updated_at": later, "email": ""},  # said: cleared
            {"external_id": "c3", "name": "New one"},  # new: the rest from the defaults
        ],
    )

    assert sorted(result.written) == ["c1", "c2", "c3"]
    rows = {c.external_id: c for c in Candidate.objects.all()}
    assert (rows["c1"].name, rows["c1"].email) == ("Renamed", "c1@example.org")
    assert (rows["c2"].name, rows["c2"].email) == ("Candidate 2", "")
    assert rows["c2"].external_updated_at == later
    assert (rows["c3"].name, rows["c3"].email, rows["c3"].external_updated_at) == (
        "New one",
        "",
        None,
    )


@pytest.mark.django_db
def test_a_row_without_its_foreign_key_keeps_the_stored_one_and_a_new_one_is_skipped(tenant_a):
    upsert_records(tenant_a, Candidate, [_candidate(1)])
    upsert_records(tenant_a, Application, [_application(1, "c1")])
    later = T0 + timedelta(hours=1)

    result = upsert_records(
        tenant_a,
        Application,
        [
            {"external_id": "a1", "external_updated_at": later, "status": "Hired"},
            {"external_id": "a2", "external_updated_at": later, "status": "Active"},
        ],
    )

    assert result.updated == ["a1"]
    assert result.skipped == [("a2", "a new record needs candidate")]
    application = Application.objects.get()
    assert (application.status, application.candidate.external_id) == ("Hired", "c1")


@pytest.mark.django_db
def test_a_row_without_a_timestamp_keeps_the_stored_one(tenant_a):
    upsert_records(tenant_a, Candidate, [_candidate(1, updated=T0)])

    upsert_records(tenant_a, Candidate, [{"external_id": "c1", "name": "Changed"}])

    candidate = Candidate.objects.get()
    assert (candidate.name, candidate.external_updated_at) == ("Changed", T0)


@pytest.mark.django_db
def test_replace_related_sets_exactly_the_given_links(tenant_a):
    upsert_records(tenant_a, Candidate, [_candidate(1)])
    upsert_records(tenant_a, Application, [_application(1, "c1")])
    schedule = InterviewSchedule.objects.create(
        tenant=tenant_a, external_id="s1", application=Application.objects.get(), status="Scheduled"
    )
    event = InterviewEvent.objects.create(
        tenant=tenant_a, external_id="e1", schedule=schedule, start_time=T0, end_time=T0
    )
    people = [
        Interviewer.objects.create(tenant=tenant_a, external_id=f"u{i}", first_name=f"U{i}")
        for i in range(3)
    ]
    event.interviewers.set(people[:2])
    through = InterviewEvent.interviewers.through

    replace_related(
        through, "interviewevent", "interviewer", [(event.pk, people[2].pk)], [event.pk]
    )

    assert list(event.interviewers.all()) == [people[2]]


@pytest.mark.django_db
def test_ensure_guides_creates_one_guide_per_candidate_with_an_unguessable_token(tenant_a):
    upsert_records(tenant_a, Candidate, [_candidate(1), _candidate(2)])
    ids = list(Candidate.objects.values_list("id", flat=True))

    assert ensure_guides(tenant_a, ids) == 2
    assert ensure_guides(tenant_a, ids) == 0

    tokens = list(Guide.objects.values_list("token", flat=True))
    assert len(tokens) == 2 and len(set(tokens)) == 2
    assert all(len(token) >= 40 for token in tokens)


@pytest.mark.django_db
def test_touch_guides_marks_the_guides_changed(tenant_a):
    upsert_records(tenant_a, Candidate, [_candidate(1)])
    candidate = Candidate.objects.get()
    ensure_guides(tenant_a, [candidate.pk])
    Guide.objects.update(updated_at=T0)

    touch_guides(tenant_a, [candidate.pk])

    assert Guide.objects.get().updated_at > T0


def _count_queries(tenant, size: int, offset: int) -> int:
    candidates = [_candidate(offset + i) for i in range(size)]
    applications = [_application(offset + i, f"c{offset + i}") for i in range(size)]
    with CaptureQueriesContext(connection) as ctx:
        upsert_records(tenant, Candidate, candidates)
        upsert_records(tenant, Application, applications)
    return len(ctx.captured_queries)


@pytest.mark.django_db
def test_the_number_of_queries_does_not_depend_on_the_page_size(tenant_a):
    small = _count_queries(tenant_a, 10, 0)
    large = _count_queries(tenant_a, 100, 1000)

    assert small == large
    assert Application.objects.count() == 110


@pytest.mark.django_db
def test_a_record_without_timestamp_is_written_only_when_its_values_change(tenant_a):
    row = {
        "external_id": "l1",
        "external_updated_at": None,
        "name": "Paris",
        "is_archived": False,
        "workplace_type": "Hybrid",
    }
    upsert_records(tenant_a, Location, [row])

    same = upsert_records(tenant_a, Location, [dict(row)])
    changed = upsert_records(tenant_a, Location, [{**row, "name": "Paris HQ"}])

    assert same.unchanged == ["l1"] and same.written == []
    assert changed.updated == ["l1"]
    assert Location.objects.get().name == "Paris HQ"
