"""A complete, fixed set of a tenant's records for the property-based tests of the webhook
handlers and the sync's storing (test_spec_webhooks.py, test_spec_sync_pages.py), and how to
check that a payload which does not mention a field leaves it as stored.

Every example of those tests starts from the same records (`seed_records`, inside
`rolled_back()`: a savepoint undone after the example, so no example sees another's rows).
Each stored column is listed with the payload keys it comes from (`*_SOURCES`): a column whose
keys are all absent from a payload about its record was not "said" and must keep its value;
columns with no source (what is edited in Guide) must never change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from guides import models as g
from tests.integrations.spec_strategies import Path, present

T0 = dt.datetime(2026, 1, 1, 9, 0, tzinfo=dt.UTC)
NEWER = "2026-01-02T09:00:00.000Z"  # later than every seeded record's updatedAt

Sources = Mapping[str, tuple[Path, ...]]  # column (attname) -> payload key paths

# --- what each column is taken from, in a payload about that record -------------------------

CANDIDATE_SOURCES: Sources = {
    "name": (("name",),),
    "email": (("primaryEmailAddress", "value"),),
    "timezone": (("timezone",),),
    "location_summary": (("location", "locationSummary"),),
    "external_updated_at": (("updatedAt",),),
}
# An application's embedded candidate summary ({id, name, primaryEmailAddress}).
CANDIDATE_SUMMARY_SOURCES: Sources = {
    "name": (("name",),),
    "email": (("primaryEmailAddress", "value"),),
}
APPLICATION_SOURCES: Sources = {
    "candidate_id": (("candidate", "id"), ("candidateId",)),
    "job_id": (("job", "id"), ("jobId",)),
    "status": (("status",),),
    "current_stage_id": (("currentInterviewStage", "id"),),
    "recruiter_id": (("hiringTeam",),),
    "archive_reason": (("archiveReason", "text"),),
    "external_created_at": (("createdAt",),),
    "external_updated_at": (("updatedAt",),),
}
JOB_SOURCES: Sources = {
    "title": (("title",),),
    "status": (("status",),),
    "employment_type": (("employmentType",),),
    "confidential": (("confidential",),),
    "department_id": (("departmentId",),),
    "location_id": (("locationId",),),
    "interview_plan_id": (("defaultInterviewPlanId",),),
    "external_updated_at": (("updatedAt",),),
}
JOB_SUMMARY_SOURCES: Sources = {"title": (("title",),)}
STAGE_SOURCES: Sources = {
    "plan_id": (("interviewPlanId",),),
    "title": (("title",),),
    "stage_type": (("type",),),
    "order": (("orderInInterviewPlan",),),
    "external_updated_at": (("updatedAt",),),
}
SCHEDULE_SOURCES: Sources = {
    "application_id": (("applicationId",),),
    "stage_id": (("interviewStageId",),),
    "status": (("status",),),
    "external_updated_at": (("updatedAt",),),
}
EVENT_SOURCES: Sources = {
    "interview_id": (("interviewId",), ("interview", "id")),
    "start_time": (("startTime",),),
    "end_time": (("endTime",),),
    "location": (("location",),),
    "meeting_link": (("meetingLink",),),
    "external_updated_at": (("updatedAt",),),
    "interviewers": (("interviewers",), ("interviewerUserIds",)),
}
USER_SOURCES: Sources = {
    "first_name": (("firstName",),),
    "last_name": (("lastName",),),
    "email": (("email",),),
    "is_enabled": (("isEnabled",),),
    "external_updated_at": (("updatedAt",),),
}
DEPARTMENT_SOURCES: Sources = {
    "name": (("name",),),
    "is_archived": (("isArchived",),),
    "parent_external_id": (("parentId",),),
    "external_updated_at": (("updatedAt",),),
}
LOCATION_SOURCES: Sources = {
    "name": (("name",),),
    "is_archived": (("isArchived",),),
    "workplace_type": (("workplaceType",),),
    "external_updated_at": (("updatedAt",),),
}
PLAN_SOURCES: Sources = {
    "title": (("title",),),
    "is_archived": (("isArchived",),),
    "external_updated_at": (("updatedAt",),),
}
INTERVIEW_SOURCES: Sources = {
    "title": (("title",),),
    "external_title": (("externalTitle",),),
    "instructions": (("instructionsPlain",),),
    "is_archived": (("isArchived",),),
    "external_updated_at": (("updatedAt",),),
}

# Every column compared, per model: the synced ones and those edited in Guide only.
COLUMNS: dict[type, tuple[str, ...]] = {
    g.Department: ("name", "is_archived", "parent_external_id", "external_updated_at"),
    g.Location: ("name", "is_archived", "workplace_type", "external_updated_at"),
    g.Interviewer: (
        *("first_name", "last_name", "email", "is_enabled", "external_updated_at"),
        *("display_name", "title", "photo_url", "pronouns", "bio", "linkedin_url"),
    ),
    g.InterviewPlan: ("title", "is_archived", "external_updated_at"),
    g.InterviewStage: (
        *("plan_id", "title", "stage_type", "order", "external_updated_at"),
        *("candidate_title", "what_to_expect"),
    ),
    g.Job: tuple(JOB_SOURCES),
    g.Interview: tuple(INTERVIEW_SOURCES),
    g.Candidate: tuple(CANDIDATE_SOURCES),
    g.Application: tuple(APPLICATION_SOURCES),
    g.InterviewSchedule: tuple(SCHEDULE_SOURCES),
    g.InterviewEvent: ("schedule_id", *EVENT_SOURCES),
}


# --- the seeded records ----------------------------------------------------------------------


@dataclass
class Seed:
    department: g.Department
    location: g.Location
    recruiter: g.Interviewer
    plan: g.InterviewPlan
    screen: g.InterviewStage
    onsite: g.InterviewStage
    job: g.Job
    interview: g.Interview
    candidate: g.Candidate
    other_candidate: g.Candidate  # no application, no guide (a merge's survivor)
    application: g.Application
    guide: g.Guide
    schedule: g.InterviewSchedule
    event: g.InterviewEvent
    rows: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rows = {
            name: getattr(self, name)
            for name in (
                "department",
                "location",
                "recruiter",
                "plan",
                "screen",
                "onsite",
                "job",
                "interview",
                "candidate",
                "other_candidate",
                "application",
                "schedule",
                "event",
            )
        }


def seed_records(tenant: g.Tenant) -> Seed:
    """Complete records, every column holding a value a lost field would change."""
    mk = {"tenant": tenant, "external_updated_at": T0}
    department = g.Department.objects.create(
        **mk, external_id="dept-1", name="Engineering", is_archived=True, parent_external_id="d0"
    )
    location = g.Location.objects.create(
        **mk, external_id="loc-1", name="Lisbon", is_archived=True, workplace_type="Hybrid"
    )
    recruiter = g.Interviewer.objects.create(
        **mk,
        external_id="user-1",
        first_name="Rita",
        last_name="Recruiter",
        email="rita@acme.example",
        is_enabled=False,
        display_name="Rita R.",
        title="Talent partner",
        photo_url="https://acme.example/rita.png",
        pronouns="she/her",
        bio="Rita runs the process.",
        linkedin_url="https://linkedin.example/rita",
    )
    plan = g.InterviewPlan.objects.create(
        **mk, external_id="plan-1", title="Engineering plan", is_archived=True
    )
    screen = g.InterviewStage.objects.create(
        **mk, external_id="stage-1", plan=plan, title="Screen", stage_type="PreInterviewScreen"
    )
    onsite = g.InterviewStage.objects.create(
        **mk,
        external_id="stage-2",
        plan=plan,
        title="Onsite",
        stage_type="Active",
        order=2,
        candidate_title="Meet the team",
        what_to_expect="Four conversations.",
    )
    job = g.Job.objects.create(
        **mk,
        external_id="job-1",
        title="Staff Engineer",
        status="Closed",
        employment_type="FullTime",
        confidential=True,
        department=department,
        location=location,
        interview_plan=plan,
    )
    interview = g.Interview.objects.create(
        **mk,
        external_id="interview-1",
        title="Systems design",
        external_title="Design with us",
        instructions="Bring questions.",
        is_archived=True,
    )
    candidate = g.Candidate.objects.create(
        **mk,
        external_id="cand-1",
        name="Ada Lovelace",
        email="ada@example.com",
        timezone="Europe/Lisbon",
        location_summary="Lisbon, Portugal",
    )
    other = g.Candidate.objects.create(
        **mk, external_id="cand-2", name="Grace Hopper", email="grace@example.com"
    )
    application = g.Application.objects.create(
        **mk,
        external_id="app-1",
        candidate=candidate,
        job=job,
        status="Archived",
        current_stage=onsite,
        recruiter=recruiter,
        archive_reason="Withdrew",
        external_created_at=T0 - dt.timedelta(days=30),
    )
    guide = g.Guide.objects.create(tenant=tenant, candidate=candidate)
    schedule = g.InterviewSchedule.objects.create(
        **mk, external_id="sched-1", application=application, stage=onsite, status="Scheduled"
    )
    event = g.InterviewEvent.objects.create(
        **mk,
        external_id="event-1",
        schedule=schedule,
        interview=interview,
        start_time=T0 + dt.timedelta(days=10),
        end_time=T0 + dt.timedelta(days=10, hours=1),
        location="Room 4",
        meeting_link="https://meet.example/abc",
    )
    event.interviewers.set([recruiter])
    return Seed(
        department,
        location,
        recruiter,
        plan,
        screen,
        onsite,
        job,
        interview,
        candidate,
        other,
        application,
        guide,
        schedule,
        event,
    )


class _Rollback(Exception):
    pass


@contextlib.contextmanager
def rolled_back() -> Iterator[None]:
    """Run the block in a savepoint that is always undone: one Hypothesis example's rows are
    gone before the next example starts (the test's own transaction stays open)."""
    try:
        with transaction.atomic():
            yield
            raise _Rollback
    except _Rollback:
        pass


# --- snapshots and the "not said, so kept" check -------------------------------------------


def snapshot(seed: Seed) -> dict[str, dict[str, Any] | None]:
    """The compared columns of every seeded record (None for a record that is gone)."""
    out = {}
    for name, row in seed.rows.items():
        model = type(row)
        columns = [c for c in COLUMNS[model] if c != "interviewers"]
        values = model.objects.filter(pk=row.pk).values(*columns).first()
        if values is not None and model is g.InterviewEvent:
            values["interviewers"] = sorted(
                row.interviewers.through.objects.filter(interviewevent_id=row.pk).values_list(
                    "interviewer_id", flat=True
                )
            )
        out[name] = values
    return out


@dataclass(frozen=True)
class About:
    """What a payload says about one seeded record: the object that describes it (None: the
    payload says nothing about the record) and where each column comes from in it."""

    obj: Mapping[str, Any] | None = None
    sources: Sources = field(default_factory=dict)
    may_vanish: bool = False  # the payload may legitimately delete the record
    says_all: bool = False  # the payload may change any column (e.g. a merge's renaming)


def lost_fields(
    before: Mapping[str, Mapping[str, Any] | None],
    after: Mapping[str, Mapping[str, Any] | None],
    about: Mapping[str, About],
) -> list[str]:
    """Every column that changed although the payload did not say it (its keys are all
    absent), or a record that went although nothing said it should."""
    problems = []
    for name, old in before.items():
        said = about.get(name, About())
        new = after[name]
        if old is None:
            continue
        if new is None:
            if not said.may_vanish:
                problems.append(f"{name} was deleted")
            continue
        if said.says_all:
            continue
        for column, old_value in old.items():
            paths = said.sources.get(column, ()) if said.obj is not None else ()
            if any(present(said.obj, path) for path in paths):
                continue
            if new[column] != old_value:
                keys = " / ".join(".".join(p) for p in paths) or "(no source: kept always)"
                problems.append(f"{name}.{column}: {old_value!r} -> {new[column]!r} [{keys}]")
    return problems
