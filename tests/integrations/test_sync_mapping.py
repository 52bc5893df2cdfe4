"""Ashby payloads -> Guide rows, from fixtures built on Ashby's OpenAPI schemas."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from integrations.ashby import mapping
from tests.integrations.ashby_fixtures import ashby_object
from tests.integrations.ashby_spec import spec_body

# fixture -> the list endpoint whose results it is an item of
FIXTURE_ENDPOINTS = {
    "department": "department.list",
    "location": "location.list",
    "user": "user.list",
    "job": "job.list",
    "interview_plan": "interviewPlan.list",
    "interview_stage": "interviewStage.list",
    "interview": "interview.list",
    "candidate": "candidate.list",
    "application": "application.list",
    "interview_schedule": "interviewSchedule.list",
}


@pytest.mark.parametrize("fixture", sorted(FIXTURE_ENDPOINTS))
def test_each_fixture_is_a_valid_item_of_its_list_endpoint(fixture):
    envelope = {"success": True, "results": [ashby_object(fixture)], "moreDataAvailable": False}

    spec_body(FIXTURE_ENDPOINTS[fixture], envelope)  # raises ValidationError if not


def test_map_candidate():
    row = mapping.map_candidate(ashby_object("candidate"))

    assert row == {
        "external_id": "5b591aa4-5b6f-4a3e-9f1c-7d0c2b1a9e88",
        "external_updated_at": datetime(2026, 3, 3, 12, 0, tzinfo=UTC),
        "name": "Grace Hopper",
        "email": "grace@example.org",
        "timezone": "America/New_York",
        "location_summary": "New York, United States",
    }
    assert mapping.candidate_has_applications(ashby_object("candidate"))
    assert not mapping.candidate_has_applications(ashby_object("candidate", applicationIds=[]))


def test_map_application_takes_the_recruiter_from_the_hiring_team():
    row = mapping.map_application(ashby_object("application"))

    assert row["candidate_external_id"] == "5b591aa4-5b6f-4a3e-9f1c-7d0c2b1a9e88"
    assert row["job_external_id"] == "d4f1c2a3-5b6e-4c7d-8e9f-a0b1c2d3e4f5"
    assert row["current_stage_external_id"] == "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
    assert row["recruiter_external_id"] == "8b7a6f5e-4d3c-4b2a-9180-7f6e5d4c3b2a"
    assert row["status"] == "Active"
    assert "archive_reason" not in row  # not in the payload: the stored reason stays
    assert (
        mapping.map_application(ashby_object("application", hiringTeam=[]))["recruiter_external_id"]
        is None
    )


def test_map_application_reads_the_archive_reason():
    payload = ashby_object(
        "application",
        status="Archived",
        archiveReason={
            "id": "r1",
            "text": "Position filled",
            "reasonType": "RejectedByOrg",
            "isArchived": False,
        },
    )

    row = mapping.map_application(payload)

    assert (row["status"], row["archive_reason"]) == ("Archived", "Position filled")


def test_the_application_embeds_give_placeholders():
    payload = ashby_object("application")

    assert mapping.application_candidate_stub(payload) == {
        "external_id": "5b591aa4-5b6f-4a3e-9f1c-7d0c2b1a9e88",
        "external_updated_at": None,
        "name": "Grace Hopper",
        "email": "grace@example.org",
    }
    assert (
        mapping.application_stage(payload)["plan_external_id"]
        == "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
    )
    assert (
        mapping.application_stage(ashby_object("application", currentInterviewStage=None)) is None
    )


def test_map_job_keeps_drafts_and_the_default_plan():
    row = mapping.map_job(ashby_object("job"))

    assert row["status"] == "Draft"
    assert row["interview_plan_external_id"] == "7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f"
    assert row["department_external_id"] == "9d3b8f2c-1a4e-4a8e-9a51-0d6f3c2b7e10"


def test_map_user_and_deactivated_users():
    assert mapping.map_user(ashby_object("user"))["is_enabled"] is True
    assert mapping.map_user(ashby_object("user", isEnabled=False))["is_enabled"] is False
    assert mapping.map_user(ashby_object("user", email="not an email"))["email"] == ""


def test_map_interview_schedule_with_its_events_and_interviewers():
    payload = ashby_object("interview_schedule")

    schedule = mapping.map_interview_schedule(payload)
    events = mapping.schedule_events(payload)
    event = mapping.map_interview_event(events[0])

    assert schedule["application_external_id"] == "2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f"
    assert schedule["stage_external_id"] == "e1f2a3b4-c5d6-4e7f-8a9b-0c1d2e3f4a5b"
    assert event["schedule_external_id"] == payload["id"]
    assert event["start_time"] == datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    assert event["interview_external_id"] == "a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d"
    assert [p["id"] for p in mapping.event_interviewers(events[0])] == [
        "3ae2b801-19f6-41ef-ad28-214bd731948f"
    ]


def test_an_event_with_only_the_deprecated_interviewer_ids_still_names_them():
    event = ashby_object("interview_schedule")["interviewEvents"][0]
    del event["interviewers"]

    assert mapping.event_interviewers(event) == [{"id": "3ae2b801-19f6-41ef-ad28-214bd731948f"}]


def test_map_department_location_plan_stage_interview():
    assert (
        mapping.map_department(ashby_object("department"))["parent_external_id"]
        == "1b2c3d4e-0000-4000-8000-000000000001"
    )
    location = mapping.map_location(ashby_object("location"))
    assert location["workplace_type"] == "Hybrid"
    assert "external_updated_at" not in location  # Ashby stamps no location: nothing said
    assert (
        mapping.map_interview_plan(ashby_object("interview_plan"))["title"]
        == "Backend engineering plan"
    )
    stage = mapping.map_interview_stage(ashby_object("interview_stage"))
    assert (stage["order"], stage["stage_type"]) == (2, "Active")
    interview = mapping.map_interview(ashby_object("interview"))
    assert (interview["external_title"], interview["instructions"]) == (
        "System design",
        "Bring a laptop.",
    )


@pytest.mark.parametrize(
    ("mapper", "payload", "message"),
    [
        (mapping.map_candidate, {"name": "x"}, "candidate without a usable id"),
        (
            mapping.map_candidate,
            {"id": "c1", "updatedAt": "last tuesday"},
            "updatedAt is not an ISO-8601 time",
        ),
        (
            mapping.map_interview_event,
            {"id": "e1", "interviewScheduleId": "s1"},
            "Interview event e1: startTime is missing",
        ),
        (mapping.map_job, "not an object", "Ashby sent a job that is not an object"),
        (mapping.map_interview_schedule, [], "Ashby sent an interview schedule that is not an"),
        (
            mapping.map_interview_event,
            {
                "id": "e1",
                "interviewScheduleId": "s1",
                "startTime": "2026-05-01T10:00:00Z",
                "endTime": "2026-05-01T09:00:00Z",
            },
            r"Interview event e1 ends \(2026-05-01T09:00:00Z\) before it starts",
        ),
        (
            mapping.map_interview_event,
            {
                "id": "e1",
                "interviewScheduleId": "s1",
                "startTime": "9662-05-01T10:00:00Z",
                "endTime": "9662-05-01T11:00:00Z",
            },
            "startTime 9662-05-01T10:00:00Z is impossible",
        ),
        (
            mapping.map_application,
            {"id": "a1", "updatedAt": "9662-01-01T00:00:00Z"},
            "Application a1: updatedAt 9662-01-01T00:00:00Z is impossible",
        ),
    ],
)
def test_unusable_payloads_raise_a_clear_error(mapper, payload, message):
    with pytest.raises(mapping.MappingError, match=message):
        mapper(payload)


@pytest.mark.parametrize(
    ("mapper", "fixture", "absent", "columns"),
    [
        (mapping.map_application, "application", "job", {"job_external_id"}),
        (mapping.map_application, "application", "hiringTeam", {"recruiter_external_id"}),
        (mapping.map_application, "application", "candidate", {"candidate_external_id"}),
        (mapping.map_application, "application", "status", {"status"}),
        (mapping.map_job, "job", "title", {"title"}),
        (mapping.map_job, "job", "defaultInterviewPlanId", {"interview_plan_external_id"}),
        (mapping.map_candidate, "candidate", "timezone", {"timezone"}),
        (mapping.map_candidate, "candidate", "primaryEmailAddress", {"email"}),
        (
            mapping.map_interview_schedule,
            "interview_schedule",
            "applicationId",
            {"application_external_id"},
        ),
        (mapping.map_user, "user", "email", {"email"}),
        (mapping.map_interview_stage, "interview_stage", "interviewPlanId", {"plan_external_id"}),
    ],
)
def test_a_key_absent_from_the_payload_is_left_out_of_the_row(mapper, fixture, absent, columns):
    payload = ashby_object(fixture)
    full = mapper(payload)
    del payload[absent]

    row = mapper(payload)

    assert columns <= set(full)
    assert not columns & set(row)  # not said: the stored value stays
    assert {k: v for k, v in full.items() if k not in columns} == {
        k: v for k, v in row.items() if k not in columns
    }


def test_an_explicit_null_clears_the_field():
    row = mapping.map_application(ashby_object("application", job=None, hiringTeam=[]))

    assert row["job_external_id"] is None
    assert row["recruiter_external_id"] is None


def test_an_unknown_time_zone_is_left_out_with_a_note():
    notes: list[str] = []

    row = mapping.map_candidate(ashby_object("candidate", timezone="Mars/Olympus_Mons"), notes)

    assert "timezone" not in row
    assert notes == [
        "Candidate 5b591aa4-5b6f-4a3e-9f1c-7d0c2b1a9e88: time zone 'Mars/Olympus_Mons' is not "
        "one Guide knows, so it was not stored; the guide shows times in the company's zone."
    ]


def test_the_articles_of_messages_read_right():
    assert mapping.article("interview schedule") == "an interview schedule"
    assert mapping.article("application") == "an application"
    assert mapping.article("job") == "a job"


def test_over_long_text_is_cut_to_the_column():
    row = mapping.map_candidate(ashby_object("candidate", name="x" * 1000))

    assert len(row["name"]) == 255
