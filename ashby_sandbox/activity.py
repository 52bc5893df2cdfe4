"""Hiring activity in the sandbox, with the webhooks Ashby would send for each change.

The Activity page, `manage.py sandbox_activity` and tests all call these functions. Each
runs in one transaction: the records change (with a new updated_seq, so the next incremental
sync sees them) and the deliveries are queued in the same transaction (the outbox).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
import zoneinfo

from django.db import transaction
from django.utils import timezone

from ashby_sandbox import models as m
from ashby_sandbox import serializers as s
from ashby_sandbox.changes import stamp_new, touch
from ashby_sandbox.seed_data import STAGES
from ashby_sandbox.webhook_sender import emit

logger = logging.getLogger(__name__)


class ActivityError(ValueError):
    """An operation that cannot apply (unknown id, nothing to move to, ...)."""


def _one(model_or_qs, value, what: str):
    qs = model_or_qs.objects.all() if hasattr(model_or_qs, "objects") else model_or_qs
    try:
        return qs.get(id=uuid.UUID(str(value)))
    except (ValueError, qs.model.DoesNotExist):
        raise ActivityError(f"No {what} with id {value}") from None


def _application(application_id) -> m.Application:
    app = _one(
        m.Application.objects.select_related("candidate", "job", "stage"),
        application_id,
        "application",
    )
    if app.is_deleted or app.candidate.is_deleted:
        raise ActivityError(f"Application {application_id} belongs to a deleted candidate")
    return app


def _application_payload(app: m.Application) -> dict:
    app = m.Application.objects.select_related("candidate", "job", "stage").get(id=app.id)
    return {"application": s.application(app, s.UserDirectory())}


def _schedule_payload(schedule: m.InterviewSchedule, with_candidate: bool) -> dict:
    events = list(schedule.events.order_by("start_time"))
    data = s.interview_schedule(schedule, events, s.UserDirectory())
    if with_candidate:
        data["candidateId"] = str(schedule.application.candidate_id)
    return {"interviewSchedule": data}


def _stage(app: m.Application, stage_id=None, stage_type: str | None = None) -> m.InterviewStage:
    stages = m.InterviewStage.objects.filter(plan_id=app.stage.plan_id)
    if stage_id:
        stage = stages.filter(id=stage_id).first()
        if stage is None:
            raise ActivityError("That stage is not in this application's interview plan")
        return stage
    if stage_type:
        stage = stages.filter(type=stage_type).first()
    else:
        stage = stages.filter(order__gt=app.stage.order).exclude(type__in=("Hired", "Archived"))
        stage = stage.order_by("order").first()
    if stage is None:
        raise ActivityError("There is no further stage to move this application to")
    return stage


# --- candidates and applications -----------------------------------------------------------


@transaction.atomic
def add_candidate(
    job_id=None, name: str = "", email: str = "", timezone_name: str = "Europe/Paris"
) -> m.Application:
    """A new candidate applies to a job (applicationSubmit)."""
    # By default the oldest open job that every key can see (not confidential).
    open_jobs = m.Job.objects.filter(
        status="Open", confidential=False, interview_plan__isnull=False
    )
    job = _one(m.Job, job_id, "job") if job_id else open_jobs.order_by("created_at").first()
    if job is None or job.interview_plan_id is None:
        raise ActivityError("No open job with an interview plan to apply to")
    if timezone_name not in zoneinfo.available_timezones():
        raise ActivityError(f"{timezone_name!r} is not an IANA time zone such as Europe/Paris")
    first_stage = m.InterviewStage.objects.filter(plan_id=job.interview_plan_id)
    first_stage = first_stage.exclude(type="Lead").order_by("order").first()
    name = name or f"Candidate {random.randint(1000, 9999)}"
    email = email or f"{name.lower().replace(' ', '.')}@example.com"
    candidate = m.Candidate(
        name=name, email=email, timezone=timezone_name, source="Company Website"
    )
    candidate.confidential = job.confidential
    stamp_new(candidate).save()
    app = m.Application(candidate=candidate, job=job, stage=first_stage, source="Company Website")
    stamp_new(app).save()
    emit("applicationSubmit", {"applicationSubmit": _application_payload(app)})
    return app


@transaction.atomic
def move_stage(application_id, stage_id=None) -> m.Application:
    """Move an application to a stage (the next one by default): candidateStageChange and
    its related applicationUpdate."""
    app = _application(application_id)
    stage = _stage(app, stage_id)
    if stage.type in ("Hired", "Archived"):
        raise ActivityError("Use hire or archive to move to the Hired or Archived stage")
    app.stage = stage
    app.status = "Lead" if stage.type == "Lead" else "Active"
    app.archived_at, app.archive_reason = None, ""
    touch(app)
    app.save()
    payload = _application_payload(app)
    emit("candidateStageChange", {"candidateStageChange": payload, "applicationUpdate": payload})
    return app


@transaction.atomic
def hire(application_id) -> m.Application:
    """Hire the candidate: candidateHire with applicationUpdate and candidateStageChange."""
    app = _application(application_id)
    app.stage = _stage(app, stage_type="Hired")
    app.status, app.hired_at = "Hired", timezone.now()
    touch(app)
    app.save()
    payload = _application_payload(app)
    offer = s.offer_for_hire(app, s.UserDirectory(), app.hired_at)
    emit(
        "candidateHire",
        {
            "candidateHire": {**payload, "offer": offer},
            "applicationUpdate": payload,
            "candidateStageChange": payload,
        },
    )
    return app


@transaction.atomic
def archive(application_id, reason: str = "Not a fit") -> m.Application:
    """Archive an application (moves it to the Archived stage): candidateStageChange and
    applicationUpdate."""
    app = _application(application_id)
    app.stage = _stage(app, stage_type="Archived")
    app.status, app.archive_reason, app.archived_at = "Archived", reason, timezone.now()
    touch(app)
    app.save()
    payload = _application_payload(app)
    emit("candidateStageChange", {"candidateStageChange": payload, "applicationUpdate": payload})
    return app


@transaction.atomic
def delete_candidate(candidate_id) -> m.Candidate:
    """Delete a candidate (kept as a tombstone the API never returns): candidateDelete."""
    candidate = _one(m.Candidate, candidate_id, "candidate")
    if candidate.is_deleted:
        raise ActivityError("That candidate is already deleted")
    candidate.is_deleted = True
    touch(candidate)
    candidate.save()
    for app in candidate.applications.all():
        app.is_deleted = True
        touch(app)
        app.save()
    emit("candidateDelete", {"candidateDelete": {"candidate": {"id": str(candidate.id)}}})
    return candidate


@transaction.atomic
def merge_candidates(keep_id, remove_id) -> m.Candidate:
    """Merge `remove` into `keep`: its applications move over and it disappears
    (candidateMerge with deletedCandidate / mergedCandidate)."""
    keep = _one(m.Candidate, keep_id, "candidate")
    remove = _one(m.Candidate, remove_id, "candidate")
    if keep.id == remove.id or keep.is_deleted or remove.is_deleted:
        raise ActivityError("Merge needs two different, existing candidates")
    for app in remove.applications.all():
        app.candidate = keep
        touch(app)
        app.save()
    keep.confidential = keep.confidential or remove.confidential
    touch(keep)
    keep.save()
    remove.is_deleted, remove.merged_into = True, keep
    touch(remove)
    remove.save()
    emit(
        "candidateMerge",
        {
            "candidateMerge": {
                "deletedCandidate": {"id": str(remove.id)},
                "mergedCandidate": {"id": str(keep.id)},
            }
        },
    )
    return keep


# --- interviews ----------------------------------------------------------------------------


@transaction.atomic
def schedule_interview(
    application_id, start: dt.datetime | None = None, meeting_link: str = "", location: str = ""
) -> m.InterviewSchedule:
    """Schedule the interviews of the application's current stage (or its next interview
    stage): interviewScheduleCreate and its related interviewScheduleUpdate."""
    app = _application(application_id)
    stage = app.stage
    interviews = list(m.Interview.objects.filter(stage=stage, is_archived=False))
    if not interviews:
        stage = _stage(app)
        interviews = list(m.Interview.objects.filter(stage=stage, is_archived=False))
    if not interviews:
        raise ActivityError("This application's next stages have no interviews to schedule")
    start = start or (timezone.now() + dt.timedelta(days=3)).replace(
        minute=0, second=0, microsecond=0
    )
    if not (meeting_link or location):
        meeting_link = f"https://meet.example.com/{uuid.uuid4().hex[:10]}"
    users = list(m.User.objects.filter(is_enabled=True)[:3])
    schedule = stamp_new(
        m.InterviewSchedule(
            application=app,
            stage=stage,
            status="Scheduled",
            scheduled_by=users[0] if users else None,
        )
    )
    schedule.save()
    for interview in interviews:
        end = start + dt.timedelta(minutes=interview.duration_minutes)
        event = m.InterviewEvent(
            schedule=schedule,
            interview=interview,
            start_time=start,
            end_time=end,
            interviewer_ids=[str(u.id) for u in users[:2]],
            meeting_link=meeting_link,
            location=location,
        )
        stamp_new(event).save()
        start = end + dt.timedelta(minutes=15)
    emit(
        "interviewScheduleCreate",
        {
            "interviewScheduleCreate": _schedule_payload(schedule, with_candidate=False),
            "interviewScheduleUpdate": _schedule_payload(schedule, with_candidate=True),
        },
    )
    return schedule


def _schedule(schedule_id) -> m.InterviewSchedule:
    return _one(
        m.InterviewSchedule.objects.select_related("application"), schedule_id, "interview schedule"
    )


@transaction.atomic
def reschedule_interview(schedule_id, start: dt.datetime) -> m.InterviewSchedule:
    """Move every event of a schedule so the first starts at `start`: interviewScheduleUpdate."""
    schedule = _schedule(schedule_id)
    if schedule.status == "Cancelled":
        raise ActivityError("A cancelled schedule cannot be rescheduled")
    events = list(schedule.events.order_by("start_time"))
    shift = start - events[0].start_time if events else dt.timedelta()
    for event in events:
        event.start_time += shift
        event.end_time += shift
        touch(event)
        event.save()
    schedule.status = "Scheduled"
    touch(schedule)
    schedule.save()
    emit("interviewScheduleUpdate", {"interviewScheduleUpdate": _schedule_payload(schedule, True)})
    return schedule


@transaction.atomic
def cancel_interview(schedule_id) -> m.InterviewSchedule:
    """Cancel a schedule: interviewScheduleUpdate with status Cancelled."""
    schedule = _schedule(schedule_id)
    schedule.status = "Cancelled"
    touch(schedule)
    schedule.save()
    emit("interviewScheduleUpdate", {"interviewScheduleUpdate": _schedule_payload(schedule, True)})
    return schedule


# --- jobs ----------------------------------------------------------------------------------


@transaction.atomic
def create_job(title: str, status: str = "Open", department_id=None, location_id=None) -> m.Job:
    """Create a job with a copy of the standard interview plan: jobCreate."""
    if status not in dict(m.Job.STATUSES):
        raise ActivityError(f"Unknown job status {status!r}")
    plan = stamp_new(m.InterviewPlan(title=f"{title} Interview Plan"))
    plan.save()
    for order, (stage_title, kind) in enumerate(STAGES):
        stamp_new(m.InterviewStage(plan=plan, title=stage_title, type=kind, order=order)).save()
    job = m.Job(
        title=title,
        status=status,
        interview_plan=plan,
        department=_one(m.Department, department_id, "department")
        if department_id
        else m.Department.objects.first(),
        location=_one(m.Location, location_id, "location")
        if location_id
        else m.Location.objects.filter(is_archived=False).first(),
        opened_at=timezone.now() if status == "Open" else None,
    )
    stamp_new(job).save()
    emit("jobCreate", {"jobCreate": {"job": s.job(job, s.UserDirectory())}})
    return job


@transaction.atomic
def update_job(job_id, title: str | None = None, status: str | None = None) -> m.Job:
    """Change a job's title or status: jobUpdate."""
    job = _one(m.Job, job_id, "job")
    if status is not None:
        if status not in dict(m.Job.STATUSES):
            raise ActivityError(f"Unknown job status {status!r}")
        if status == "Open" and job.opened_at is None:
            job.opened_at = timezone.now()
        if status in ("Closed", "Archived") and job.closed_at is None:
            job.closed_at = timezone.now()
        job.status = status
    if title:
        job.title = title
    touch(job)
    job.save()
    emit("jobUpdate", {"jobUpdate": {"job": s.job(job, s.UserDirectory())}})
    return job
