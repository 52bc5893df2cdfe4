"""The per-resource sync engine: pulls each resource of a tenant's Ashby account into Guide.

For each resource, in an order where what is referred to comes before what refers to it:

- With no saved syncToken (or when a full pass is asked for) a full pass POSTs the resource's
  fixed request body and walks every page; otherwise an incremental pass sends the saved token
  with the very same body. Ashby's token covers the body it was issued for, so the body never
  changes between the pages of a pass nor between a full pass and later incremental ones.
- Every page is stored in its own transaction, in bulk, with a fixed number of queries.
  Progress (counts, heartbeat) is written with the page, so what committed stays committed.
- The new token is saved only after the whole pass has committed. A pass that fails midway
  leaves the old token in place: the next run redoes the pass and the upserts make that
  idempotent.
- `sync_token_expired`, `sync_token_invalid`, `incremental_sync_too_large`: the token is
  dropped and the resource gets a full pass. An expired cursor restarts the pass.
- After a full pass, records of that resource the pass did not return are gone from Ashby:
  they are deleted here (or archived, for records other records and guides still point at:
  departments, locations, interview plans and interviews are archived; users disabled).
  A candidate candidate.list stops returning but whose applications are still listed (Ashby
  hides candidates of confidential jobs) is kept, with its guide, as a placeholder until no
  application of theirs is left.
  The ids seen are kept in `SyncSeen` rows, so memory stays flat however many records.

What is synced, in which order: integrations/ashby/resources.py. Storing a page (and what
happens to references to records not synced yet): integrations/ashby/storing.py; a page that
fails in bulk: integrations/ashby/record_isolation.py; the stages of the plans:
integrations/ashby/stage_pass.py.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from guides import models as g
from integrations.ashby import errors, mapping, resources
from integrations.ashby.client import AshbyClient
from integrations.ashby.record_isolation import record_id, store_page
from integrations.ashby.resources import STAGES, Resource
from integrations.ashby.stage_pass import StagePass
from integrations.ashby.storing import Context, Counts, delete_in_chunks
from integrations.errors import RunAbandoned
from integrations.models import SyncRun, SyncSeen, SyncState
from tenants.sql import insert_rows

logger = logging.getLogger(__name__)

MAX_CURSOR_RESTARTS = 3


def _refresh_statistics() -> None:
    """Give SQLite's query planner statistics (ANALYZE), early in and after a full pass.

    Without them SQLite guesses that `tenant_id = ?` matches a handful of rows and reads a
    page's guides or events through the tenant index, scanning the whole tenant on every
    page; with them it uses the unique keys. PostgreSQL keeps its own statistics."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


# --- the engine ------------------------------------------------------------------------------


class Engine(StagePass):
    """Runs the passes of one SyncRun. `run_queued_sync` in integrations/sync_runs.py drives it."""

    def __init__(self, run: SyncRun, client: AshbyClient) -> None:
        self.run = run
        self.ctx = Context(run=run, tenant=run.connection.tenant, client=client)
        self.page_size = int(getattr(settings, "GUIDE_SYNC_PAGE_SIZE", 100))
        hours = float(getattr(settings, "GUIDE_FULL_SYNC_EVERY_HOURS", 24))
        self.full_every = timedelta(hours=hours) if hours > 0 else None
        # Set when a full pass deleted candidates or applications: what cascaded away with them
        # (an application moved to a merged candidate, its schedules) only comes back in a full
        # pass, so every later resource of this run gets one.
        self.cascade_full = False

    def sync_all(self) -> None:
        """Every resource in order. Raises the AshbyError that stopped the run, if any;
        a missing permission stops only its resource."""
        failures = []
        plans_full = True
        for resource in resources.RESOURCES:
            try:
                full = self.sync_resource(resource)
                plans_full = full if resource.name == "interview_plans" else plans_full
            except errors.MissingPermission as exc:
                exc.resource = resource.name  # for the run's error message
                failures.append(exc)
            if resource.name != "interview_plans":
                continue
            try:
                self.sync_stages(all_plans=plans_full)
            except errors.MissingPermission as exc:
                exc.resource = STAGES
                failures.append(exc)
        if failures:
            raise failures[0]

    # --- one resource -----------------------------------------------------------------

    def sync_resource(self, resource: Resource) -> bool:
        """One pass of `resource`: incremental with its saved token, else full. Returns
        whether the pass that completed was a full one."""
        state, _ = SyncState.objects.get_or_create(
            connection=self.run.connection, resource=resource.name
        )
        token = None if self._needs_full(state) else (state.sync_token or None)
        counts = Counts()
        self._begin(resource.name, counts)
        try:
            try:
                self._pass_with_restarts(resource, state, token, counts)
                return token is None
            except errors.SyncTokenRejected as exc:
                if token is None:
                    raise
                logger.info(
                    "Sync %s: %s token refused (%s); running a full pass",
                    self.run.pk,
                    resource.name,
                    exc.code,
                )
                SyncState.objects.filter(pk=state.pk).update(sync_token="")
                self._pass_with_restarts(resource, state, None, counts)
                return True
        except errors.AshbyError as exc:
            self._record(resource.name, counts, error=str(exc))
            raise

    def _needs_full(self, state: SyncState) -> bool:
        """Full when asked, when there is no token, and once a day (deletions only show in a
        full pass, so a periodic one carries them over)."""
        if self.run.full or self.cascade_full or not state.sync_token:
            return True
        if self.full_every is None:
            return False
        last = state.last_full_sync_at
        return last is None or last < timezone.now() - self.full_every

    def _pass_with_restarts(
        self, resource: Resource, state: SyncState, token: str | None, counts: Counts
    ) -> None:
        for attempt in range(1, MAX_CURSOR_RESTARTS + 1):
            try:
                return self._pass(resource, state, token, counts)
            except errors.CursorExpired:
                if attempt == MAX_CURSOR_RESTARTS:
                    raise
                logger.info(
                    "Sync %s: %s cursor expired; restarting the pass", self.run.pk, resource.name
                )

    def _pass(
        self, resource: Resource, state: SyncState, token: str | None, counts: Counts
    ) -> None:
        full = token is None
        seen = SyncSeen.objects.filter(run=self.run, resource=resource.name)
        if full:
            seen.delete()
        body = {**resource.body, "limit": self.page_size}
        new_token = None
        for number, page in enumerate(
            self.ctx.client.paginate(resource.endpoint, body, sync_token=token), start=1
        ):
            if number == 2 and full:
                _refresh_statistics()
            records = page.results
            if resource.fetch is not None:  # any call to Ashby: before the page's locks
                records = resource.fetch(self.ctx, records)
            with transaction.atomic():
                counts.fetched += len(page.results)
                store_page(self.ctx, resource, records, counts)
                if full:
                    insert_rows(
                        SyncSeen,
                        [
                            {"run_id": self.run.pk, "resource": resource.name, "external_id": i}
                            for i in {mapping.ref(record_id(r)) for r in page.results}
                            if i is not None
                        ],
                    )
                self._record(resource.name, counts, page=True)
            new_token = page.sync_token or new_token
        if full:
            _refresh_statistics()
        with transaction.atomic():
            if full:
                removed = self._remove_unseen(resource)
                counts.deleted += removed
                seen.delete()
                if removed and resource.model in (g.Candidate, g.Application):
                    self.cascade_full = True
                if resource.model is g.Application:
                    self._remove_orphan_placeholders()
            now = timezone.now()
            updates: dict[str, Any] = {"sync_token": new_token or "", "last_synced_at": now}
            if full:
                updates["last_full_sync_at"] = now
            SyncState.objects.filter(pk=state.pk).update(**updates)
            self._record(resource.name, counts)

    def _remove_unseen(self, resource: Resource) -> int:
        """Delete (or archive) what the full pass did not return; in chunks, memory flat."""
        seen = SyncSeen.objects.filter(run=self.run, resource=resource.name).values("external_id")
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
            self.cascade_full = True  # their applications must be checked in full
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

    # --- progress ---------------------------------------------------------------------

    def _begin(self, name: str, counts: Counts) -> None:
        self.run.current_resource = name
        self._record(name, counts)

    def _record(self, name: str, counts: Counts, *, page: bool = False, error: str = "") -> None:
        """Write the resource's counts and a heartbeat; stop if the run was taken from us."""
        entry = self.run.progress.get(name) or {"pages": 0}
        entry.update(
            fetched=counts.fetched,
            created=counts.created,
            updated=counts.updated,
            deleted=counts.deleted,
            skipped=counts.skipped,
            pages=entry["pages"] + (1 if page else 0),
            error=error or entry.get("error", ""),
            notes=counts.notes,
        )
        self.run.progress[name] = entry
        self.run.heartbeat_at = timezone.now()
        alive = SyncRun.objects.filter(pk=self.run.pk, status=SyncRun.Status.RUNNING).update(
            progress=self.run.progress,
            heartbeat_at=self.run.heartbeat_at,
            current_resource=self.run.current_resource,
        )
        if not alive:
            raise RunAbandoned(f"Sync run {self.run.pk} is no longer running.")
