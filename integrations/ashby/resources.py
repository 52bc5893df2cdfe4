"""What the sync pages through: each Ashby list endpoint, its fixed request body and how its
records are stored, in an order where what is referred to comes before what refers to it.
The engine (integrations/ashby/sync_engine.py) runs the STEPS, each once what it refers to
is in; the stages of the plans are fetched per plan (integrations/ashby/stage_pass.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from guides import models as g
from integrations.ashby import mapping
from integrations.ashby.storing import (
    Context,
    Counts,
    fetch_schedule_events,
    simple_store,
    store_applications,
    store_candidates,
    store_schedules,
)


@dataclass(frozen=True)
class Resource:
    """One Ashby list endpoint and how its records are stored."""

    name: str
    endpoint: str
    body: dict[str, Any]
    store: Callable[[Context, Sequence[dict[str, Any]], Counts], None]
    model: type[g.SyncedRecord]
    # After a full pass, what happens to records not returned: "delete", or field values.
    on_missing: str | dict[str, Any] = "delete"
    # What a page needs from Ashby besides itself, asked before the page's transaction opens.
    fetch: Callable[[Context, list], list] | None = None


# --- the resources, in order -----------------------------------------------------------------
# Interview plans come before jobs (a job points at its default plan) and their stages are
# fetched right after the plans; otherwise the order of the issue.

RESOURCES: tuple[Resource, ...] = (
    Resource(
        "departments",
        "department.list",
        {"includeArchived": True},
        simple_store(g.Department, mapping.map_department),
        g.Department,
        {"is_archived": True},
    ),
    Resource(
        "locations",
        "location.list",
        {"includeArchived": True},
        simple_store(g.Location, mapping.map_location),
        g.Location,
        {"is_archived": True},
    ),
    Resource(
        "users",
        "user.list",
        {"includeDeactivated": True},
        simple_store(g.Interviewer, mapping.map_user),
        g.Interviewer,
        {"is_enabled": False},
    ),
    Resource(
        "interview_plans",
        "interviewPlan.list",
        {"includeArchived": True},
        simple_store(g.InterviewPlan, mapping.map_interview_plan),
        g.InterviewPlan,
        {"is_archived": True},
    ),
    Resource(
        "jobs",
        "job.list",
        {"status": ["Draft", "Open", "Closed", "Archived"]},
        simple_store(g.Job, mapping.map_job),
        g.Job,
    ),
    Resource(
        "interviews",
        "interview.list",
        {"includeArchived": True, "includeNonSharedInterviews": True},
        simple_store(g.Interview, mapping.map_interview),
        g.Interview,
        {"is_archived": True},
    ),
    Resource("candidates", "candidate.list", {}, store_candidates, g.Candidate),
    Resource("applications", "application.list", {}, store_applications, g.Application),
    Resource(
        "interview_schedules",
        "interviewSchedule.list",
        {},
        store_schedules,
        g.InterviewSchedule,
        fetch=fetch_schedule_events,
    ),
)
STAGES = "interview_stages"  # fetched per plan after the plans; no syncToken


@dataclass(frozen=True)
class Step:
    """One pass of a sync and what must be done before it starts: `after` always,
    `after_unless_full` unless the pass is a full one."""

    name: str
    after: tuple[str, ...] = ()
    after_unless_full: tuple[str, ...] = ()


# --- the steps of a sync, in the order they are started ----------------------------------------
# A guide needs its candidate, application, job and current stage: the candidates start at
# once (they refer to nothing), the applications as soon as the jobs and users are in; the
# interview plans' stages (one call per plan) and the schedules come after. A step starts once
# the steps it refers to are done (an optional reference to a record not stored yet would be
# left empty: storing.py), and runs beside the other started steps, within the tenant's
# share of the request budget (integrations/fetch_pool.py). The applications wait for the
# candidates unless their pass is full: a full candidates pass that deletes candidates takes
# applications with them, which only a full applications pass brings back.

STEPS: tuple[Step, ...] = (
    Step("departments"),
    Step("locations"),
    Step("users"),
    Step("interview_plans"),
    Step("interviews"),
    Step("candidates"),
    Step("jobs", after=("departments", "locations", "users", "interview_plans")),
    Step("applications", after=("jobs", "users"), after_unless_full=("candidates",)),
    Step(STAGES, after=("interview_plans",)),
    Step("interview_schedules", after=("applications", "interviews", "users", STAGES)),
)
RESOURCE_NAMES = [step.name for step in STEPS]
BY_NAME = {resource.name: resource for resource in RESOURCES}
