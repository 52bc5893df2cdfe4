"""Starting, folding and locking the syncs of a tenant's Ashby data.

One sync per tenant at a time, enforced by the database, not by a flag in a cache:

- `SyncRun` has a partial unique constraint: at most one run per connection is queued or
  running. A second request while one is queued or running is folded into it (the caller
  gets the existing run back).
- `run_queued_sync` claims the queued run (queued -> running) in a short transaction holding the
  connection row (`select_for_update`), so two workers handed the same task (a broker
  redelivery, a second "Sync now") cannot both run it: the second finds it running and leaves.
- A running run writes a heartbeat after every page. A run whose heartbeat is older than
  GUIDE_SYNC_STALE_MINUTES (its worker was killed) is marked failed by the next request or
  scheduled tick, so none stays "running" forever; the next run resumes (tokens are saved
  per resource only after a whole pass, so an interrupted pass is redone).
"""

from __future__ import annotations

import functools
import logging
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from integrations import metrics, registry
from integrations.errors import RunAbandoned
from integrations.models import AshbyConnection, SyncRun, SyncSeen
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


def _enqueue(run_pk: int, connection_pk: int) -> None:
    task_id = queue.enqueue(
        queue.BULK,
        RUN_SYNC_TASK,
        connection_pk,
        task_name=f"sync-{connection_pk}-{run_pk}",
        timeout=settings.GUIDE_SYNC_TIMEOUT_SECONDS,
    )
    SyncRun.objects.filter(pk=run_pk, task_id="").update(task_id=str(task_id or "")[:64])


def reap_stale_runs(*, connection_id: int | None = None) -> int:
    """Mark failed the active runs that stopped showing signs of life; returns how many."""
    cutoff = timezone.now() - stale_after()
    stale = SyncRun.objects.filter(status__in=SyncRun.ACTIVE).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, requested_at__lt=cutoff)
    )
    if connection_id is not None:
        stale = stale.filter(connection_id=connection_id)
    count = stale.update(
        status=SyncRun.Status.FAILED, finished_at=timezone.now(), error=STALE_MESSAGE
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
) -> SyncRun | None:
    """Run the connection's queued sync (or a new one, `full` if asked) to its end.

    Returns the finished run, or None when there was nothing to do: another worker is running
    this connection's sync, the connection is gone, or it needs attention (its run is then
    cancelled). Never raises for an Ashby failure: the run records it.
    """
    run = _claim(connection_id, full=full, reason=reason)
    if run is None:
        return None
    client = client or registry.make_client(
        run.connection.api_key, tenant_id=run.connection.tenant_id
    )
    started = time.monotonic()
    try:
        _execute(run, client)
    finally:
        SyncSeen.objects.filter(run=run).delete()  # left over by a pass that did not finish
    run.refresh_from_db()
    metrics.sync_slice(run.status, time.monotonic() - started)
    return run


def _execute(run: SyncRun, client: Any) -> None:
    try:
        registry.sync_engine(run, client).sync_all()
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
        _finish(run, SyncRun.Status.SUCCEEDED)


def _pause_connection(connection: AshbyConnection, exc: Exception) -> None:
    """The key was refused or lost a permission: Needs attention (with the Connect flow's
    words for why), so scheduled syncs skip it until an admin replaces or re-checks the key."""
    registry.handle_rejected_key(connection, exc)
    connection.refresh_from_db(fields=["status"])
    if connection.is_usable:  # the Connect flow did not recognise it: pause all the same
        connection.mark_needs_attention(KEY_REFUSED)


def _claim(connection_id: int, *, full: bool, reason: str) -> SyncRun | None:
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
        if run is not None and run.status == SyncRun.Status.RUNNING:
            logger.info("Sync of connection %s already running (run %s)", connection.pk, run.pk)
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
        SyncRun.objects.filter(pk=run.pk).update(
            status=SyncRun.Status.RUNNING, started_at=now, heartbeat_at=now
        )
        run.status, run.started_at, run.heartbeat_at = SyncRun.Status.RUNNING, now, now
        run.connection = connection
    return run


def _finish(
    run: SyncRun, status: str, error: str = "", from_statuses: tuple = (SyncRun.Status.RUNNING,)
) -> None:
    ended = SyncRun.objects.filter(pk=run.pk, status__in=from_statuses).update(
        status=status, finished_at=timezone.now(), error=error, current_resource=""
    )
    if ended:
        metrics.sync_runs_ended(status, started_at=run.started_at)
    logger.info("Sync run %s of connection %s: %s", run.pk, run.connection_id, status)


def request_all_syncs() -> int:
    """Queue an incremental sync of every usable connection (folded into any under way);
    connections that need attention are skipped. Returns how many were requested."""
    reap_stale_runs()
    prune_old_runs()
    ids = AshbyConnection.objects.filter(status=AshbyConnection.Status.CONNECTED).values_list(
        "pk", flat=True
    )
    count = 0
    for connection_id in ids:
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
