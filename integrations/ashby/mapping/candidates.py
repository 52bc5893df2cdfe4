"""Candidates and applications, and what an application payload says about the records
it points at (its candidate, job and stage) or lacks."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Mapping
from functools import cache
from typing import Any

from integrations.ashby.mapping.hiring_process import map_interview_stage
from integrations.ashby.mapping.payload_fields import (
    NOT_SAID,
    RECRUITER_ROLE,
    Notes,
    Payload,
    Row,
    base_row,
    choice,
    cut_text,
    email_address,
    embedded_id,
    inner,
    optional_time,
    ref,
    reference,
    said,
    text,
)

logger = logging.getLogger(__name__)


def map_candidate(obj: Payload, notes: Notes = None) -> Row:
    """candidate.list / candidate.info item -> Candidate. A time zone Guide does not know is
    left out (the stored one stays) and noted: the guide would show wrong times with it."""
    row = said(
        base_row(obj, "candidate"),
        obj,
        {
            "name": ("name", text(255)),
            "email": ("primaryEmailAddress", email_address),
            "location_summary": ("location", inner("locationSummary", text(255))),
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
    row = said(
        base_row(obj, "application"),
        obj,
        {
            "archive_reason": ("archiveReason", inner("text", text(255))),
            "current_stage_external_id": ("currentInterviewStage", inner("id", ref)),
            "recruiter_external_id": ("hiringTeam", _recruiter),
        },
    )
    choice(row, obj, "status", "status", APPLICATION_STATUSES)
    if "createdAt" in obj:
        row["external_created_at"] = optional_time(obj, "createdAt", "application")
    candidate = application_candidate(obj)
    if candidate is not None:
        row["candidate_external_id"] = candidate
    job = reference(obj, "job", "jobId")
    if job is not None or "jobId" in obj or obj.get("job", NOT_SAID) is None:
        row["job_external_id"] = job  # a job object without its id says nothing
    return row


def application_candidate(obj: Payload) -> str | None:
    """The id of the application's candidate, when the payload says it."""
    return reference(obj, "candidate", "candidateId")


def _recruiter(team: Any) -> str | None:
    for member in team if isinstance(team, list) else []:
        if isinstance(member, Mapping) and member.get("role") == RECRUITER_ROLE:
            return ref(member.get("userId"))
    return None


def application_candidate_stub(obj: Payload) -> Row | None:
    """The candidate summary embedded in an application, as a placeholder Candidate row."""
    candidate = obj.get("candidate")
    if not isinstance(candidate, Mapping) or embedded_id(candidate) is None:
        return None
    return {
        "external_id": candidate["id"],
        "external_updated_at": None,
        "name": cut_text(candidate.get("name"), 255),
        "email": email_address(candidate.get("primaryEmailAddress")),
    }


def application_stage(obj: Payload) -> Row | None:
    """The application's embedded currentInterviewStage as an InterviewStage row, if it names
    its plan (a stage without one cannot be stored as a placeholder)."""
    stage = obj.get("currentInterviewStage")
    if not isinstance(stage, Mapping) or embedded_id(stage) is None:
        return None
    row = map_interview_stage(stage)
    return row if "plan_external_id" in row else None


def application_job_stub(obj: Payload) -> Row | None:
    """The job summary embedded in an application, as a placeholder Job row."""
    job = obj.get("job")
    if not isinstance(job, Mapping) or embedded_id(job) is None:
        return None
    return {
        "external_id": job["id"],
        "external_updated_at": None,
        "title": cut_text(job.get("title"), 255),
    }


def application_lacks(obj: Payload) -> list[str]:
    """What a guide needs that this application payload does not say: "job", "recruiter"
    (the hiring team), "candidate". Empty for a complete payload."""
    missing = [] if "jobId" in obj or embedded_id(obj.get("job")) else ["job"]
    missing += [] if "hiringTeam" in obj else ["recruiter"]
    return missing + ([] if application_candidate(obj) else ["candidate"])
