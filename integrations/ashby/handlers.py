"""Handlers of Ashby webhook deliveries: one function per action, applying the delivery's
`data` to the tenant's records and guides, and returning a short line for the delivery log.

They reuse the sync's mapping (integrations/ashby/mapping.py) and storing functions
(integrations/ashby/storing.py), so a record arriving by webhook is stored exactly as the same
record arriving by sync. Every write goes through the upsert's `updatedAt` guard, so the order
deliveries arrive in does not matter: an older copy after a newer one changes nothing.

Each handler runs inside the caller's transaction and is idempotent. A ValueError
(MappingError) means the payload can never apply; `NotKnownYet` means it may apply later (a
schedule whose application has not arrived yet) and the delivery is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from guides import models as g
from guides.services import ensure_guides, touch_guides
from guides.upsert import insert_missing, upsert_records
from integrations.ashby import errors, mapping
from integrations.ashby.client import INTERACTIVE_RETRY, AshbyClient
from integrations.ashby.storing import (
    Context,
    Counts,
    store_applications,
    store_candidates,
    store_schedules,
)
from integrations.models import AshbyConnection, DeletedCandidate

logger = logging.getLogger(__name__)


class NotKnownYet(Exception):
    """The delivery refers to a record Guide does not have yet; retried later."""


class _AshbyClientOnDemand:
    """The tenant's Ashby client, made only if storing needs Ashby (a schedule payload
    without its events). Webhook processing never calls Ashby otherwise."""

    def __init__(self, tenant: g.Tenant) -> None:
        self.tenant = tenant

    def __getattr__(self, name: str) -> Any:
        from integrations.ashby.client import AshbyClient
        from integrations.models import AshbyConnection

        connection = AshbyConnection.objects.filter(tenant=self.tenant).first()
        if connection is None or not connection.is_usable:
            raise NotKnownYet("The payload needs data from Ashby and Ashby is not connected.")
        return getattr(AshbyClient(connection.api_key), name)


def _context(tenant: g.Tenant) -> Context:
    return Context(run=None, tenant=tenant, client=_AshbyClientOnDemand(tenant))


def _object(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise mapping.MappingError(f"The payload has no {key} object.")
    return value


def _outcome(kind: str, external_id: str, counts: Counts) -> str:
    if counts.skipped:
        raise mapping.MappingError("; ".join(counts.notes) or f"{kind} {external_id} skipped.")
    if counts.created:
        return f"{kind} {external_id} created."
    if counts.updated:
        return f"{kind} {external_id} updated."
    return f"{kind} {external_id} unchanged: the stored copy is as new or newer."


# --- applications ----------------------------------------------------------------------------


def application_changed(tenant: g.Tenant, data: Mapping[str, Any]) -> str:
    """applicationSubmit, applicationUpdate, candidateStageChange, candidateHire.

    The application carries a summary of its candidate and job: each is stored as a
    placeholder when Guide does not have it yet (the sync fills in the rest), and the
    candidate gets a guide. Stage, status and job changes touch the guide.
    """
    application = _object(data, "application")
    row = mapping.map_application(application)  # refuse an unusable payload before writing
    if _deleted(tenant, row["candidate_external_id"]):
        return f"Candidate {row['candidate_external_id']} was deleted in Ashby: ignored."
    job = mapping.application_job_stub(application)
    if job is not None:
        insert_missing(tenant, g.Job, [job])
    counts = Counts()
    store_applications(_context(tenant), [application], counts)
    _fill_in_candidate(tenant, row["candidate_external_id"])
    return _outcome("Application", application["id"], counts)


def _fill_in_candidate(tenant: g.Tenant, external_id: str) -> None:
    """A candidate first seen in an application webhook is only the payload's summary (no
    time zone, no location): fetch the full record once, so a new candidate's guide shows
    times in their own zone at once. Best effort, with quick retries only (this runs inside
    the delivery's transaction): when Ashby cannot answer now, the next sync fills it in."""
    placeholder = g.Candidate.objects.filter(
        tenant=tenant, external_id=external_id, external_updated_at__isnull=True
    )
    if not placeholder.exists():  # the usual case: one indexed query, and done
        return
    connection = AshbyConnection.objects.filter(tenant=tenant).first()
    if connection is None or not connection.is_usable:
        return
    client = AshbyClient(connection.api_key, retry=INTERACTIVE_RETRY)
    try:
        candidate = client.call("candidate.info", {"id": external_id})
    except errors.AshbyError as exc:
        logger.info("candidate.info failed (%s); the next sync fills the candidate in", exc.code)
        return
    store_candidates(_context(tenant), [candidate], Counts())


# --- interview schedules -----------------------------------------------------------------------


def schedule_changed(tenant: g.Tenant, data: Mapping[str, Any]) -> str:
    """interviewScheduleCreate / interviewScheduleUpdate, cancellations included: the payload
    lists the schedule's events, so events it no longer lists are removed from the guide."""
    schedule = _object(data, "interviewSchedule")
    row = mapping.map_interview_schedule(schedule)
    application = row["application_external_id"]
    if _deleted(tenant, schedule.get("candidateId")):
        return f"Candidate {schedule['candidateId']} was deleted in Ashby: ignored."
    if not g.Application.objects.filter(tenant=tenant, external_id=application).exists():
        raise NotKnownYet(f"Application {application} is not known yet.")
    counts = Counts()
    store_schedules(_context(tenant), [schedule], counts)
    return _outcome("Interview schedule", schedule["id"], counts)


# --- jobs ------------------------------------------------------------------------------------


def job_changed(tenant: g.Tenant, data: Mapping[str, Any]) -> str:
    """jobCreate / jobUpdate: the job, and the guides of its candidates when it changed."""
    job = _object(data, "job")
    result = upsert_records(tenant, g.Job, [mapping.map_job(job)])
    if result.updated:
        candidates = g.Application.objects.filter(
            tenant=tenant, job_id__in=result.ids.values()
        ).values_list("candidate_id", flat=True)
        touch_guides(tenant, candidates)
    counts = Counts()
    counts.add(result)
    return _outcome("Job", job["id"], counts)


# --- candidates ------------------------------------------------------------------------------


def _candidate_id(data: Mapping[str, Any], key: str) -> str:
    candidate = _object(data, key)
    value = candidate.get("id")
    if not isinstance(value, str) or not value or len(value) > 64:
        raise mapping.MappingError(f"The payload's {key} has no usable id.")
    return value


def _tombstone(tenant: g.Tenant, external_id: str) -> None:
    DeletedCandidate.objects.get_or_create(tenant=tenant, external_id=external_id)


def _deleted(tenant: g.Tenant, external_id: Any) -> bool:
    """Whether Ashby deleted (or merged away) this candidate: a late delivery about them
    must not bring them back."""
    if not isinstance(external_id, str) or not external_id:
        return False
    return DeletedCandidate.objects.filter(tenant=tenant, external_id=external_id).exists()


def candidate_deleted(tenant: g.Tenant, data: Mapping[str, Any]) -> str:
    """candidateDelete: the candidate, their applications, schedules and guide are deleted."""
    external_id = _candidate_id(data, "candidate")
    _tombstone(tenant, external_id)
    deleted, by_model = g.Candidate.objects.filter(tenant=tenant, external_id=external_id).delete()
    if not deleted:
        return f"Candidate {external_id} was not stored: nothing to delete."
    guides = by_model.get(g.Guide._meta.label, 0)
    return f"Candidate {external_id} deleted with {deleted - 1} related records ({guides} guide)."


def candidate_merged(tenant: g.Tenant, data: Mapping[str, Any]) -> str:
    """candidateMerge: everything of the deleted candidate moves to the surviving one.

    When Guide has only the deleted one, it simply becomes the survivor (same guide, same
    link). When both exist, applications move over; the survivor keeps its guide, or takes
    the deleted candidate's when it had none, so the link the candidate has keeps working.
    """
    gone_id = _candidate_id(data, "deletedCandidate")
    kept_id = _candidate_id(data, "mergedCandidate")
    if gone_id != kept_id:
        _tombstone(tenant, gone_id)
    candidates = g.Candidate.objects.select_for_update().filter(tenant=tenant)
    gone = candidates.filter(external_id=gone_id).first()
    if gone is None or gone_id == kept_id:
        return f"Candidate {gone_id} was not stored: nothing to move."
    kept = candidates.filter(external_id=kept_id).first()
    if kept is None:
        # The next sync or candidate event fills in the survivor's own details.
        candidates.filter(pk=gone.pk).update(external_id=kept_id, external_updated_at=None)
        touch_guides(tenant, [gone.pk])
        return f"Candidate {gone_id} is now {kept_id}."
    moved = g.Application.objects.filter(tenant=tenant, candidate=gone).update(candidate=kept)
    if not g.Guide.objects.filter(candidate=kept).exists():
        g.Guide.objects.filter(candidate=gone).update(candidate=kept)
    gone.delete()
    if g.Application.objects.filter(candidate=kept).exists():
        ensure_guides(tenant, [kept.pk])
    touch_guides(tenant, [kept.pk])
    return f"Candidate {gone_id} merged into {kept_id}: {moved} applications moved."
