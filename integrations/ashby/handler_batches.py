"""Several application deliveries of one tenant applied together (a batch of
integrations/delivery_batches.py): what handlers.application_changed does for one delivery,
with each read and write made once for all of them.

For N applicationSubmit / applicationUpdate / candidateStageChange / candidateHire deliveries:
one read of the stored applications and candidates before the transaction (plus Ashby, for the
deliveries that lack something), then one check of deleted candidates, one insert of missing
jobs and one `store_applications` (the sync's, so the rows are the same), whatever N. Each
delivery still gets its own line, or its own failure: a payload that cannot be mapped, or an
application the upsert skipped, fails that delivery only (nothing of it was written). Two
deliveries of the same application: the newest copy is written, as the upsert's guard would
have it one after the other; the older one's line says the stored copy is as new or newer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from guides import models as g
from guides.upsert import insert_missing
from integrations.ashby import mapping
from integrations.ashby.handlers import (
    Fetched,
    Known,
    _context,
    _object,
    _outcome,
    fetch_for_application,
)
from integrations.ashby.storing import Counts, store_applications, store_candidates
from integrations.models import DeletedCandidate

WRITTEN = (None, "created", "updated")  # None: stored already, as new or newer
Item = tuple[Mapping[str, Any], Fetched | None]  # a delivery's data, and what was fetched


@dataclass
class _Application:
    index: int  # the delivery's place in the batch
    record: dict[str, Any]  # the application as the delivery (and Ashby) said it
    fetched: Fetched
    candidate: str | None = None


def fetch_for_applications(tenant: g.Tenant, datas: list[Mapping[str, Any]]) -> list[Any]:
    """fetch_for_application for each delivery, with what Guide has read once for all; a
    delivery whose fetch fails gets its exception (its delivery fails, not the others')."""
    applications = [
        d["application"]
        for d in datas
        if isinstance(d.get("application"), Mapping) and mapping.ref(d["application"].get("id"))
    ]
    known = Known.read(tenant, applications)
    results: list[Any] = []
    for data in datas:
        try:
            results.append(fetch_for_application(tenant, data, known))
        except Exception as exc:  # handed back: delivery_batches fails this delivery
            results.append(exc)
    return results


def applications_changed(tenant: g.Tenant, items: list[Item]) -> list[str | Exception]:
    """application_changed for each delivery, in one pass; a line (or an exception) each."""
    results: list[str | Exception] = [""] * len(items)
    applications = []
    for index, (data, fetched) in enumerate(items):
        fetched = fetched or Fetched()
        try:
            record = {**_object(data, "application"), **fetched.records.get("application", {})}
            mapping.map_application(record)  # refuse an unusable payload before writing
        except Exception as exc:
            results[index] = exc
            continue
        applications.append(_Application(index, record, fetched))
    live = _not_deleted(tenant, applications, results)
    newest = _newest(live)
    for item in live:
        if newest[item.record["id"]] is not item:
            results[item.index] = f"Application {item.record['id']} unchanged: " + (
                "the stored copy is as new or newer."
            )
    _store(tenant, [item for item in live if newest[item.record["id"]] is item], results)
    return results


def _not_deleted(
    tenant: g.Tenant, applications: list[_Application], results: list
) -> list[_Application]:
    """The applications whose candidate Ashby has not deleted (one query for the tombstones,
    one for the stored candidates of payloads that do not name theirs)."""
    silent = [a.record["id"] for a in applications if not mapping.application_candidate(a.record)]
    stored = dict(
        g.Application.objects.filter(tenant=tenant, external_id__in=silent).values_list(
            "external_id", "candidate__external_id"
        )
    )
    for a in applications:
        a.candidate = mapping.application_candidate(a.record) or stored.get(a.record["id"])
    named = {a.candidate for a in applications if a.candidate}
    deleted = set(
        DeletedCandidate.objects.filter(tenant=tenant, external_id__in=named).values_list(
            "external_id", flat=True
        )
    )
    for a in applications:
        if a.candidate in deleted:
            results[a.index] = f"Candidate {a.candidate} was deleted in Ashby: ignored."
    return [a for a in applications if a.candidate not in deleted]


def _newest(applications: list[_Application]) -> dict[str, _Application]:
    """Per application, the delivery whose copy is written: the newest (the later one when
    as new, the earlier one when either has no time), as guides.upsert keeps one per id."""
    newest: dict[str, _Application] = {}
    for a in applications:
        current = newest.get(a.record["id"])
        if current is None or _not_older(a, current):
            newest[a.record["id"]] = a
    return newest


def _not_older(a: _Application, current: _Application) -> bool:
    mine = mapping.map_application(a.record)["external_updated_at"]
    theirs = mapping.map_application(current.record)["external_updated_at"]
    return mine is not None and theirs is not None and mine >= theirs


def _store(tenant: g.Tenant, applications: list[_Application], results: list) -> None:
    """One store of the applications (with their jobs), then the candidates fetched for
    some of them; each delivery's line."""
    stubs = [mapping.application_job_stub(a.record) for a in applications]
    insert_missing(tenant, g.Job, [stub for stub in stubs if stub is not None])
    counts = Counts(by_id={})
    store_applications(_context(tenant), [a.record for a in applications], counts)
    for a in applications:  # as for one delivery: not for an application not stored
        if "candidate" in a.fetched.records and counts.by_id.get(a.record["id"]) in WRITTEN:
            candidate = Counts()
            store_candidates(_context(tenant), [a.fetched.records["candidate"]], candidate)
            a.fetched.notes.extend(candidate.notes)
    for a in applications:
        results[a.index] = _line(a, counts.by_id.get(a.record["id"]))


def _line(a: _Application, what: str | None) -> str | Exception:
    """The delivery's line, as handlers._outcome words it for one delivery."""
    external_id = a.record["id"]
    own = Counts(created=what == "created", updated=what == "updated")
    if what not in (None, "created", "updated"):
        own.skip(external_id, what)
    try:
        return _outcome("Application", external_id, own, a.fetched.notes)
    except mapping.MappingError as exc:
        return exc


@dataclass(frozen=True)
class Batch:
    """How deliveries of some actions are applied together: `fetch(tenant, datas)` before
    the transaction, then `apply(tenant, [(data, fetched), ...])` inside it, each returning
    one result (or exception) per delivery, in order."""

    fetch: Any
    apply: Any


APPLICATIONS = Batch(fetch=fetch_for_applications, apply=applications_changed)
