"""One pass of one resource, a page at a time, resumable from what it saves with each page.

- With no saved syncToken (or when a full pass is asked for) a full pass POSTs the resource's
  fixed request body and walks every page; otherwise an incremental pass sends the saved token
  with the very same body. Ashby's token covers the body it was issued for, so the body never
  changes between the pages of a pass nor between a full pass and later incremental ones.
- `fetch` asks Ashby for the next page (any thread: no database work); `store` writes it in
  the sync's own thread, in one transaction with the pass's checkpoint (its SyncState: the
  next page's cursor, full or not, the run holding the ids seen) and the run's progress. So a
  pass stopped anywhere (the end of a slice, a killed worker) resumes at the first page not
  stored, with the same data as a pass that never stopped.
- The new token is saved with the last page, in the same transaction as the removal of what
  a full pass did not see: a pass that fails midway leaves the old token in place.
- `sync_token_expired`, `sync_token_invalid`, `incremental_sync_too_large`: the token is
  dropped and the resource gets a full pass. An expired cursor (a saved one too: Ashby's
  cursors are not long-lived bookmarks, docs/ashby.md section 8) restarts the pass.
- After a full pass, records of that resource the pass did not return are gone from Ashby:
  they are deleted here (or archived, for records other records and guides still point at:
  departments, locations, interview plans and interviews are archived; users disabled).
  A candidate candidate.list stops returning but whose applications are still listed (Ashby
  hides candidates of confidential jobs) is kept, with its guide, as a placeholder until no
  application of theirs is left. The ids seen are kept in `SyncSeen` rows, so memory stays
  flat however many records.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from guides import models as g
from integrations.ashby import errors, mapping
from integrations.ashby.client import Page
from integrations.ashby.record_isolation import record_id, store_page
from integrations.ashby.resources import Resource
from integrations.ashby.storing import Context, Counts, delete_in_chunks
from integrations.models import SyncRun, SyncSeen, SyncState
from tenants.sql import insert_rows

logger = logging.getLogger(__name__)

MAX_CURSOR_RESTARTS = 3


class Engine(Protocol):
    """What a pass uses of the engine that drives it (integrations/ashby/sync_engine.py)."""

    run: SyncRun
    ctx: Context
    page_size: int
    cascade_full: bool

    @property
    def wants_full(self) -> bool: ...

    def needs_full(self, state: SyncState) -> bool: ...

    def finished(self, name: str, *, full: bool) -> None: ...

    def record(self, name: str, counts: Counts, *, page: bool = False, error: str = "") -> None: ...


def refresh_statistics() -> None:
    """Give SQLite's query planner statistics (ANALYZE), early in and after a full pass.

    Without them SQLite guesses that `tenant_id = ?` matches a handful of rows and reads a
    page's guides or events through the tenant index, scanning the whole tenant on every
    page; with them it uses the unique keys. PostgreSQL keeps its own statistics."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def will_be_full(engine: Engine, resource: Resource) -> bool:
    """Whether the resource's next pass in this run is a full one (no side effect)."""
    state = SyncState.objects.filter(connection=engine.run.connection, resource=resource.name)
    state = state.first()
    if state is None:
        return True
    if state.cursor and state.pass_full:
        return True
    return engine.needs_full(state)


class ResourcePass:
    """One resource's pass in one run: opened (resumed or started) by the engine, then
    fetched and stored page by page until `done`."""

    def __init__(self, engine: Engine, resource: Resource, counts: Counts) -> None:
        self.engine, self.resource, self.counts = engine, resource, counts
        self.name = resource.name
        self.run, self.ctx = engine.run, engine.ctx
        self.state, _ = SyncState.objects.get_or_create(
            connection=self.run.connection, resource=resource.name
        )
        self.done = False
        self.restarts = 0
        self.pages = 0
        if not self._resume():
            self._start(full=engine.needs_full(self.state))

    # --- opening ----------------------------------------------------------------------

    def _resume(self) -> bool:
        """Go on with the pass the state says is under way, if it can be."""
        state = self.state
        if not state.cursor or (self.engine.wants_full and not state.pass_full):
            return False
        if not state.pass_full and not state.sync_token:
            return False
        if state.pass_full and state.pass_run_id != self.run.pk:
            if state.pass_run_id is None:  # its run and the ids it saw are gone
                return False
            # A run that stopped (its worker killed) left its pass to this one.
            self._seen_rows().update(run=self.run)
            SyncState.objects.filter(pk=state.pk).update(pass_run=self.run)
        self.full, self.cursor = state.pass_full, state.cursor
        self.fetch_cursor, self.more_to_fetch = state.cursor, True
        self.token = None if self.full else state.sync_token
        logger.info("Sync %s: %s resumes its pass", self.run.pk, self.name)
        return True

    def _start(self, *, full: bool) -> None:
        self.token = None if full else (self.state.sync_token or None)
        self.full, self.cursor = self.token is None, None
        self.fetch_cursor, self.more_to_fetch = None, True
        if self.full:
            self._seen_rows().delete()
        SyncState.objects.filter(pk=self.state.pk).update(cursor="", pass_run=None)

    def _seen_rows(self):
        return SyncSeen.objects.filter(run__connection=self.run.connection, resource=self.name)

    # --- a page -----------------------------------------------------------------------

    def fetch(self) -> tuple[Page, list]:
        """The next page to fetch, with what its records need from Ashby (no database work;
        it may be fetched while the page before it is stored)."""
        page = self.ctx.client.list_page(
            self.resource.endpoint,
            {**self.resource.body, "limit": self.engine.page_size},
            sync_token=self.token,
            cursor=self.fetch_cursor,
        )
        records = page.results
        if self.resource.fetch is not None:  # any call to Ashby: before the page's locks
            records = self.resource.fetch(self.ctx, records)
        return page, records

    def fetched(self, fetched: tuple[Page, list]) -> None:
        """A fetch came back (before its page is stored): where the next fetch goes on."""
        page = fetched[0]
        self.fetch_cursor, self.more_to_fetch = page.next_cursor, page.more_data_available

    def store(self, fetched: tuple[Page, list]) -> None:
        """Store the page, its checkpoint and the progress in one transaction; the last page
        closes the pass in the same transaction."""
        page, records = fetched
        self.pages += 1
        last = not page.more_data_available
        if self.full and (self.pages == 2 or last):
            refresh_statistics()
        with transaction.atomic():
            self.counts.fetched += len(page.results)
            store_page(self.ctx, self.resource, records, self.counts)
            if self.full:
                self._note_seen(page.results)
            if last:
                self._close(page.sync_token)
                return
            self.cursor = page.next_cursor
            SyncState.objects.filter(pk=self.state.pk).update(
                cursor=self.cursor, pass_full=self.full, pass_run=self.run
            )
            self.engine.record(self.name, self.counts, page=True)

    def _note_seen(self, results: list) -> None:
        ids = {mapping.ref(record_id(r)) for r in results}
        insert_rows(
            SyncSeen,
            [
                {"run_id": self.run.pk, "resource": self.name, "external_id": i}
                for i in ids
                if i is not None
            ],
        )

    def recover(self, exc: errors.AshbyError) -> bool:
        """After a failed fetch: True when the pass starts over (a refused token: as a full
        pass; an expired cursor: the same pass from its first page), else False."""
        if isinstance(exc, errors.SyncTokenRejected) and self.token is not None:
            logger.info(
                "Sync %s: %s token refused (%s); running a full pass",
                self.run.pk,
                self.name,
                exc.code,
            )
            SyncState.objects.filter(pk=self.state.pk).update(sync_token="")
            self.state.sync_token = ""
            self._start(full=True)
            return True
        if isinstance(exc, errors.CursorExpired) and self.restarts < MAX_CURSOR_RESTARTS - 1:
            self.restarts += 1
            logger.info("Sync %s: %s cursor expired; restarting the pass", self.run.pk, self.name)
            self._start(full=self.full)
            return True
        return False

    # --- the end of the pass ----------------------------------------------------------

    def _close(self, token: str | None) -> None:
        if self.full:
            removed = self._remove_unseen()
            self.counts.deleted += removed
            self._seen_rows().delete()
            if removed and self.resource.model in (g.Candidate, g.Application):
                self.engine.cascade_full = True
            if self.resource.model is g.Application:
                self._remove_orphan_placeholders()
        now = timezone.now()
        updates: dict[str, Any] = {"sync_token": token or "", "last_synced_at": now}
        if self.full:
            updates["last_full_sync_at"] = now
        SyncState.objects.filter(pk=self.state.pk).update(
            cursor="", pass_full=False, pass_run=None, **updates
        )
        self.done = True
        self.engine.finished(self.name, full=self.full)
        self.engine.record(self.name, self.counts, page=True)

    def _remove_unseen(self) -> int:
        """Delete (or archive) what the full pass did not return; in chunks, memory flat."""
        resource = self.resource
        seen = self._seen_rows().values("external_id")
        missing = resource.model.objects.filter(tenant=self.ctx.tenant).exclude(
            external_id__in=seen
        )
        if isinstance(resource.on_missing, dict):
            field_name, value = next(iter(resource.on_missing.items()))
            return missing.exclude(**{field_name: value}).update(**resource.on_missing)
        if resource.model is g.Candidate:
            missing = self._keep_candidates_with_applications(missing)
        return delete_in_chunks(missing)

    def _keep_candidates_with_applications(self, missing):
        """Candidates candidate.list no longer returns but that still have applications here.

        Ashby hides a candidate from candidate.list once they apply to a confidential job,
        while application.list still returns their other applications; deleting them would
        take their guide (and its address) with them, only for the applications pass to make
        a new one. They become placeholders instead (no external_updated_at) and are removed
        after the applications pass if none of their applications is left."""
        has_applications = Exists(g.Application.objects.filter(candidate_id=OuterRef("pk")))
        demoted = missing.filter(has_applications, external_updated_at__isnull=False).update(
            external_updated_at=None
        )
        if demoted:
            self.engine.cascade_full = True  # their applications must be checked in full
        return missing.exclude(has_applications)

    def _remove_orphan_placeholders(self) -> None:
        """After a full applications pass: placeholder candidates left with no application."""
        orphans = g.Candidate.objects.filter(
            tenant=self.ctx.tenant, external_updated_at__isnull=True
        ).exclude(Exists(g.Application.objects.filter(candidate_id=OuterRef("pk"))))
        removed = delete_in_chunks(orphans)
        if removed:
            entry = self.run.progress.setdefault("candidates", {"pages": 0})
            entry["deleted"] = int(entry.get("deleted") or 0) + removed
