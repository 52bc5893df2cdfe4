"""What the sync pages through: each Ashby list endpoint, its fixed request body and how its
records are stored, in an order where what is referred to comes before what refers to it.
The engine (integrations/ashby/sync_engine.py) walks RESOURCES; the stages of the plans are
fetched per plan right after the plans (integrations/ashby/stage_pass.py).
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
RESOURCE_NAMES = [r.name for r in RESOURCES[:4]] + [STAGES] + [r.name for r in RESOURCES[4:]]
