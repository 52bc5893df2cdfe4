"""The sync engine: pulls a tenant's Ashby account into Guide, a slice at a time.

A run is a set of passes (integrations/ashby/resources.py, STEPS): one per resource
(sync_passes.py: full or incremental, page by page, resumable) and the stages of the plans
(stage_pass.py). A pass starts once the passes it refers to are done, so a guide's candidate,
application and job come first and its first guides appear within seconds of Connect; the
passes under way run side by side, their pages fetched by a small pool (up to the tenant's
share of the request budget) while every page is stored, in its own transaction, in the
thread running the slice (integrations/fetch_pool.py).

`sync_slice(clock)` works until the clock is spent (GUIDE_SYNC_SLICE_SECONDS or
GUIDE_SYNC_SLICE_PAGES) and says whether the run is done; between slices the run's
`checkpoint` holds which passes are done and what the later ones depend on (a deletion that
makes later passes full, whether the plans pass was full, permissions found missing), and
each pass under way its own SyncState. `sync_all()` runs every slice at once.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from integrations.ashby import errors, resources
from integrations.ashby.client import AshbyClient
from integrations.ashby.resources import STAGES, STEPS, Step
from integrations.ashby.stage_pass import StagePass
from integrations.ashby.storing import Context, Counts
from integrations.ashby.sync_passes import ResourcePass, will_be_full
from integrations.errors import RunAbandoned
from integrations.fetch_pool import FetchPool, SliceClock, tenant_width
from integrations.models import SyncRun, SyncState

logger = logging.getLogger(__name__)

COUNTED = ("fetched", "created", "updated", "deleted", "skipped")


class Engine:
    """Runs the passes of one SyncRun. integrations/sync_runs.py drives it, a slice a task."""

    def __init__(self, run: SyncRun, client: AshbyClient) -> None:
        self.run = run
        self.ctx = Context(run=run, tenant=run.connection.tenant, client=client)
        self.page_size = int(getattr(settings, "GUIDE_SYNC_PAGE_SIZE", 100))
        hours = float(getattr(settings, "GUIDE_FULL_SYNC_EVERY_HOURS", 24))
        self.full_every = timedelta(hours=hours) if hours > 0 else None
        self.width = tenant_width()
        checkpoint = run.checkpoint or {}
        self.done: set[str] = set(checkpoint.get("done", ()))
        # Set when a full pass deleted candidates or applications: what cascaded away with them
        # (an application moved to a merged candidate, its schedules) only comes back in a full
        # pass, so every pass of this run started later gets one.
        self.cascade_full = bool(checkpoint.get("cascade_full"))
        self.plans_full = bool(checkpoint.get("plans_full", True))
        self.missing: list[dict[str, str]] = list(checkpoint.get("missing", ()))

    # --- the run ----------------------------------------------------------------------

    def sync_all(self) -> None:
        """Every pass to its end, in one go. Raises the AshbyError that stopped the run, if
        any; a missing permission stops only its pass."""
        while not self.sync_slice():
            pass

    def sync_slice(self, clock: SliceClock | None = None) -> bool:
        """Work until `clock` is spent (no clock: to the end); True when the run is done."""
        clock = clock or SliceClock(None, None)
        with FetchPool(self.width) as pool:
            self._run_passes(pool, clock)
        if len(self.done) < len(STEPS):
            return False
        if self.missing:
            raise _missing_permission(self.missing[0])
        return True

    def _run_passes(self, pool: FetchPool, clock: SliceClock) -> None:
        """Start the passes whose references are in, keep `pool.width` fetches under way
        (one per pass, taking turns; a pass alone fetches its next page while it stores
        one), store each page as it arrives."""
        waiting: list[Any] = []
        flying: dict[Future, Any] = {}
        opened: set[str] = set()
        while True:
            if not clock.spent:
                waiting += self._open_ready(opened)
            while waiting and len(flying) < pool.width and not clock.spent:
                work = waiting.pop(0)
                flying[pool.submit(work.fetch)] = work
            if not flying:
                return
            future = pool.first_done(flying)
            work = flying.pop(future)
            fetched = self._fetched(work, future)
            if fetched is not None:
                alone = not waiting and len(flying) < pool.width
                if alone and work.more_to_fetch and not clock.spent:
                    flying[pool.submit(work.fetch)] = work
                work.store(fetched)
                clock.count_page()
            if not work.done and work not in flying.values():
                waiting.append(work)

    def _open_ready(self, opened: set[str]) -> list[Any]:
        """Open the passes now ready (one that has nothing to do may make others ready)."""
        found: list[Any] = []
        more = True
        while more:
            more = False
            for step in STEPS:
                if step.name in self.done or step.name in opened or not self._ready(step):
                    continue
                opened.add(step.name)
                more = True
                work = self._open(step)
                if not work.done:
                    found.append(work)
        return found

    def _ready(self, step: Step) -> bool:
        if not all(name in self.done for name in step.after):
            return False
        if all(name in self.done for name in step.after_unless_full):
            return True
        return will_be_full(self, resources.BY_NAME[step.name])

    def _open(self, step: Step) -> Any:
        counts = self._counts(step.name)
        if step.name == STAGES:
            work = StagePass(self, counts, all_plans=self.plans_full)
        else:
            work = ResourcePass(self, resources.BY_NAME[step.name], counts)
        if not work.done:
            self.record(step.name, counts)
        return work

    def _fetched(self, work: Any, future: Future) -> Any:
        """What the fetch brought, or None when it brought no page (a pass that starts over,
        or stops for a missing permission). Any other failure of Ashby stops the run."""
        try:
            fetched = future.result()
        except errors.MissingPermission as exc:
            self.missing.append(_permission_note(work.name, exc))
            work.done = True
            self.finished(work.name, full=False)
            self.record(work.name, work.counts, error=str(exc))
            return None
        except errors.AshbyError as exc:
            if work.recover(exc):
                return None
            self.record(work.name, work.counts, error=str(exc))
            raise
        work.fetched(fetched)
        return fetched

    # --- what the passes call -----------------------------------------------------------

    @property
    def wants_full(self) -> bool:
        return self.run.full or self.cascade_full

    def needs_full(self, state: SyncState) -> bool:
        """Full when asked, when there is no token, and once a day (deletions only show in a
        full pass, so a periodic one carries them over)."""
        if self.wants_full or not state.sync_token:
            return True
        if self.full_every is None:
            return False
        last = state.last_full_sync_at
        return last is None or last < timezone.now() - self.full_every

    def finished(self, name: str, *, full: bool) -> None:
        """A pass is done (saved with the progress `record` writes next)."""
        self.done.add(name)
        if name == "interview_plans":
            self.plans_full = full

    def record(self, name: str, counts: Counts, *, page: bool = False, error: str = "") -> None:
        """Write the pass's counts, the checkpoint and a heartbeat; stop if the run was taken
        from us."""
        entry = self.run.progress.get(name) or {"pages": 0}
        entry.update(
            **{key: getattr(counts, key) for key in COUNTED},
            pages=entry["pages"] + (1 if page else 0),
            error=error or entry.get("error", ""),
            notes=counts.notes,
            done=name in self.done,
        )
        self.run.progress[name] = entry
        self.run.current_resource = name
        self.run.heartbeat_at = timezone.now()
        self.run.checkpoint = {
            "done": sorted(self.done),
            "cascade_full": self.cascade_full,
            "plans_full": self.plans_full,
            "missing": self.missing,
        }
        alive = SyncRun.objects.filter(pk=self.run.pk, status=SyncRun.Status.RUNNING).update(
            progress=self.run.progress,
            heartbeat_at=self.run.heartbeat_at,
            current_resource=name,
            checkpoint=self.run.checkpoint,
        )
        if not alive:
            raise RunAbandoned(f"Sync run {self.run.pk} is no longer running.")

    def _counts(self, name: str) -> Counts:
        """The pass's counts so far in this run (an earlier slice's, from the progress)."""
        entry = self.run.progress.get(name) or {}
        counts = Counts(**{key: int(entry.get(key) or 0) for key in COUNTED})
        counts.notes = list(entry.get("notes") or [])
        return counts


def _permission_note(name: str, exc: errors.MissingPermission) -> dict[str, str]:
    return {
        "resource": name,
        "message": exc.message,
        "permission": exc.permission,
        "code": exc.code,
        "endpoint": exc.endpoint,
    }


def _missing_permission(note: dict[str, str]) -> errors.MissingPermission:
    """The first permission found missing in the run, raised when the run is done."""
    exc = errors.MissingPermission(
        note["message"], permission=note["permission"], code=note["code"], endpoint=note["endpoint"]
    )
    exc.resource = note["resource"]
    return exc
