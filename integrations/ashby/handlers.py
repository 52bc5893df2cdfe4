"""Handlers of Ashby webhook deliveries: one function per action, applying the delivery's
`data` to the tenant's records and guides, and returning a short line for the delivery log.

They reuse the sync's mapping (integrations/ashby/mapping/) and storing functions
(integrations/ashby/storing.py), so a record arriving by webhook is stored exactly as the same
record arriving by sync. Every write goes through the upsert's `updatedAt` guard, so the order
deliveries arrive in does not matter: an older copy after a newer one changes nothing. What a
payload does not say is left as stored (real deliveries omit fields the spec calls required).

Two steps per delivery (integrations/deliveries.py runs them):
- `fetch_for_*` runs first, with no transaction open: where the guide needs something the
  delivery lacks (a new application's job, recruiter or candidate; a schedule's events), it
  asks Ashby once, with quick retries only. When Ashby cannot answer, the rest is applied
  and the outcome says what the next sync fills in.
- the handler runs inside the caller's transaction and is idempotent. A ValueError
  (MappingError) means the payload can never apply; `NotKnownYet` means it may apply later (a
  schedule whose application has not arrived yet) and the delivery is retried.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from guides import models as g
from guides.personal_data import LABEL as ROWS
from guides.services import ensure_guides, touch_guides
from guides.upsert import insert_missing, upsert_records
from integrations.ashby import errors, mapping
from integrations.ashby.client import INTERACTIVE_RETRY, AshbyClient
from integrations.ashby.mentions import APPLICATION
from integrations.ashby.storing import (
    Context,
    Counts,
    events_from_ashby,
    store_applications,
    store_candidates,
    store_schedules,
)
from integrations.erasure import erase_candidate, erase_merged_away
from integrations.models import AshbyConnection, DeletedCandidate

logger = logging.getLogger(__name__)


class NotKnownYet(Exception):
    """The delivery refers to a record Guide does not have yet; retried later."""


@dataclass
class Fetched:
    """What was asked of Ashby for one delivery before its transaction, and what could not be."""

    records: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _context(tenant: g.Tenant) -> Context:
    return Context(run=None, tenant=tenant, client=None)  # never call Ashby in a transaction


def _object(data: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise mapping.MappingError(f"The payload has no {key} object.")
    return value


def _outcome(kind: str, external_id: str, counts: Counts, notes: list[str] = ()) -> str:
    """The delivery's line: what happened to its record, then what was skipped or left for
    the next sync. The record itself not stored fails the delivery with the reason."""
    notes = [*counts.notes, *(n for n in notes if n not in counts.notes)]
    if external_id in counts.skipped_ids:
        raise mapping.MappingError(" ".join(notes))
    if counts.created:
        line = f"{kind} {external_id} created."
    elif counts.updated:
        line = f"{kind} {external_id} updated."
    else:
        line = f"{kind} {external_id} unchanged: the stored copy is as new or newer."
    return " ".join([line, *notes])


def _client(tenant: g.Tenant) -> AshbyClient | None:
    connection = AshbyConnection.objects.filter(tenant=tenant).first()
    if connection is None or not connection.is_usable:
        return None
    return AshbyClient(connection.api_key, retry=INTERACTIVE_RETRY, tenant_id=tenant.pk)


def _ask(client: AshbyClient | None, endpoint: str, body: dict, what: str, fetched: Fetched):
    """One call to Ashby for something the delivery lacks; None (and a note) when Ashby is
    not connected or cannot answer now."""
    if client is None:
        fetched.notes.append(f"{what} Ashby is not connected, so the next sync fills it in.")
        return None
    try:
        return client.call(endpoint, body)
    except errors.AshbyError as exc:
        logger.info("%s failed (%s); the next sync fills it in", endpoint, exc.code)
        fetched.notes.append(f"{what} Ashby could not answer just now; the next sync fills it in.")
        return None


# --- applications ----------------------------------------------------------------------------


@dataclass
class Known:
    """What Guide has of some applications' records, read once (for one delivery, or for a
    batch of them): each stored application's job and candidate, which candidates are stored
    whole (not placeholders), and the tenant's client, made when first needed."""

    applications: dict[str, dict[str, Any]]
    whole: set[str]  # candidates stored whole
    checked: set[str]  # candidates whose state was read
    clients: dict[str, AshbyClient | None] = field(default_factory=dict)

    @classmethod
    def read(cls, tenant: g.Tenant, applications: list[Mapping[str, Any]]) -> Known:
        stored = g.Application.objects.filter(
            tenant=tenant, external_id__in=[a["id"] for a in applications]
        ).values("external_id", "job_id", "candidate__external_id")
        known = cls({row["external_id"]: row for row in stored}, set(), set())
        candidates = {_candidate_of(a, known.applications.get(a["id"])) for a in applications}
        known.check(tenant, candidates - {None})
        return known

    def check(self, tenant: g.Tenant, candidate_ids: set[str]) -> None:
        whole = g.Candidate.objects.filter(
            tenant=tenant, external_id__in=candidate_ids, external_updated_at__isnull=False
        )
        self.whole |= set(whole.values_list("external_id", flat=True))
        self.checked |= candidate_ids

    def candidate_unknown(self, tenant: g.Tenant, candidate_id: str | None) -> bool:
        """Whether Guide lacks this candidate, or has only a placeholder of them."""
        if not candidate_id:
            return False
        if candidate_id not in self.checked:
            self.check(tenant, {candidate_id})
        return candidate_id not in self.whole

    def client(self, tenant: g.Tenant) -> AshbyClient | None:
        if "client" not in self.clients:
            self.clients["client"] = _client(tenant)
        return self.clients["client"]


def fetch_for_application(
    tenant: g.Tenant, data: Mapping[str, Any], known: Known | None = None
) -> Fetched:
    """Before the transaction: a new application whose delivery lacks its job, recruiter or
    candidate is read whole with application.info; a candidate Guide has only as a placeholder
    (or not at all) is read with candidate.info, so the guide shows times in their zone.
    `known`: what Guide has, read once for a batch (integrations/ashby/handler_batches.py)."""
    fetched = Fetched()
    application = data.get("application")
    if not isinstance(application, Mapping) or not mapping.ref(application.get("id")):
        return fetched  # the handler refuses it with a sentence
    known = known or Known.read(tenant, [application])
    stored = known.applications.get(application["id"])
    lacks = mapping.application_lacks(application)
    if stored is not None:  # what a known application lacks stays as stored, but a job
        lacks = [m for m in lacks if m == "job" and stored["job_id"] is None]
    candidate_id = _candidate_of(application, stored)
    wants_candidate = known.candidate_unknown(tenant, candidate_id)
    client = known.client(tenant) if lacks or wants_candidate else None
    if lacks:
        what = f"The delivery does not say the application's {' or '.join(lacks)}:"
        info = _ask(client, "application.info", {"applicationId": application["id"]}, what, fetched)
        if isinstance(info, Mapping):
            fetched.records["application"] = info
            said = _candidate_of({**application, **info}, stored)
            if said != candidate_id:  # Ashby named the candidate the delivery left out
                candidate_id = said
                wants_candidate = known.candidate_unknown(tenant, said)
    if client is not None and wants_candidate:
        what = f"Candidate {candidate_id} is new to Guide:"
        info = _ask(client, "candidate.info", {"id": candidate_id}, what, fetched)
        if isinstance(info, Mapping):
            fetched.records["candidate"] = info
    return fetched


def _candidate_of(application: Mapping[str, Any], stored: Mapping[str, Any] | None) -> str | None:
    """The application's candidate: as the payload says it, else as Guide has it."""
    return mapping.application_candidate(application) or (stored or {}).get(
        "candidate__external_id"
    )


def _stored_candidate(tenant: g.Tenant, application_id: str) -> str | None:
    """The candidate Guide has for this application (asked only when the payload is silent)."""
    stored = g.Application.objects.filter(tenant=tenant, external_id=application_id)
    return stored.values_list("candidate__external_id", flat=True).first()


def application_changed(
    tenant: g.Tenant, data: Mapping[str, Any], fetched: Fetched | None = None
) -> str:
    """applicationSubmit, applicationUpdate, candidateStageChange, candidateHire.

    The application carries a summary of its candidate and job: each is stored as a
    placeholder when Guide does not have it yet (what was fetched, or the sync, fills in the
    rest), and the candidate gets a guide. Stage, status and job changes touch the guide.
    """
    fetched = fetched or Fetched()
    application = {**_object(data, "application"), **fetched.records.get("application", {})}
    mapping.map_application(application)  # refuse an unusable payload before writing
    candidate_id = mapping.application_candidate(application) or _stored_candidate(
        tenant, application["id"]
    )
    if _deleted(tenant, candidate_id):
        return f"Candidate {candidate_id} was deleted in Ashby: ignored."
    job = mapping.application_job_stub(application)
    if job is not None:
        insert_missing(tenant, g.Job, [job])
    counts = Counts()
    store_applications(_context(tenant), [application], counts)
    if "candidate" in fetched.records:
        candidate = Counts()
        store_candidates(_context(tenant), [fetched.records["candidate"]], candidate)
        fetched.notes.extend(candidate.notes)
    return _outcome("Application", application["id"], counts, fetched.notes)


# --- interview schedules -----------------------------------------------------------------------


def fetch_for_schedule(tenant: g.Tenant, data: Mapping[str, Any]) -> Fetched:
    """Before the transaction: a schedule delivered without its events (older payloads) has
    them read with interviewEvent.list; when Ashby cannot answer, the stored events stay."""
    fetched = Fetched()
    schedule = data.get("interviewSchedule")
    if not isinstance(schedule, Mapping) or "interviewEvents" in schedule:
        return fetched
    if not mapping.ref(schedule.get("id")):
        return fetched
    client = _client(tenant)
    what = "The delivery does not list the schedule's interview events:"
    if client is None:
        fetched.notes.append(f"{what} Ashby is not connected, so the next sync fills them in.")
        return fetched
    try:
        fetched.records["interviewEvents"] = events_from_ashby(client, schedule["id"])
    except errors.AshbyError as exc:
        logger.info("interviewEvent.list failed (%s); the next sync fills it in", exc.code)
        fetched.notes.append(f"{what} Ashby could not be asked just now; the next sync does.")
    return fetched


def schedule_changed(
    tenant: g.Tenant, data: Mapping[str, Any], fetched: Fetched | None = None
) -> str:
    """interviewScheduleCreate / interviewScheduleUpdate, cancellations included: the payload
    lists the schedule's events, so events it no longer lists are removed from the guide."""
    fetched = fetched or Fetched()
    schedule = _object(data, "interviewSchedule")
    if "interviewEvents" in fetched.records:
        schedule = {**schedule, "interviewEvents": fetched.records["interviewEvents"]}
    row = mapping.map_interview_schedule(schedule)
    if _deleted(tenant, schedule.get("candidateId")):
        return f"Candidate {schedule['candidateId']} was deleted in Ashby: ignored."
    if _deleted(tenant, APPLICATION + str(row.get("application_external_id"))):
        return f"The candidate of application {row['application_external_id']} was erased: ignored."
    stored = g.InterviewSchedule.objects.filter(tenant=tenant, external_id=row["external_id"])
    application = row.get("application_external_id")
    if application is None and not stored.exists():
        raise mapping.MappingError(
            f"Interview schedule {row['external_id']} is new to Guide and the delivery does "
            "not say its applicationId, so it cannot be placed on a guide."
        )
    known = g.Application.objects.filter(tenant=tenant, external_id=application)
    if application is not None and not known.exists():
        raise NotKnownYet(f"Application {application} is not known yet.")
    counts = Counts()
    store_schedules(_context(tenant), [schedule], counts)
    return _outcome("Interview schedule", schedule["id"], counts, fetched.notes)


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
    value = mapping.ref(_object(data, key).get("id"))
    if value is None:
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
    # Every copy goes: rows, guide, delivery bodies, texts (integrations/erasure.py).
    rows = erase_candidate(tenant, external_id, reason="deleted in Ashby").counts.get(ROWS, {})
    if not rows:
        return f"Candidate {external_id} was not stored: nothing to delete."
    deleted, guides = sum(rows.values()), rows.get(str(g.Guide._meta.verbose_name_plural), 0)
    return f"Candidate {external_id} deleted with {deleted - 1} related records ({guides} guide)."


def candidate_merged(tenant: g.Tenant, data: Mapping[str, Any]) -> str:
    """candidateMerge: everything of the deleted candidate moves to the surviving one.

    When Guide has only the deleted one, it simply becomes the survivor (same guide, same
    link). When both exist, applications move over; the survivor keeps its guide, or takes
    the deleted candidate's when it had none, so the link the candidate has keeps working.
    """
    gone_id = _candidate_id(data, "deletedCandidate")
    kept_id = _candidate_id(data, "mergedCandidate")
    if gone_id == kept_id:
        return f"Candidate {gone_id} was not stored: nothing to move."
    _tombstone(tenant, gone_id)
    outcome = _merge(tenant, gone_id, kept_id)
    # The old record's copies (delivery bodies) go once its rows have moved.
    erase_merged_away(tenant, gone_id, reason=f"merged into {kept_id} in Ashby")
    return outcome


def _merge(tenant: g.Tenant, gone_id: str, kept_id: str) -> str:
    candidates = g.Candidate.objects.select_for_update().filter(tenant=tenant)
    gone = candidates.filter(external_id=gone_id).first()
    if gone is None:
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
