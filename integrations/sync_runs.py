"""Starting, folding, locking and slicing the syncs of a tenant's Ashby data.

One sync per tenant at a time, enforced by the database, not by a flag in a cache:

- `SyncRun` has a partial unique constraint: at most one run per connection is queued or
  running. A second request while one is queued or running is folded into it (the caller
  gets the existing run back).
- `run_queued_sync` claims the run in a short transaction holding the connection row
  (`select_for_update`): a queued run (queued -> running), or a running one between two
  slices whose next slice this task is (`after_slice`). So two workers handed the same task (a
  broker redelivery, a second "Sync now") cannot both work on it: the second leaves.

A run is worked on in slices: each task works for GUIDE_SYNC_SLICE_SECONDS or
GUIDE_SYNC_SLICE_PAGES pages, whichever comes first, then puts the run's next slice at the back
of the bulk queue, so a big tenant's first sync takes turns with every other tenant's syncs
instead of holding a worker for minutes. What a slice stored stays stored: every page is
committed with its pass's checkpoint (the engine's; integrations/ashby/sync_passes.py).

A run not begun yet goes ahead of the slices of the runs under way: a task for a next slice
that finds one waiting (a tenant that just connected, a scheduled incremental sync) works that
run's first slice instead and puts its own slice back at the end of the queue
(`_begin_a_waiting_run`). A tenant's first sync's first slice (no guide yet) ends as soon as
it has made guides when other runs wait to begin (`SliceClock.stop_once`), so a hundred
tenants connecting at once each get their first guides within seconds, then take turns.

A running run writes a heartbeat after every page. A run whose heartbeat is older than
GUIDE_SYNC_STALE_MINUTES while a worker holds it (its worker was killed), or six times that
while it waits in the queue for its next slice (QUEUE_WAIT_FACTOR), is marked failed
by the next request or scheduled tick, so none stays "running" forever; the next run resumes
the passes it left under way from their checkpoints.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone

from guides.models import Guide
from integrations import budget, metrics, registry
from integrations.errors import RunAbandoned
from integrations.fetch_pool import SliceClock
from integrations.models import AshbyConnection, SyncRun
from integrations.schedule import due_connection_ids
from tenants import queue

logger = logging.getLogger(__name__)

RUN_SYNC_TASK = "integrations.tasks.run_sync"
STALE_MESSAGE = (
    "The sync stopped responding (its worker was probably restarted). "
    "The next sync resumes where it left off."
)
KEY_REFUSED = (
    "Ashby refused the API key during a sync: it was probably revoked or deactivated. "
    "Replace the key to resume syncing."
)


# A run waiting in the queue for its next slice waits behind every other tenant's slices:
# it is taken for dead only after this many times GUIDE_SYNC_STALE_MINUTES.
QUEUE_WAIT_FACTOR = 6


def stale_after() -> timedelta:
    return timedelta(minutes=settings.GUIDE_SYNC_STALE_MINUTES)


def request_sync(connection_id: int, *, full: bool = False, reason: str = "") -> SyncRun:
    """Queue a sync of the connection and enqueue its task, or fold the request into the
    run already queued or running (returned as is; a full request upgrades a queued run)."""
    with transaction.atomic():
        connection = AshbyConnection.objects.select_for_update().get(pk=connection_id)
        reap_stale_runs(connection_id=connection.pk)
        active = SyncRun.objects.filter(connection=connection, status__in=SyncRun.ACTIVE).first()
        if active is not None:
            if full and not active.full and active.status == SyncRun.Status.QUEUED:
                SyncRun.objects.filter(pk=active.pk).update(full=True)
                active.full = True
            logger.info("Sync of connection %s folded into run %s", connection.pk, active.pk)
            return active
        try:
            with transaction.atomic():
                run = SyncRun.objects.create(connection=connection, full=full, reason=reason[:200])
        except IntegrityError:  # a concurrent request won (the constraint, not luck)
            return SyncRun.objects.get(connection=connection, status__in=SyncRun.ACTIVE)
        transaction.on_commit(functools.partial(_enqueue, run.pk, connection.pk))
    return run


def _enqueue(run_pk: int, connection_pk: int, after_slice: int | None = None) -> None:
    kwargs = {} if after_slice is None else {"after_slice": after_slice}
    task_id = queue.enqueue(
        queue.BULK,
        RUN_SYNC_TASK,
        connection_pk,
        task_name=f"sync-{connection_pk}-{run_pk}-{after_slice or 0}",
        timeout=settings.GUIDE_SYNC_TIMEOUT_SECONDS,
        **kwargs,
    )
    SyncRun.objects.filter(pk=run_pk, task_id="").update(task_id=str(task_id or "")[:64])


def reap_stale_runs(*, connection_id: int | None = None) -> int:
    """Mark failed the active runs that stopped showing signs of life; returns how many."""
    now = timezone.now()
    cutoff = now - stale_after()
    between_slices = now - stale_after() * QUEUE_WAIT_FACTOR
    waiting = Q(status=SyncRun.Status.RUNNING, in_slice=False)
    stale = SyncRun.objects.filter(status__in=SyncRun.ACTIVE).filter(
        Q(heartbeat_at__lt=cutoff, in_slice=True)
        | Q(heartbeat_at__lt=cutoff, status=SyncRun.Status.QUEUED)
        | Q(waiting, heartbeat_at__lt=between_slices)
        | Q(heartbeat_at__isnull=True, requested_at__lt=cutoff)
    )
    if connection_id is not None:
        stale = stale.filter(connection_id=connection_id)
    count = stale.update(
        status=SyncRun.Status.FAILED, finished_at=now, error=STALE_MESSAGE, in_slice=False
    )
    if count:
        metrics.sync_runs_ended(SyncRun.Status.FAILED, count=count)
        logger.warning("Marked %d stale sync run(s) failed", count)
    return count


def run_queued_sync(
    connection_id: int,
    *,
    client: Any = None,
    full: bool = False,
    reason: str = "task",
    after_slice: int | None = None,
    requeue: bool = True,
) -> SyncRun | None:
    """Work one slice of the connection's sync: its queued run (or a new one, `full` if
    asked), or the running one's next slice (`after_slice`: how many slices it had).

    Returns the run: finished, or still running with its next slice enqueued (unless not
    `requeue`: the caller runs it). None when there was nothing to do: another worker holds
    this connection's sync, the connection is gone, or it needs attention (its run is then
    cancelled). Never raises for an Ashby failure: the run records it.
    """
    if requeue and after_slice is not None:
        begun = _begin_a_waiting_run(connection_id, after_slice)
        if begun is not None:
            return begun
    run = _claim(connection_id, full=full, reason=reason, after_slice=after_slice)
    if run is None:
        return None
    client = client or registry.make_client(
        run.connection.api_key, tenant_id=run.connection.tenant_id
    )
    started = time.monotonic()
    clock, first = _slice_clock(run)
    with contextlib.nullcontext() if first else budget.bulk_lane():
        more = _execute(run, client, clock)
    if more:
        _release(run, requeue=requeue)
    run.refresh_from_db()
    metrics.sync_slice(run.status, time.monotonic() - started)
    return run


def _slice_clock(run: SyncRun) -> tuple[SliceClock, bool]:
    """The slice's bounds, and whether it is a tenant's first (it has no guide yet: someone
    just connected). A first slice's calls to the ATS go ahead of the bulk calls of the syncs
    under way (integrations/budget.py), and it ends once it has made guides if other runs wait
    to begin: its first guides are in, and the others' come next."""
    clock = SliceClock.from_settings()
    tenant_id = run.connection.tenant_id
    first = run.slices == 1 and not _has_guides(tenant_id)
    if first:
        clock.stop_once(functools.partial(_first_guides_made, tenant_id, run.connection_id))
    return clock, first


def _has_guides(tenant_id: int) -> bool:
    return Guide.objects.filter(tenant_id=tenant_id).exists()


def _first_guides_made(tenant_id: int, connection_id: int) -> bool:
    """The tenant has guides and another connection's run waits to begin."""
    return _has_guides(tenant_id) and _waiting_to_begin(connection_id).exists()


def _waiting_to_begin(connection_id: int):
    """Other connections' runs not begun yet, the oldest first."""
    return (
        SyncRun.objects.filter(status=SyncRun.Status.QUEUED)
        .exclude(connection_id=connection_id)
        .order_by("requested_at", "id")
    )


# How many waiting runs a next slice's task tries to begin before it works its own slice (each
# try fails only when another worker began that run first).
BEGIN_TRIES = 3


def _begin_a_waiting_run(connection_id: int, after_slice: int) -> SyncRun | None:
    """A next slice's task, when a run not begun yet waits (oldest first): work that run's
    first slice in this task and put this slice back at the end of the queue; the run's own
    task, later, finds it begun and leaves it. None when none waits (or this task's slice is
    not its to work: a stale copy), and the task works its own slice."""
    own = SyncRun.objects.filter(connection_id=connection_id, status__in=SyncRun.ACTIVE).first()
    if not _claimable(own, after_slice):
        return None
    waiting = _waiting_to_begin(connection_id).values_list("connection_id", "reason")
    for other, reason in waiting[:BEGIN_TRIES]:
        run = run_queued_sync(other, reason=reason or "task", requeue=True)
        if run is not None:
            logger.info(
                "Sync run %s began ahead of the next slice of connection %s", run.pk, connection_id
            )
            transaction.on_commit(functools.partial(_enqueue, own.pk, connection_id, after_slice))
            return run
    return None


def run_sync_to_end(connection_id: int, *, client: Any = None, **kwargs: Any) -> SyncRun | None:
    """Every slice of the connection's sync, one after another in this process (the
    benchmarks, `manage.py` use, tests): the run as it ended, or None as run_queued_sync."""
    run = run_queued_sync(connection_id, client=client, requeue=False, **kwargs)
    while run is not None and run.is_active:
        run = run_queued_sync(connection_id, client=client, after_slice=run.slices, requeue=False)
    return run


def _release(run: SyncRun, *, requeue: bool) -> None:
    """Between two slices: the run stays running, no worker holds it, and its next slice
    goes to the back of the bulk queue once this is committed."""
    released = SyncRun.objects.filter(pk=run.pk, status=SyncRun.Status.RUNNING).update(
        in_slice=False, heartbeat_at=timezone.now()
    )
    if released and requeue:
        transaction.on_commit(functools.partial(_enqueue, run.pk, run.connection_id, run.slices))
    logger.info("Sync run %s: slice %d done", run.pk, run.slices)


def _execute(run: SyncRun, client: Any, clock: SliceClock) -> bool:
    """One slice of the run; True when there is more to do (the run is then still ours)."""
    try:
        done = registry.sync_engine(run, client).sync_slice(clock)
    except registry.InvalidKey as exc:
        _pause_connection(run.connection, exc)
        _finish(run, SyncRun.Status.FAILED, f"{KEY_REFUSED} ({exc})")
    except registry.MissingPermission as exc:
        _pause_connection(run.connection, exc)
        _finish(run, SyncRun.Status.FAILED, f"{getattr(exc, 'resource', '')}: {exc}")
    except registry.ProviderError as exc:
        _finish(run, SyncRun.Status.FAILED, f"{run.current_resource}: {exc}")
    except RunAbandoned:
        logger.warning("Sync run %s was taken over or stopped; leaving it", run.pk)
    except Exception as exc:
        logger.exception("Sync run %s failed on %s", run.pk, run.current_resource)
        _finish(
            run,
            SyncRun.Status.FAILED,
            f"{run.current_resource}: internal error ({type(exc).__name__}). "
            "What was stored is kept; the next sync resumes.",
        )
    else:
        if not done:
            return True
        _finish(run, SyncRun.Status.SUCCEEDED)
    return False


def _pause_connection(connection: AshbyConnection, exc: Exception) -> None:
    """The key was refused or lost a permission: Needs attention (with the Connect flow's
    words for why), so scheduled syncs skip it until an admin replaces or re-checks the key."""
    registry.handle_rejected_key(connection, exc)
    connection.refresh_from_db(fields=["status"])
    if connection.is_usable:  # the Connect flow did not recognise it: pause all the same
        connection.mark_needs_attention(KEY_REFUSED)


def _claim(
    connection_id: int, *, full: bool, reason: str, after_slice: int | None = None
) -> SyncRun | None:
    with transaction.atomic():
        connection = (
            AshbyConnection.objects.select_for_update()
            .select_related("tenant")
            .filter(pk=connection_id)
            .first()
        )
        if connection is None:
            return None
        reap_stale_runs(connection_id=connection.pk)
        run = SyncRun.objects.filter(connection=connection, status__in=SyncRun.ACTIVE).first()
        if not _claimable(run, after_slice):
            logger.info("Sync of connection %s: nothing for this task (run %s)", connection.pk, run)
            return None
        if not connection.is_usable:
            if run is not None:
                _finish(
                    run, SyncRun.Status.CANCELLED, "The connection needs attention.", run.ACTIVE
                )
            return None
        if run is None:
            run = SyncRun.objects.create(connection=connection, full=full, reason=reason[:200])
        now = timezone.now()
        started = run.started_at or now
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncRun.Status.RUNNING,
            started_at=started,
            heartbeat_at=now,
            in_slice=True,
            slices=F("slices") + 1,
        )
        run.status, run.started_at, run.heartbeat_at = SyncRun.Status.RUNNING, started, now
        run.in_slice, run.slices, run.connection = True, run.slices + 1, connection
    return run


def _claimable(run: SyncRun | None, after_slice: int | None) -> bool:
    """A new task takes a queued run (or makes one); a next slice's task (`after_slice`:
    the slices begun before it) takes its running run when no worker holds it and no other
    task began that slice already."""
    if after_slice is None:
        return run is None or run.status == SyncRun.Status.QUEUED
    return (
        run is not None
        and run.status == SyncRun.Status.RUNNING
        and not run.in_slice
        and run.slices == after_slice
    )


def _finish(
    run: SyncRun, status: str, error: str = "", from_statuses: tuple = (SyncRun.Status.RUNNING,)
) -> None:
    ended = SyncRun.objects.filter(pk=run.pk, status__in=from_statuses).update(
        status=status,
        finished_at=timezone.now(),
        error=error,
        current_resource="",
        in_slice=False,
    )
    if ended:
        metrics.sync_runs_ended(status, started_at=run.started_at)
    logger.info("Sync run %s of connection %s: %s", run.pk, run.connection_id, status)


def request_all_syncs() -> int:
    """The scheduler's tick: queue an incremental sync of every usable connection whose turn
    in the interval has come (integrations/schedule.py spreads the tenants over it), folded
    into any under way; connections that need attention are skipped. Returns how many."""
    reap_stale_runs()
    prune_old_runs()
    count = 0
    for connection_id in due_connection_ids():
        request_sync(connection_id, reason="scheduled")
        count += 1
    return count


def prune_old_runs() -> int:
    """Forget finished runs older than GUIDE_SYNC_KEEP_RUNS_DAYS (the history stays bounded
    at 96 runs a day per tenant); a connection's latest run is always kept."""
    cutoff = timezone.now() - timedelta(days=settings.GUIDE_SYNC_KEEP_RUNS_DAYS)
    old = SyncRun.objects.exclude(status__in=SyncRun.ACTIVE).filter(requested_at__lt=cutoff)
    latest = SyncRun.objects.filter(connection=OuterRef("connection")).order_by(
        "-requested_at", "-id"
    )
    deleted, _ = old.exclude(pk=Subquery(latest.values("pk")[:1])).delete()
    return deleted
