"""Storing one page of each Ashby resource into guides' tables: map each record (a record
that cannot be mapped is skipped and noted), then upsert the page in bulk with a fixed number of
queries. Used by the sync engine (integrations/ashby/sync_engine.py) for every page, and by the webhook
handlers (integrations/ashby/handlers.py) for the records a delivery carries.

References to records not stored yet: an application's candidate (and current stage with its
plan) is created as a placeholder from the summary embedded in the application; an optional
reference (job, recruiter, interview) to an unknown record is left empty; a schedule whose
application is unknown is skipped and counted under `skipped`, with the first few reasons kept.

What a payload does not say is left as stored (integrations/ashby/mapping/): a schedule
without its `interviewEvents` keeps its events (the sync asks Ashby for them), an event
without `interviewers` keeps its interviewers, and an event that cannot be read is skipped
without deleting the copy Guide has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from guides import models as g
from guides.services import ensure_guides, touch_guides
from guides.upsert import (
    UpsertResult,
    insert_missing,
    known_external_ids,
    replace_related,
    upsert_records,
)
from integrations.ashby import erased, mapping
from integrations.ashby.client import AshbyClient
from integrations.ashby.erased import without_erased
from integrations.models import SyncRun

MAX_NOTES = 5  # reasons kept per resource for skipped records
DELETE_CHUNK = 500


@dataclass
class Counts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)
    skipped_ids: set[str] = field(default_factory=set)
    # Per record, when asked for (a batch of deliveries, each wanting its own line):
    # external id -> "created", "updated", or why it was skipped. None: not kept (a sync).
    by_id: dict[str, str] | None = None

    def add(self, result: UpsertResult) -> None:
        self.created += len(result.created)
        self.updated += len(result.updated)
        if self.by_id is not None:
            self.by_id.update(dict.fromkeys(result.created, "created"))
            self.by_id.update(dict.fromkeys(result.updated, "updated"))
        for external_id, why in result.skipped:
            self.skip(external_id, f"{result.kind} {external_id} was not stored: {why}.")

    def skip(self, external_id: Any, why: str) -> None:
        """One record that could not be stored; the rest goes on."""
        self.skipped += 1
        if isinstance(external_id, str):
            self.skipped_ids.add(external_id)
            if self.by_id is not None:
                self.by_id[external_id] = why
        self.note(why)

    def note(self, text: str) -> None:
        if len(self.notes) < MAX_NOTES and text not in self.notes:
            self.notes.append(text)


@dataclass
class Context:
    """What one run's storing functions need. `client` is None where Ashby must not be
    called (a webhook delivery's transaction): what a payload lacks is then left as stored."""

    run: SyncRun | None
    tenant: g.Tenant
    client: AshbyClient | None


def mapped(
    records: Iterable[dict[str, Any]], mapper: Callable[..., dict[str, Any]], counts: Counts
) -> list[dict[str, Any]]:
    """Map each record; a record that cannot be mapped is skipped and noted, not fatal."""
    rows = []
    for record in records:
        try:
            rows.append(mapper(record))
        except mapping.MappingError as exc:
            counts.skip(record.get("id") if isinstance(record, dict) else None, str(exc))
    return rows


def simple_store(model: type[g.SyncedRecord], mapper: Callable[..., dict[str, Any]]):
    def store(ctx: Context, records: Sequence[dict[str, Any]], counts: Counts) -> None:
        counts.add(upsert_records(ctx.tenant, model, mapped(records, mapper, counts)))

    return store


def store_candidates(ctx: Context, records: Sequence[dict[str, Any]], counts: Counts) -> None:
    """Candidates, and a guide for each new one that has an application."""
    records = without_erased(ctx.tenant, records, erased.CANDIDATE)
    notes: list[str] = []
    rows = mapped(records, lambda record: mapping.map_candidate(record, notes), counts)
    result = upsert_records(ctx.tenant, g.Candidate, rows)
    counts.add(result)
    for note in notes:
        counts.note(note)
    applied = [r["id"] for r in records if mapping.candidate_has_applications(r) and r.get("id")]
    ensure_guides(ctx.tenant, [result.ids[i] for i in applied if i in result.ids])
    touch_guides(ctx.tenant, [result.ids[i] for i in result.updated])


def store_applications(ctx: Context, records: Sequence[dict[str, Any]], counts: Counts) -> None:
    """Applications, with placeholders for candidates and stages not synced yet, and a guide
    for every candidate with an application."""
    records = without_erased(ctx.tenant, records, erased.APPLICATION)
    rows = mapped(records, mapping.map_application, counts)
    wanted = {row["external_id"] for row in rows}
    valid = [r for r in records if r.get("id") in wanted]
    stages = [s for s in map(_safe(mapping.application_stage), valid) if s]
    known = known_external_ids(ctx.tenant, g.InterviewStage, [s["external_id"] for s in stages])
    stages = [s for s in stages if s["external_id"] not in known]
    if stages:  # rare: a stage (and maybe its plan) the sync has not fetched yet
        insert_missing(ctx.tenant, g.InterviewPlan, _plan_stubs(stages))
        insert_missing(ctx.tenant, g.InterviewStage, stages, known=set())
    stubs = [c for c in map(mapping.application_candidate_stub, valid) if c]
    insert_missing(ctx.tenant, g.Candidate, stubs)
    result = upsert_records(ctx.tenant, g.Application, rows)
    counts.add(result)
    candidate_of = {i: values["candidate_id"] for i, values in result.values.items()}
    ensure_guides(ctx.tenant, candidate_of.values())
    touch_guides(ctx.tenant, [candidate_of[i] for i in result.written])


def _safe(mapper: Callable[..., dict[str, Any] | None]) -> Callable[..., dict[str, Any] | None]:
    def wrapped(record: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return mapper(record)
        except mapping.MappingError:
            return None

    return wrapped


def _plan_stubs(stages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"external_id": plan, "external_updated_at": None, "title": ""}
        for plan in {stage["plan_external_id"] for stage in stages}
    ]


def store_schedules(ctx: Context, records: Sequence[dict[str, Any]], counts: Counts) -> None:
    """Schedules with their events and each event's interviewers.

    A schedule's payload lists all its events, so for every schedule written, events it no
    longer lists are deleted and each event's interviewers are replaced."""
    records = without_erased(ctx.tenant, records, erased.SCHEDULE)
    result = upsert_records(
        ctx.tenant, g.InterviewSchedule, mapped(records, mapping.map_interview_schedule, counts)
    )
    counts.add(result)
    written = set(result.written)
    listed = {s["id"]: _events_of(ctx, s) for s in records if s.get("id") in written}
    said = {i: events for i, events in listed.items() if events is not None}
    for schedule_id in set(listed) - set(said):
        counts.note(
            f"Interview schedule {schedule_id}: its interview events were not in the payload "
            "and were left as stored; the next sync brings them."
        )
    events = [(i, e) for i, schedule_events in said.items() for e in schedule_events]
    _store_events(ctx, {i: result.ids[i] for i in said}, events, counts)
    written_schedules = g.InterviewSchedule.objects.filter(pk__in=[result.ids[i] for i in written])
    # A list, not a subquery: PostgreSQL planned the nested IN poorly (a scan per page).
    candidates = written_schedules.values_list("application__candidate_id", flat=True)
    touch_guides(ctx.tenant, list(candidates))


def _events_of(ctx: Context, schedule: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The schedule's embedded events, or None (not said: the stored events stay)."""
    return mapping.schedule_events(schedule) if "interviewEvents" in schedule else None


def fetch_schedule_events(ctx: Context, records: list[Any]) -> list[Any]:
    """Before a page's transaction: schedules listed without their events (older payloads)
    get them from interviewEvent.list, so no call to Ashby is made with the page's locks held."""
    return [_with_events(ctx, record) for record in records]


def _with_events(ctx: Context, schedule: Any) -> Any:
    if not isinstance(schedule, dict) or "interviewEvents" in schedule:
        return schedule
    if ctx.client is None or mapping.ref(schedule.get("id")) is None:
        return schedule
    return {**schedule, "interviewEvents": events_from_ashby(ctx.client, schedule["id"])}


def events_from_ashby(client: AshbyClient, schedule_id: str) -> list[dict[str, Any]]:
    """A schedule's interview events as interviewEvent.list gives them, every page."""
    pages = client.paginate("interviewEvent.list", {"interviewScheduleId": schedule_id})
    return [event for page in pages for event in page.results]


def _store_events(
    ctx: Context,
    schedule_pks: dict[str, int],
    events: list[tuple[str, dict[str, Any]]],
    counts: Counts,
) -> None:
    rows, people, unreadable = [], [], []
    for schedule_id, event in events:
        try:
            rows.append(mapping.map_interview_event(event, schedule_id=schedule_id))
        except mapping.MappingError as exc:
            counts.skip(event.get("id"), str(exc))
            unreadable.append(event.get("id"))
            continue
        people.extend(mapping.event_interviewers(event))
    # Interviewers are users, synced before; one Ashby lists here but not there is a stub.
    unique = {person["id"]: person for person in people}
    insert_missing(ctx.tenant, g.Interviewer, [_user_stub(p) for p in unique.values()])
    result = upsert_records(
        ctx.tenant, g.InterviewEvent, rows, resolved={"schedule_external_id": schedule_pks}
    )
    # An event listed but unreadable keeps the copy Guide has: it is not gone from Ashby.
    kept = [row["external_id"] for row in rows] + [i for i in unreadable if isinstance(i, str)]
    # The schedules are this tenant's; no tenant filter, so SQLite uses the schedule index.
    gone = g.InterviewEvent.objects.filter(schedule_id__in=schedule_pks.values())
    counts.deleted += delete_in_chunks(gone.exclude(external_id__in=kept))
    _replace_interviewers(ctx, result, events)


def _user_stub(person: dict[str, Any]) -> dict[str, Any]:
    """An interviewer Guide may not have synced yet; its time is not kept, so not read."""
    row = mapping.map_user({k: v for k, v in person.items() if k != "updatedAt"})
    return {**row, "external_updated_at": None}


def _replace_interviewers(
    ctx: Context, result: UpsertResult, events: list[tuple[str, dict[str, Any]]]
) -> None:
    written = set(result.written)
    wanted = {
        e["id"]: [p["id"] for p in mapping.event_interviewers(e)]
        for _, e in events
        if e.get("id") in written and mapping.says_interviewers(e)
    }
    users = {u for ids in wanted.values() for u in ids}
    user_pk = dict(
        g.Interviewer.objects.filter(tenant=ctx.tenant, external_id__in=users).values_list(
            "external_id", "pk"
        )
    )
    pairs = [
        (result.ids[event], user_pk[user])
        for event, ids in wanted.items()
        for user in ids
        if user in user_pk
    ]
    through = g.InterviewEvent.interviewers.through
    replace_related(
        through, "interviewevent", "interviewer", pairs, [result.ids[e] for e in wanted]
    )


def delete_in_chunks(queryset) -> int:
    """Delete the rows of `queryset` a chunk at a time (memory stays flat); how many went.
    A candidate's applications, schedules, events and guide go with it."""
    removed = 0
    model = queryset.model
    while ids := list(queryset.values_list("pk", flat=True)[:DELETE_CHUNK]):
        model.objects.filter(pk__in=ids).delete()
        removed += len(ids)
    return removed
