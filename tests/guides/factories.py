"""Small factory helpers for the tenant's hiring data, written with the ORM directly (as the
sync would leave it). Every helper takes the tenant explicitly and returns the saved row."""

from __future__ import annotations

import datetime as dt
import itertools

from guides.models import (
    Application,
    Candidate,
    Department,
    Guide,
    Interview,
    Interviewer,
    InterviewEvent,
    InterviewPlan,
    InterviewSchedule,
    InterviewStage,
    Job,
    Location,
)
from tenants.models import Tenant

_ids = itertools.count(1)

UTC = dt.UTC


def ext(prefix: str) -> str:
    return f"{prefix}-{next(_ids):06d}"


def at(text: str) -> dt.datetime:
    """An aware UTC datetime from '2026-03-08 15:00'."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def interviewer(tenant: Tenant, first_name: str = "Ines", last_name: str = "Park", **extra):
    extra.setdefault("email", f"{first_name.lower()}.{last_name.lower()}@{tenant.slug}.test")
    return Interviewer.objects.create(
        tenant=tenant,
        external_id=ext("user"),
        first_name=first_name,
        last_name=last_name,
        **extra,
    )


def plan_with_stages(tenant: Tenant, stages: list[tuple[str, str]] | None = None, **extra):
    """An interview plan and its stages, given as (title, stage_type), in order."""
    stages = stages or [
        ("New lead", "Lead"),
        ("Application review", "PreInterviewScreen"),
        ("Recruiter screen", "Active"),
        ("Onsite", "Active"),
        ("Offer", "Offer"),
        ("Hired", "Hired"),
        ("Archived", "Archived"),
    ]
    plan = InterviewPlan.objects.create(
        tenant=tenant, external_id=ext("plan"), title=extra.pop("title", "Engineering plan")
    )
    for order, (title, stage_type) in enumerate(stages):
        InterviewStage.objects.create(
            tenant=tenant,
            external_id=ext("stage"),
            plan=plan,
            title=title,
            stage_type=stage_type,
            order=order,
        )
    return plan


def stage(plan: InterviewPlan, title: str) -> InterviewStage:
    return plan.stages.get(title=title)


def job(tenant: Tenant, title: str = "Backend Engineer", *, plan=None, **extra) -> Job:
    department = Department.objects.create(
        tenant=tenant, external_id=ext("dept"), name=extra.pop("department", "Engineering")
    )
    location = Location.objects.create(
        tenant=tenant, external_id=ext("loc"), name=extra.pop("location", "Lisbon")
    )
    return Job.objects.create(
        tenant=tenant,
        external_id=ext("job"),
        title=title,
        department=department,
        location=location,
        interview_plan=plan if plan is not None else plan_with_stages(tenant),
        **extra,
    )


def candidate(tenant: Tenant, name: str = "Ada Lovelace", **extra) -> Candidate:
    extra.setdefault("email", f"{name.split()[0].lower()}@example.com")
    return Candidate.objects.create(tenant=tenant, external_id=ext("cand"), name=name, **extra)


def application(
    tenant: Tenant, cand: Candidate, the_job: Job, *, stage_title: str | None = "Onsite", **extra
) -> Application:
    current = stage(the_job.interview_plan, stage_title) if stage_title else None
    return Application.objects.create(
        tenant=tenant,
        external_id=ext("app"),
        candidate=cand,
        job=the_job,
        current_stage=current,
        **extra,
    )


def guide(tenant: Tenant, cand: Candidate) -> Guide:
    return Guide.objects.create(tenant=tenant, candidate=cand)


def interview(tenant: Tenant, title: str = "Systems design", external_title: str = "") -> Interview:
    return Interview.objects.create(
        tenant=tenant, external_id=ext("interview"), title=title, external_title=external_title
    )


def schedule(tenant: Tenant, app: Application, status: str = "Scheduled") -> InterviewSchedule:
    return InterviewSchedule.objects.create(
        tenant=tenant, external_id=ext("sched"), application=app, status=status
    )


def event(
    tenant: Tenant,
    sched: InterviewSchedule,
    start: dt.datetime,
    *,
    minutes: int = 60,
    the_interview: Interview | None = None,
    interviewers: list[Interviewer] = (),
    **extra,
) -> InterviewEvent:
    created = InterviewEvent.objects.create(
        tenant=tenant,
        external_id=extra.pop("external_id", ext("event")),
        schedule=sched,
        interview=the_interview,
        start_time=start,
        end_time=start + dt.timedelta(minutes=minutes),
        **extra,
    )
    if interviewers:
        created.interviewers.set(interviewers)
    return created


def candidate_with_guide(tenant: Tenant, name: str = "Ada Lovelace", **candidate_extra):
    """A candidate with an active application at the Onsite stage of a fresh job, and a guide."""
    cand = candidate(tenant, name, **candidate_extra)
    the_job = job(tenant)
    app = application(tenant, cand, the_job)
    return guide(tenant, cand), app
