"""Jobs and the hiring process: interview plans, their stages, interviews."""

from __future__ import annotations

import logging
from typing import Any

from integrations.ashby.mapping.payload_fields import (
    Payload,
    Row,
    base_row,
    choice,
    flag,
    ref,
    said,
    text,
)

logger = logging.getLogger(__name__)


JOB_STATUSES = ("Draft", "Open", "Closed", "Archived")


def map_job(obj: Payload) -> Row:
    """job.list / job.info item (or a jobCreate/jobUpdate webhook's job) -> Job."""
    row = said(
        base_row(obj, "job"),
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
    choice(row, obj, "status", "status", JOB_STATUSES)
    return row


def map_interview_plan(obj: Payload) -> Row:
    """interviewPlan.list item -> InterviewPlan. A plan Ashby lists exists: a mark that
    Ashby once answered "not found" for it is cleared."""
    row = said(
        base_row(obj, "interview plan"),
        obj,
        {"title": ("title", text(255)), "is_archived": ("isArchived", flag)},
    )
    return {**row, "not_found_at": None}


def map_interview_stage(obj: Payload, *, plan_id: str | None = None) -> Row:
    """interviewStage.list item (or an application's currentInterviewStage) -> InterviewStage.

    Stages carry their plan's id; `plan_id` stands in when the payload omits it.
    """
    row = said(
        base_row(obj, "interview stage"),
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
    return said(
        base_row(obj, "interview"),
        obj,
        {
            "title": ("title", text(255)),
            "external_title": ("externalTitle", text(255)),
            "instructions": ("instructionsPlain", text(20000)),
            "is_archived": ("isArchived", flag),
        },
    )
