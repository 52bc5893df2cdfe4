"""Ashby payloads -> row values of Guide's records (pure functions, no database).

Each `map_<object>` takes one object as Ashby sends it (in a `*.list` page, an `*.info` result
or a webhook's `data`; shapes from Ashby's OpenAPI definition) and returns the dict that
`guides.upsert.upsert_records` stores: `external_id`, `external_updated_at` and the model's
fields, with foreign keys given as `<field>_external_id`.

A payload that cannot be stored (no id, a malformed time) raises `MappingError` naming the
object and the field, so the caller can record it and go on with the rest of the page.
Over-long strings are cut to the column's size rather than refused: the value is display text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

logger = logging.getLogger(__name__)

Payload = Mapping[str, Any]
Row = dict[str, Any]

RECRUITER_ROLE = "Recruiter"


class MappingError(ValueError):
    """An Ashby object that cannot be turned into a record (says which and why)."""


# --- field helpers ------------------------------------------------------------------------


def _id(obj: Payload, kind: str) -> str:
    if not isinstance(obj, Mapping):
        raise MappingError(f"Ashby sent a {kind} that is not an object.")
    value = obj.get("id")
    if not isinstance(value, str) or not value or len(value) > 64:
        raise MappingError(f"Ashby sent a {kind} without a usable id.")
    return value


def _time(obj: Payload, key: str, kind: str, *, required: bool = False) -> datetime | None:
    value = obj.get(key)
    if value in (None, ""):
        if required:
            raise MappingError(f"{kind} {obj.get('id')}: {key} is missing.")
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise MappingError(f"{kind} {obj.get('id')}: {key} is not an ISO-8601 time ({value!r}).")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _text(value: Any, size: int) -> str:
    return "" if value is None else str(value)[:size]


def _ref(value: Any) -> str | None:
    """An external id another object points at, or None."""
    return value if isinstance(value, str) and value and len(value) <= 64 else None


def _embedded_id(value: Any) -> str | None:
    return _ref(value.get("id")) if isinstance(value, Mapping) else None


def _email(value: Any) -> str:
    """Ashby's contact item `{value, type, isPrimary}` or a bare string -> an address."""
    if isinstance(value, Mapping):
        value = value.get("value")
    return _text(value, 254) if isinstance(value, str) and "@" in value else ""


def _base(obj: Payload, kind: str) -> Row:
    return {"external_id": _id(obj, kind), "external_updated_at": _time(obj, "updatedAt", kind)}


# --- organisation ---------------------------------------------------------------------------


def map_department(obj: Payload) -> Row:
    """department.list / department.info item -> Department."""
    base = _base(obj, "department")
    return {
        **base,
        "name": _text(obj.get("name"), 255),
        "is_archived": bool(obj.get("isArchived")),
        "parent_external_id": _ref(obj.get("parentId")) or "",
    }


def map_location(obj: Payload) -> Row:
    """location.list / location.info item -> Location (Ashby gives locations no updatedAt)."""
    base = _base(obj, "location")
    return {
        **base,
        "name": _text(obj.get("name"), 255),
        "is_archived": bool(obj.get("isArchived")),
        "workplace_type": _text(obj.get("workplaceType"), 20),
    }


def map_user(obj: Payload) -> Row:
    """user.list item (or a user embedded in an interview event) -> Interviewer.

    Only what Ashby knows; the profile candidates see is edited in Guide and never synced.
    """
    base = _base(obj, "user")
    return {
        **base,
        "first_name": _text(obj.get("firstName"), 150),
        "last_name": _text(obj.get("lastName"), 150),
        "email": _email(obj.get("email")),
        "is_enabled": obj.get("isEnabled") is not False,
    }


# --- jobs and hiring process ---------------------------------------------------------------


def map_job(obj: Payload) -> Row:
    """job.list / job.info item (or a jobCreate/jobUpdate webhook's job) -> Job."""
    base = _base(obj, "job")
    status = obj.get("status")
    return {
        **base,
        "title": _text(obj.get("title"), 255),
        "status": status if status in ("Draft", "Open", "Closed", "Archived") else "Open",
        "employment_type": _text(obj.get("employmentType"), 20),
        "confidential": bool(obj.get("confidential")),
        "department_external_id": _ref(obj.get("departmentId")),
        "location_external_id": _ref(obj.get("locationId")),
        "interview_plan_external_id": _ref(obj.get("defaultInterviewPlanId")),
    }


def map_interview_plan(obj: Payload) -> Row:
    """interviewPlan.list item -> InterviewPlan."""
    base = _base(obj, "interview plan")
    return {
        **base,
        "title": _text(obj.get("title"), 255),
        "is_archived": bool(obj.get("isArchived")),
    }


def map_interview_stage(obj: Payload, *, plan_id: str | None = None) -> Row:
    """interviewStage.list item (or an application's currentInterviewStage) -> InterviewStage.

    Stages carry their plan's id; `plan_id` stands in when the payload omits it.
    """
    base = _base(obj, "interview stage")
    plan = _ref(obj.get("interviewPlanId")) or plan_id
    if plan is None:
        raise MappingError(f"interview stage {obj.get('id')}: interviewPlanId is missing.")
    order = obj.get("orderInInterviewPlan")
    return {
        **base,
        "title": _text(obj.get("title"), 255),
        "stage_type": _text(obj.get("type"), 40),
        "order": order if isinstance(order, int) else 0,
        "plan_external_id": plan,
    }


def map_interview(obj: Payload) -> Row:
    """interview.list / interview.info item -> Interview (an interview type)."""
    base = _base(obj, "interview")
    return {
        **base,
        "title": _text(obj.get("title"), 255),
        "external_title": _text(obj.get("externalTitle"), 255),
        "instructions": _text(obj.get("instructionsPlain"), 20000),
        "is_archived": bool(obj.get("isArchived")),
    }


# --- candidates and applications -----------------------------------------------------------


def map_candidate(obj: Payload) -> Row:
    """candidate.list / candidate.info item -> Candidate."""
    base = _base(obj, "candidate")
    location = obj.get("location") if isinstance(obj.get("location"), Mapping) else {}
    return {
        **base,
        "name": _text(obj.get("name"), 255),
        "email": _email(obj.get("primaryEmailAddress")),
        "timezone": _text(obj.get("timezone"), 64),
        "location_summary": _text(location.get("locationSummary"), 255),
    }


def candidate_has_applications(obj: Payload) -> bool:
    """Whether a candidate payload lists at least one application (it then gets a guide)."""
    return bool(obj.get("applicationIds"))


def map_application(obj: Payload) -> Row:
    """application.list / application.info item (or an application webhook's data) -> Application.

    The recruiter is the hiring-team member whose role is "Recruiter".
    """
    base = _base(obj, "application")
    candidate = _embedded_id(obj.get("candidate")) or _ref(obj.get("candidateId"))
    if candidate is None:
        raise MappingError(f"application {obj.get('id')}: candidate is missing.")
    status = obj.get("status")
    reason = obj.get("archiveReason") if isinstance(obj.get("archiveReason"), Mapping) else {}
    return {
        **base,
        "status": status if status in ("Active", "Hired", "Archived", "Lead") else "Active",
        "archive_reason": _text(reason.get("text"), 255),
        "external_created_at": _time(obj, "createdAt", "application"),
        "candidate_external_id": candidate,
        "job_external_id": _embedded_id(obj.get("job")) or _ref(obj.get("jobId")),
        "current_stage_external_id": _embedded_id(obj.get("currentInterviewStage")),
        "recruiter_external_id": _recruiter(obj.get("hiringTeam")),
    }


def _recruiter(team: Any) -> str | None:
    for member in team if isinstance(team, list) else []:
        if isinstance(member, Mapping) and member.get("role") == RECRUITER_ROLE:
            return _ref(member.get("userId"))
    return None


def application_candidate_stub(obj: Payload) -> Row | None:
    """The candidate summary embedded in an application, as a placeholder Candidate row."""
    candidate = obj.get("candidate")
    if not isinstance(candidate, Mapping) or _embedded_id(candidate) is None:
        return None
    return {
        "external_id": candidate["id"],
        "external_updated_at": None,
        "name": _text(candidate.get("name"), 255),
        "email": _email(candidate.get("primaryEmailAddress")),
    }


def application_stage(obj: Payload) -> Row | None:
    """The application's embedded currentInterviewStage as an InterviewStage row, if any."""
    stage = obj.get("currentInterviewStage")
    if not isinstance(stage, Mapping) or _embedded_id(stage) is None:
        return None
    return map_interview_stage(stage)


def application_job_stub(obj: Payload) -> Row | None:
    """The job summary embedded in an application, as a placeholder Job row."""
    job = obj.get("job")
    if not isinstance(job, Mapping) or _embedded_id(job) is None:
        return None
    return {
        "external_id": job["id"],
        "external_updated_at": None,
        "title": _text(job.get("title"), 255),
    }


# --- interview schedules and events --------------------------------------------------------


def map_interview_schedule(obj: Payload) -> Row:
    """interviewSchedule.list item (or an interviewSchedule webhook's data) -> InterviewSchedule."""
    base = _base(obj, "interview schedule")
    application = _ref(obj.get("applicationId"))
    if application is None:
        raise MappingError(f"interview schedule {obj.get('id')}: applicationId is missing.")
    return {
        **base,
        "status": _text(obj.get("status"), 40),
        "application_external_id": application,
        "stage_external_id": _ref(obj.get("interviewStageId")),
    }


def schedule_events(obj: Payload) -> list[Payload]:
    """The interview events embedded in a schedule (`interviewEvents[]`), or [] when absent."""
    events = obj.get("interviewEvents")
    return (
        [event for event in events if isinstance(event, Mapping)]
        if isinstance(events, list)
        else []
    )


def map_interview_event(obj: Payload, *, schedule_id: str | None = None) -> Row:
    """interviewEvent.list item (or a schedule's embedded event) -> InterviewEvent."""
    base = _base(obj, "interview event")
    schedule = _ref(obj.get("interviewScheduleId")) or schedule_id
    if schedule is None:
        raise MappingError(f"interview event {obj.get('id')}: interviewScheduleId is missing.")
    interview = _ref(obj.get("interviewId")) or _embedded_id(obj.get("interview"))
    return {
        **base,
        "schedule_external_id": schedule,
        "interview_external_id": interview,
        "start_time": _time(obj, "startTime", "interview event", required=True),
        "end_time": _time(obj, "endTime", "interview event", required=True),
        "location": _text(obj.get("location"), 500),
        "meeting_link": _text(obj.get("meetingLink"), 1000),
    }


def event_interviewers(obj: Payload) -> list[Payload]:
    """The users interviewing at an event (`interviewers[]`, full user objects)."""
    people = obj.get("interviewers")
    if isinstance(people, list):
        return [person for person in people if isinstance(person, Mapping) and _embedded_id(person)]
    # `interviewerUserIds` is deprecated but may be all an older payload carries.
    ids = obj.get("interviewerUserIds")
    return [{"id": i} for i in ids if _ref(i)] if isinstance(ids, list) else []
