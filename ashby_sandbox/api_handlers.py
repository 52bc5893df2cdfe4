"""One handler per Ashby endpoint: `(ctx, body) -> results dict`, raising ApiError.

`ENDPOINTS` is the dispatch table the API view reads; the permission each endpoint needs is
read from the spec (see `spec.required_permission`).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from ashby_sandbox import models as m
from ashby_sandbox import serializers as s
from ashby_sandbox.api_context import Context, Handler
from ashby_sandbox.api_input import (
    bool_field,
    created_after,
    enum_field,
    get_or_error,
    list_field,
    ms_field,
    uuid_field,
)
from ashby_sandbox.api_webhook_handlers import (
    api_key_info,
    webhook_create,
    webhook_delete,
    webhook_info,
    webhook_update,
)
from ashby_sandbox.api_write import (
    candidate_create_note,
    custom_field_list,
    custom_field_set_value,
    custom_fields_of,
)
from ashby_sandbox.errors import ApiError
from ashby_sandbox.pagination import page

# --- candidates and applications ------------------------------------------------------------


def _candidates(ctx: Context) -> QuerySet:
    qs = m.Candidate.objects.filter(is_deleted=False)
    return qs if ctx.key.allow_confidential else qs.filter(confidential=False)


def _serialize_candidates(rows: list[m.Candidate]) -> list[dict]:
    app_ids: dict[Any, list[str]] = defaultdict(list)
    apps = m.Application.objects.filter(candidate__in=rows, is_deleted=False)
    for cand_id, app_id in apps.order_by("created_at").values_list("candidate_id", "id"):
        app_ids[cand_id].append(str(app_id))
    written = custom_fields_of([c.id for c in rows])
    return [{**s.candidate(c, app_ids[c.id]), "customFields": written[c.id]} for c in rows]


def candidate_list(ctx: Context, body: dict) -> dict:
    return page(
        "candidate.list",
        body,
        lambda show_hidden: created_after(body, _candidates(ctx)),
        _serialize_candidates,
    )


def candidate_info(ctx: Context, body: dict) -> dict:
    if body.get("id") is None and body.get("externalMappingId") is not None:
        raise ApiError("candidate_not_found", "No candidate has that externalMappingId")
    candidate_id = uuid_field(body, "id")
    candidate = get_or_error(_candidates(ctx), "candidate_not_found", "candidate", id=candidate_id)
    return _serialize_candidates([candidate])[0]


def _applications(ctx: Context) -> QuerySet:
    qs = m.Application.objects.filter(is_deleted=False).select_related("candidate", "job", "stage")
    return qs if ctx.key.allow_confidential else qs.filter(job__confidential=False)


def application_list(ctx: Context, body: dict) -> dict:
    status = enum_field(body, "status", ("Hired", "Archived", "Active", "Lead"))
    job_id = uuid_field(body, "jobId", required=False)
    list_field(body, "expand", {"openings"})

    def queryset(show_hidden: bool) -> QuerySet:
        qs = created_after(body, _applications(ctx))
        if status:
            qs = qs.filter(status=status)
        return qs.filter(job_id=job_id) if job_id else qs

    return page(
        "application.list",
        body,
        queryset,
        lambda rows: [s.application(a, ctx.users) for a in rows],
    )


def application_info(ctx: Context, body: dict) -> dict:
    if body.get("applicationId") is None and body.get("submittedFormInstanceId") is not None:
        raise ApiError("application_not_found", "No application has that submittedFormInstanceId")
    application_id = uuid_field(body, "applicationId")
    list_field(body, "expand", {"openings", "applicationFormSubmissions", "referrals"})
    app = get_or_error(
        _applications(ctx), "application_not_found", "application", id=application_id
    )
    return s.application(app, ctx.users)


# --- jobs and interview plans --------------------------------------------------------------------


def _jobs(ctx: Context) -> QuerySet:
    qs = m.Job.objects.select_related("location")
    return qs if ctx.key.allow_confidential else qs.filter(confidential=False)


def job_list(ctx: Context, body: dict) -> dict:
    statuses = list_field(body, "status", {"Draft", "Open", "Closed", "Archived"})
    expand = frozenset(list_field(body, "expand", {"location", "openings"}) or [])
    bounds = {name: ms_field(body, name) for name in ("openedAfter", "openedBefore")}
    bounds |= {name: ms_field(body, name) for name in ("closedAfter", "closedBefore")}

    def queryset(show_hidden: bool) -> QuerySet:
        qs = created_after(body, _jobs(ctx))
        # "To include draft jobs, Draft must be specified in the status param."
        if statuses:
            qs = qs.filter(status__in=statuses)
        elif not show_hidden:
            qs = qs.exclude(status="Draft")
        for name, lookup in (
            ("openedAfter", "opened_at__gt"),
            ("openedBefore", "opened_at__lt"),
            ("closedAfter", "closed_at__gt"),
            ("closedBefore", "closed_at__lt"),
        ):
            if bounds[name] is not None:
                qs = qs.filter(**{lookup: bounds[name]})
        return qs

    return page(
        "job.list", body, queryset, lambda rows: [s.job(j, ctx.users, expand) for j in rows]
    )


def job_info(ctx: Context, body: dict) -> dict:
    job_id = uuid_field(body, "id")
    expand = frozenset(list_field(body, "expand", {"location", "openings"}) or [])
    return s.job(get_or_error(_jobs(ctx), "job_not_found", "job", id=job_id), ctx.users, expand)


def job_interview_plan_info(ctx: Context, body: dict) -> dict:
    job = get_or_error(_jobs(ctx), "job_not_found", "job", id=uuid_field(body, "jobId"))
    if job.interview_plan_id is None:
        raise ApiError("interview_plan_not_found", "This job has no interview plan")
    stages = list(m.InterviewStage.objects.filter(plan_id=job.interview_plan_id))
    by_stage: dict[Any, list[m.Interview]] = defaultdict(list)
    interviews = m.Interview.objects.filter(stage__in=stages, is_archived=False)
    for interview in interviews.filter(job__isnull=True) | interviews.filter(job=job):
        by_stage[interview.stage_id].append(interview)
    return s.job_interview_plan(job, stages, by_stage)


def interview_plan_list(ctx: Context, body: dict) -> dict:
    include_archived = bool_field(body, "includeArchived")

    def queryset(show_hidden: bool) -> QuerySet:
        qs = m.InterviewPlan.objects.all()
        return qs if include_archived or show_hidden else qs.filter(is_archived=False)

    return page(
        "interviewPlan.list", body, queryset, lambda rows: [s.interview_plan(p) for p in rows]
    )


def interview_stage_list(ctx: Context, body: dict) -> dict:
    plan_id = uuid_field(body, "interviewPlanId")
    plan = get_or_error(
        m.InterviewPlan.objects, "interview_plan_not_found", "interview plan", id=plan_id
    )
    stages = m.InterviewStage.objects.filter(plan=plan).order_by("order")
    return {
        "success": True,
        "results": [s.interview_stage(st) for st in stages],
        "moreDataAvailable": False,
    }


def interview_stage_info(ctx: Context, body: dict) -> dict:
    stage_id = uuid_field(body, "interviewStageId")
    return s.interview_stage(
        get_or_error(
            m.InterviewStage.objects, "interview_stage_not_found", "interview stage", id=stage_id
        )
    )


# --- interviews ----------------------------------------------------------------------------


def interview_list(ctx: Context, body: dict) -> dict:
    include_archived = bool_field(body, "includeArchived")
    include_non_shared = bool_field(body, "includeNonSharedInterviews")
    bool_field(body, "excludeArchivedScheduleTemplateInterviews")

    def queryset(show_hidden: bool) -> QuerySet:
        qs = m.Interview.objects.all()
        if not (include_archived or show_hidden):
            qs = qs.filter(is_archived=False)
        # Job-specific interviews only when asked for (includeNonSharedInterviews).
        return qs if include_non_shared or show_hidden else qs.filter(job__isnull=True)

    return page("interview.list", body, queryset, lambda rows: [s.interview(i) for i in rows])


def interview_info(ctx: Context, body: dict) -> dict:
    interview_id = uuid_field(body, "id")
    return s.interview(
        get_or_error(m.Interview.objects, "interview_not_found", "interview", id=interview_id)
    )


def _serialize_schedules(ctx: Context, rows: list[m.InterviewSchedule]) -> list[dict]:
    events: dict[Any, list[m.InterviewEvent]] = defaultdict(list)
    for event in m.InterviewEvent.objects.filter(schedule__in=rows).order_by("start_time"):
        events[event.schedule_id].append(event)
    return [s.interview_schedule(sc, events[sc.id], ctx.users) for sc in rows]


def interview_schedule_list(ctx: Context, body: dict) -> dict:
    application_id = uuid_field(body, "applicationId", required=False)
    stage_id = uuid_field(body, "interviewStageId", required=False)

    def queryset(show_hidden: bool) -> QuerySet:
        qs = created_after(body, m.InterviewSchedule.objects.all())
        if not ctx.key.allow_confidential:
            qs = qs.filter(application__job__confidential=False)
        if application_id:
            qs = qs.filter(application_id=application_id)
        return qs.filter(stage_id=stage_id) if stage_id else qs

    return page(
        "interviewSchedule.list", body, queryset, lambda rows: _serialize_schedules(ctx, rows)
    )


def interview_event_list(ctx: Context, body: dict) -> dict:
    schedule_id = uuid_field(body, "interviewScheduleId")
    expand = list_field(body, "expand", {"interview"}) or []
    schedules = m.InterviewSchedule.objects.all()
    if not ctx.key.allow_confidential:
        schedules = schedules.filter(application__job__confidential=False)
    get_or_error(
        schedules,
        "interview_schedule_not_found",
        "interview schedule",
        id=schedule_id,
    )

    def queryset(show_hidden: bool) -> QuerySet:
        qs = m.InterviewEvent.objects.filter(schedule_id=schedule_id).select_related("interview")
        return created_after(body, qs)

    return page(
        "interviewEvent.list",
        body,
        queryset,
        lambda rows: [s.interview_event(e, ctx.users, "interview" in expand) for e in rows],
    )


# --- organisation --------------------------------------------------------------------------


def user_list(ctx: Context, body: dict) -> dict:
    include_deactivated = bool_field(body, "includeDeactivated")

    def queryset(show_hidden: bool) -> QuerySet:
        qs = m.User.objects.all()
        return qs if include_deactivated or show_hidden else qs.filter(is_enabled=True)

    return page("user.list", body, queryset, lambda rows: [s.user(u) for u in rows])


def user_info(ctx: Context, body: dict) -> dict:
    user_id = uuid_field(body, "userId")
    return s.user(get_or_error(m.User.objects, "user_not_found", "user", id=user_id))


def department_list(ctx: Context, body: dict) -> dict:
    include_archived = bool_field(body, "includeArchived")

    def queryset(show_hidden: bool) -> QuerySet:
        qs = m.Department.objects.all()
        return qs if include_archived or show_hidden else qs.filter(is_archived=False)

    return page("department.list", body, queryset, lambda rows: [s.department(d) for d in rows])


def location_list(ctx: Context, body: dict) -> dict:
    include_archived = bool_field(body, "includeArchived")
    bool_field(body, "includeLocationHierarchy")

    def queryset(show_hidden: bool) -> QuerySet:
        qs = m.Location.objects.all()
        return qs if include_archived or show_hidden else qs.filter(is_archived=False)

    return page("location.list", body, queryset, lambda rows: [s.location(loc) for loc in rows])


# `*.list` handlers return the whole paginated response; the others return `results`.
ENDPOINTS: dict[str, Handler] = {
    "apiKey.info": api_key_info,
    "candidate.list": candidate_list,
    "candidate.info": candidate_info,
    "candidate.createNote": candidate_create_note,
    "customField.list": custom_field_list,
    "customField.setValue": custom_field_set_value,
    "application.list": application_list,
    "application.info": application_info,
    "job.list": job_list,
    "job.info": job_info,
    "jobInterviewPlan.info": job_interview_plan_info,
    "interviewPlan.list": interview_plan_list,
    "interviewStage.list": interview_stage_list,
    "interviewStage.info": interview_stage_info,
    "interview.list": interview_list,
    "interview.info": interview_info,
    "interviewSchedule.list": interview_schedule_list,
    "interviewEvent.list": interview_event_list,
    "user.list": user_list,
    "user.info": user_info,
    "department.list": department_list,
    "location.list": location_list,
    "webhook.create": webhook_create,
    "webhook.info": webhook_info,
    "webhook.update": webhook_update,
    "webhook.delete": webhook_delete,
}
