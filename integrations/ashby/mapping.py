"""Ashby payloads -> row values of Guide's records (pure functions, no database).

Each `map_<object>` takes one object as Ashby sends it (in a `*.list` page, an `*.info` result
or a webhook's `data`; shapes from Ashby's OpenAPI definition) and returns the dict that
`guides.upsert.upsert_records` stores: `external_id`, `external_updated_at` and the model's
fields, with foreign keys given as `<field>_external_id`.

Merge, never blank: a row carries only what the payload says. Real Ashby deliveries do not
always carry every field the spec marks required (a captured candidateStageChange's
application has no `job` and no `hiringTeam`; docs/ashby-spec-errata.md), so a key absent from
the payload is left out of the row and the stored value stays; an explicit `null` clears the
field. A value Guide cannot use (an unknown status, a time zone Guide does not know) is left
out too, with a note in `notes` when the caller passes a list.

A payload that cannot be stored (no id, a malformed or impossible time) raises `MappingError`
with a sentence naming the object and the field, so the caller records it and goes on with
the rest. Over-long strings are cut to the column's size rather than refused: they are
display text.
"""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from integrations.errors import CannotApply

logger = logging.getLogger(__name__)

Payload = Mapping[str, Any]
Row = dict[str, Any]
Notes = list[str] | None

RECRUITER_ROLE = "Recruiter"
# Times outside this window are typing slips or corrupt data, never a real interview or edit:
# storing them would put an interview in the year 9662 on a guide, or (for updatedAt) make
# the stored copy "newer" than every later one, so no update could ever apply again.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
FUTURE_LIMIT = timedelta(days=5 * 366)  # interviews: at most about five years ahead
CLOCK_SKEW = timedelta(days=1)  # updatedAt / createdAt: at most a day ahead of our clock


class MappingError(CannotApply):
    """An Ashby object that cannot be turned into a record (says which and why)."""


# --- field helpers ------------------------------------------------------------------------


def article(kind: str) -> str:
    """`kind` with its indefinite article: "an interview schedule", "a job"."""
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


def _id(obj: Payload, kind: str) -> str:
    if not isinstance(obj, Mapping):
        raise MappingError(f"Ashby sent {article(kind)} that is not an object.")
    value = ref(obj.get("id"))
    if value is None:
        raise MappingError(f"Ashby sent {article(kind)} without a usable id.")
    return value


def _label(obj: Payload, kind: str) -> str:
    """How a message starts naming the object: "Interview event 3f2a...", or the kind alone."""
    value = obj.get("id") if isinstance(obj, Mapping) else None
    label = f"{kind} {value[:64]}" if isinstance(value, str) and value else kind
    return label[:1].upper() + label[1:]


def parse_time(obj: Payload, key: str, kind: str, *, latest: timedelta = CLOCK_SKEW) -> datetime:
    """`obj[key]` as an aware datetime, refused with a sentence when it is not an ISO-8601
    time or lies outside [2000, now + `latest`]."""
    value = obj.get(key)
    if value in (None, ""):
        raise MappingError(f"{_label(obj, kind)}: {key} is missing.")
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise MappingError(f"{_label(obj, kind)}: {key} is not an ISO-8601 time ({value!r}).")
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if not EARLIEST <= parsed <= datetime.now(UTC) + latest:
        raise MappingError(
            f"{_label(obj, kind)}: {key} {value} is impossible "
            f"(before 2000 or too far in the future); the record was not stored."
        )
    return parsed


def _optional_time(obj: Payload, key: str, kind: str) -> datetime | None:
    return None if obj.get(key) in (None, "") else parse_time(obj, key, kind)


def _text(value: Any, size: int) -> str:
    """Display text cut to its column. NUL characters are dropped and lone surrogates
    replaced: PostgreSQL refuses both, and they are never meant as text."""
    if value is None:
        return ""
    text = str(value).replace("\x00", "")
    return text[:size] if _encodable(text) else text.encode("utf-8", "replace").decode()[:size]


def ref(value: Any) -> str | None:
    """An external id (of the object or one it points at), or None when unusable: not a
    string, empty, longer than the column, or with characters no database column can hold."""
    if not isinstance(value, str) or not 0 < len(value) <= 64 or "\x00" in value:
        return None
    return value if _encodable(value) else None


def _encodable(value: str) -> bool:
    try:
        value.encode("utf-8")  # a lone surrogate (JSON allows "\ud800") is refused here
    except UnicodeEncodeError:
        return False
    return True


def _embedded_id(value: Any) -> str | None:
    return ref(value.get("id")) if isinstance(value, Mapping) else None


def _address(value: Any) -> str:
    return _text(value, 254) if isinstance(value, str) and "@" in value else ""


def _email(value: Any) -> str:
    """Ashby's contact item `{value, type, isPrimary}` or a bare string -> an address; an
    item without its value says nothing."""
    return _inner("value", _address)(value) if isinstance(value, Mapping) else _address(value)


NOT_SAID: Any = object()  # a converter's answer for a value that says nothing (an {} object)


def _said(row: Row, obj: Payload, fields: Mapping[str, tuple[str, Callable[[Any], Any]]]) -> Row:
    """Add to `row` each column whose payload key is present: {column: (key, convert)}.
    A converter answers NOT_SAID for a present value that still says nothing about the
    column (an embedded object without its id or text): the stored value stays."""
    for column, (key, convert) in fields.items():
        if key in obj:
            value = convert(obj[key])
            if value is not NOT_SAID:
                row[column] = value
    return row


def _inner(key: str, convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """For an embedded object: None clears; an object converts its `key`, or says nothing
    when it lacks it; any other value clears too (it cannot be read)."""

    def read(value: Any) -> Any:
        if isinstance(value, Mapping):
            return convert(value[key]) if value.get(key) is not None else NOT_SAID
        return convert(None)

    return read


def _choice(row: Row, obj: Payload, column: str, key: str, allowed: tuple[str, ...]) -> None:
    """A column of fixed values: set when the payload says one Guide knows, else left alone
    (a new record gets the model's default)."""
    if obj.get(key) in allowed:
        row[column] = obj[key]


def _base(obj: Payload, kind: str) -> Row:
    row: Row = {"external_id": _id(obj, kind)}
    if obj.get("updatedAt") not in (None, ""):  # a copy without a time never clears ours
        row["external_updated_at"] = parse_time(obj, "updatedAt", kind)
    return row


def text(size: int) -> Callable[[Any], str]:
    return lambda value: _text(value, size)


def flag(value: Any) -> bool:
    return bool(value)


# --- organisation ---------------------------------------------------------------------------


def map_department(obj: Payload) -> Row:
    """department.list / department.info item -> Department."""
    return _said(
        _base(obj, "department"),
        obj,
        {
            "name": ("name", text(255)),
            "is_archived": ("isArchived", flag),
            "parent_external_id": ("parentId", lambda value: ref(value) or ""),
        },
    )


def map_location(obj: Payload) -> Row:
    """location.list / location.info item -> Location (Ashby gives locations no updatedAt)."""
    return _said(
        _base(obj, "location"),
        obj,
        {
            "name": ("name", text(255)),
            "is_archived": ("isArchived", flag),
            "workplace_type": ("workplaceType", text(20)),
        },
    )


def map_user(obj: Payload) -> Row:
    """user.list item (or a user embedded in an interview event) -> Interviewer.

    Only what Ashby knows; the profile candidates see is edited in Guide and never synced.
    """
    return _said(
        _base(obj, "user"),
        obj,
        {
            "first_name": ("firstName", text(150)),
            "last_name": ("lastName", text(150)),
            "email": ("email", _email),
            "is_enabled": ("isEnabled", lambda value: value is not False),
        },
    )


# --- jobs and hiring process ---------------------------------------------------------------

JOB_STATUSES = ("Draft", "Open", "Closed", "Archived")


def map_job(obj: Payload) -> Row:
    """job.list / job.info item (or a jobCreate/jobUpdate webhook's job) -> Job."""
    row = _said(
        _base(obj, "job"),
        obj,
        {
            "title": ("title", text(255)),
            "employment_type": ("employmentType", text(20)),
            "confidential": ("confidential", flag),
            "department_external_id": ("departmentId", ref),
            "location_external_id": ("locationId", ref),
            "interview_plan_external_id": ("defaultInterviewPlanId", ref),
        },
    )
    _choice(row, obj, "status", "status", JOB_STATUSES)
    return row


def map_interview_plan(obj: Payload) -> Row:
    """interviewPlan.list item -> InterviewPlan. A plan Ashby lists exists: a mark that
    Ashby once answered "not found" for it is cleared."""
    row = _said(
        _base(obj, "interview plan"),
        obj,
        {"title": ("title", text(255)), "is_archived": ("isArchived", flag)},
    )
    return {**row, "not_found_at": None}


def map_interview_stage(obj: Payload, *, plan_id: str | None = None) -> Row:
    """interviewStage.list item (or an application's currentInterviewStage) -> InterviewStage.

    Stages carry their plan's id; `plan_id` stands in when the payload omits it.
    """
    row = _said(
        _base(obj, "interview stage"),
        obj,
        {
            "title": ("title", text(255)),
            "stage_type": ("type", text(40)),
            "order": ("orderInInterviewPlan", lambda value: value if _is_int(value) else 0),
        },
    )
    plan = ref(obj.get("interviewPlanId")) or plan_id
    if plan is not None:
        row["plan_external_id"] = plan
    return row


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) < 2**31


def map_interview(obj: Payload) -> Row:
    """interview.list / interview.info item -> Interview (an interview type)."""
    return _said(
        _base(obj, "interview"),
        obj,
        {
            "title": ("title", text(255)),
            "external_title": ("externalTitle", text(255)),
            "instructions": ("instructionsPlain", text(20000)),
            "is_archived": ("isArchived", flag),
        },
    )


# --- candidates and applications -----------------------------------------------------------


def map_candidate(obj: Payload, notes: Notes = None) -> Row:
    """candidate.list / candidate.info item -> Candidate. A time zone Guide does not know is
    left out (the stored one stays) and noted: the guide would show wrong times with it."""
    row = _said(
        _base(obj, "candidate"),
        obj,
        {
            "name": ("name", text(255)),
            "email": ("primaryEmailAddress", _email),
            "location_summary": ("location", _inner("locationSummary", text(255))),
        },
    )
    if "timezone" in obj:
        zone = obj["timezone"]
        if zone in (None, "") or zone in _known_zones():
            row["timezone"] = zone or ""
        elif notes is not None:
            notes.append(
                f"Candidate {row['external_id']}: time zone {str(zone)[:64]!r} is not one Guide "
                "knows, so it was not stored; the guide shows times in the company's zone."
            )
    return row


@cache
def _known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def candidate_has_applications(obj: Payload) -> bool:
    """Whether a candidate payload lists at least one application (it then gets a guide)."""
    return bool(obj.get("applicationIds"))


APPLICATION_STATUSES = ("Active", "Hired", "Archived", "Lead")


def map_application(obj: Payload) -> Row:
    """application.list / application.info item (or an application webhook's data) -> Application.

    The recruiter is the hiring-team member whose role is "Recruiter". The candidate is
    required for a new application only; `upsert_records` skips a new one without it.
    """
    row = _said(
        _base(obj, "application"),
        obj,
        {
            "archive_reason": ("archiveReason", _inner("text", text(255))),
            "current_stage_external_id": ("currentInterviewStage", _inner("id", ref)),
            "recruiter_external_id": ("hiringTeam", _recruiter),
        },
    )
    _choice(row, obj, "status", "status", APPLICATION_STATUSES)
    if "createdAt" in obj:
        row["external_created_at"] = _optional_time(obj, "createdAt", "application")
    candidate = application_candidate(obj)
    if candidate is not None:
        row["candidate_external_id"] = candidate
    job = _reference(obj, "job", "jobId")
    if job is not None or "jobId" in obj or obj.get("job", NOT_SAID) is None:
        row["job_external_id"] = job  # a job object without its id says nothing
    return row


def _reference(obj: Payload, embedded: str, key: str) -> str | None:
    return _embedded_id(obj.get(embedded)) or ref(obj.get(key))


def application_candidate(obj: Payload) -> str | None:
    """The id of the application's candidate, when the payload says it."""
    return _reference(obj, "candidate", "candidateId")


def _recruiter(team: Any) -> str | None:
    for member in team if isinstance(team, list) else []:
        if isinstance(member, Mapping) and member.get("role") == RECRUITER_ROLE:
            return ref(member.get("userId"))
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
    """The application's embedded currentInterviewStage as an InterviewStage row, if it names
    its plan (a stage without one cannot be stored as a placeholder)."""
    stage = obj.get("currentInterviewStage")
    if not isinstance(stage, Mapping) or _embedded_id(stage) is None:
        return None
    row = map_interview_stage(stage)
    return row if "plan_external_id" in row else None


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


def application_lacks(obj: Payload) -> list[str]:
    """What a guide needs that this application payload does not say: "job", "recruiter"
    (the hiring team), "candidate". Empty for a complete payload."""
    missing = [] if "jobId" in obj or _embedded_id(obj.get("job")) else ["job"]
    missing += [] if "hiringTeam" in obj else ["recruiter"]
    return missing + ([] if application_candidate(obj) else ["candidate"])


# --- interview schedules and events --------------------------------------------------------


def map_interview_schedule(obj: Payload) -> Row:
    """interviewSchedule.list item (or an interviewSchedule webhook's data) -> InterviewSchedule.
    The application is required for a new schedule only."""
    row = _said(
        _base(obj, "interview schedule"),
        obj,
        {
            "status": ("status", text(40)),
            "stage_external_id": ("interviewStageId", ref),
        },
    )
    application = ref(obj.get("applicationId"))
    if application is not None:
        row["application_external_id"] = application
    return row


def schedule_events(obj: Payload) -> list[Payload]:
    """The interview events embedded in a schedule (`interviewEvents[]`), or [] when absent."""
    events = obj.get("interviewEvents")
    return (
        [event for event in events if isinstance(event, Mapping)]
        if isinstance(events, list)
        else []
    )


def map_interview_event(obj: Payload, *, schedule_id: str | None = None) -> Row:
    """interviewEvent.list item (or a schedule's embedded event) -> InterviewEvent.

    An event is refused with a sentence when its times are missing or impossible: ending
    before it starts, before 2000 or more than about five years ahead."""
    row = _said(
        _base(obj, "interview event"),
        obj,
        {
            "location": ("location", text(500)),
            "meeting_link": ("meetingLink", text(1000)),
        },
    )
    schedule = ref(obj.get("interviewScheduleId")) or schedule_id
    if schedule is None:
        raise MappingError(f"{_label(obj, 'interview event')}: interviewScheduleId is missing.")
    row["schedule_external_id"] = schedule
    interview = _reference(obj, "interview", "interviewId")
    if interview is not None or "interviewId" in obj or obj.get("interview", NOT_SAID) is None:
        row["interview_external_id"] = interview
    start = parse_time(obj, "startTime", "interview event", latest=FUTURE_LIMIT)
    end = parse_time(obj, "endTime", "interview event", latest=FUTURE_LIMIT)
    if end < start:
        raise MappingError(
            f"{_label(obj, 'interview event')} ends ({obj['endTime']}) before it "
            f"starts ({obj['startTime']}); it was not stored."
        )
    return {**row, "start_time": start, "end_time": end}


def event_interviewers(obj: Payload) -> list[Payload]:
    """The users interviewing at an event (`interviewers[]`, full user objects)."""
    people = obj.get("interviewers")
    if isinstance(people, list):
        return [person for person in people if isinstance(person, Mapping) and _embedded_id(person)]
    # `interviewerUserIds` is deprecated but may be all an older payload carries.
    ids = obj.get("interviewerUserIds")
    return [{"id": i} for i in ids if ref(i)] if isinstance(ids, list) else []


def says_interviewers(obj: Payload) -> bool:
    """Whether an event payload lists its interviewers at all (else they are left as stored)."""
    return "interviewers" in obj or "interviewerUserIds" in obj
