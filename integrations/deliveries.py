"""Processing stored webhook deliveries: claim, apply the action's handler, retry, replay.

A delivery is processed by the django-q2 task `integrations.tasks.process_delivery`, enqueued
once its row is committed; the task applies it with a batch of its tenant's other pending
deliveries (integrations/delivery_batches.py), so the tasks of a burst after the first few
find theirs applied already. Nothing is lost if that enqueue never happens (a crash, the broker
down): `requeue_waiting_deliveries`, run every minute, re-enqueues deliveries still waiting, retries due,
and deliveries whose worker died. A claim is one conditional UPDATE, so two workers handed the
same delivery never both process it.

An enqueue that fails (the broker unreachable) says so on the row (`enqueue_failed_at`), and
the sweep takes such a delivery at its next run instead of waiting SWEEP_AFTER; and the
process's next enqueue that succeeds queues a sweep at once, so the deliveries stored while the
broker was away are applied seconds after it is back. A delivery whose process died before its
enqueue carries no mark: the sweep takes it after SWEEP_AFTER.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations import (
    delivery_batches,
    delivery_erasure,
    delivery_history,
    delivery_messages,
    metrics,
)
from integrations.delivery_batches import MAX_ATTEMPTS, retry_delay  # noqa: F401 (their home once)
from integrations.models import WebhookDelivery
from integrations.schedule import upsert_schedule
from tenants.models import Tenant
from tenants.queue import REALTIME, broker

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

# A delivery still "received" this long was probably never enqueued (or its task was lost);
# one the sweep enqueued is left alone for RESWEEP_AFTER, so a backlog is not multiplied. One
# whose enqueue failed (marked) is taken at once: no task of it is on its way.
SWEEP_AFTER = timedelta(minutes=2)
RESWEEP_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 500
SWEEP_SCHEDULE_NAME = "Re-enqueue webhook deliveries"
PROCESS_TASK = "integrations.tasks.process_delivery"
SWEEP_TASK = "integrations.tasks.sweep_deliveries"

# Whether an enqueue failed in this process since its last successful one: the next success
# then queues a sweep (the broker is back). A flag, not a query: the happy path costs nothing.
_enqueue_failed = False


class ReplayRefused(Exception):
    """A delivery that cannot be replayed now (the message says why)."""


def enqueue(delivery_id: int) -> None:
    """Queue the processing of a delivery. A broker failure is logged, not raised: the
    delivery is stored, marked as not queued, and the sweep enqueues it at its next run. The
    first success after a failure in this process queues that sweep at once."""
    global _enqueue_failed
    try:
        _queue(PROCESS_TASK, delivery_id)
    except Exception as exc:  # the broker is down: the sweep is the safety net
        logger.warning("Could not enqueue webhook delivery %s: %s", delivery_id, type(exc).__name__)
        _enqueue_failed = True
        _mark_enqueue_failed(delivery_id)
        return
    if _enqueue_failed:
        _enqueue_failed = False  # first: the sweep's own enqueues must not queue another
        _queue_sweep()


def _queue(func: str, *args) -> None:
    from django_q.tasks import async_task

    # save=False: the delivery row is the record; django-q's result rows would be noise.
    async_task(func, *args, group="webhooks", save=False, cluster=REALTIME, broker=broker(REALTIME))


def _mark_enqueue_failed(delivery_id: int) -> None:
    """Note on a pending delivery that it was not queued, for the sweep (one UPDATE, on the
    failing path only)."""
    try:
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=WebhookDelivery.PENDING).update(
            enqueue_failed_at=timezone.now()
        )
    except DatabaseError as exc:  # unmarked, it is still swept after SWEEP_AFTER
        logger.warning("Could not mark webhook delivery %s: %s", delivery_id, type(exc).__name__)


def _queue_sweep() -> None:
    """The broker answers again: queue a sweep now rather than at the next minute, for the
    deliveries whose enqueue failed meanwhile (in this process or another)."""
    global _enqueue_failed
    try:
        _queue(SWEEP_TASK)
    except Exception as exc:  # failing again: the next success tries again
        logger.warning("Could not enqueue a webhook sweep: %s", type(exc).__name__)
        _enqueue_failed = True
    else:
        logger.info("Broker reachable again: webhook sweep queued")


def forget_enqueue_failure() -> None:
    """Forget that an enqueue failed in this process (tests)."""
    global _enqueue_failed
    _enqueue_failed = False


def enqueue_after_commit(delivery_id: int) -> None:
    """Queue the processing of a stored delivery once its row is committed (at once outside a
    transaction). The receiver calls this after its answer is written."""
    transaction.on_commit(partial(enqueue, delivery_id))


def apply_delivery(delivery_id: int) -> str:
    """Apply one delivery, and no other, to its tenant's data; returns its status afterwards
    (support's "replay now" waits for it).

    Idempotent: a delivery not pending (processed, failed, ignored, or claimed by another
    worker) is left alone; handlers themselves leave the same data when applied twice.
    """
    claimed = delivery_batches.claim(delivery_id, batch=False)
    if not claimed:
        return "not pending"
    (run,) = delivery_batches.apply_claimed(claimed)
    delivery_erasure.erase_late_deliveries([delivery_id])
    return run.delivery.status


def apply_pending(delivery_id: int) -> str:
    """Apply this delivery and a batch of its tenant's other pending deliveries
    (integrations/delivery_batches.py); returns what became of them, e.g. "processed 50".

    Idempotent, as apply_delivery: deliveries already claimed are left alone, so the task of a
    delivery an earlier batch applied ends after one statement.
    """
    claimed = delivery_batches.claim(delivery_id)
    if not claimed:
        return "not pending"
    runs = delivery_batches.apply_claimed(claimed)
    delivery_erasure.erase_late_deliveries([run.delivery.pk for run in runs])
    counts = Counter(run.delivery.status for run in runs)
    return ", ".join(f"{status} {n}" for status, n in sorted(counts.items()))


def requeue_waiting_deliveries(now: datetime | None = None) -> int:
    """Re-enqueue deliveries that should be processing and are not; returns how many.

    - received but never picked up: at once when its enqueue failed (marked), after
      SWEEP_AFTER otherwise (the enqueue after commit was lost with its process),
    - retrying and due,
    - processing for longer than a task may run (its worker died): retried, or failed once
      out of attempts.

    A delivery it enqueues is left alone for RESWEEP_AFTER (a backlog is not multiplied),
    unless that enqueue failed too. The rows it takes are locked (`SKIP LOCKED` on PostgreSQL)
    until they are stamped, so a sweep queued on the broker's return and the minute's sweep
    running together do not both enqueue them.
    """
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.Q_CLUSTER.get("timeout", 600) + 60)
    stuck = WebhookDelivery.objects.filter(status=Status.PROCESSING, started_at__lt=stuck_before)
    for delivery in stuck.defer("body", "headers"):
        _release_stopped_run(delivery, now)
    not_queued = Q(enqueue_failed_at__isnull=False)
    not_swept_lately = (
        Q(swept_at__isnull=True)
        | Q(swept_at__lt=now - RESWEEP_AFTER)
        | Q(status=Status.RETRYING, swept_at__lt=F("next_attempt_at"))
        | not_queued
    )
    due = (
        WebhookDelivery.objects.filter(
            Q(status=Status.RECEIVED) & (Q(received_at__lt=now - SWEEP_AFTER) | not_queued)
            | Q(status=Status.RETRYING, next_attempt_at__lte=now)
        )
        .filter(not_swept_lately)
        .order_by("received_at")
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    with transaction.atomic():
        ids = list(due)
        WebhookDelivery.objects.filter(pk__in=ids).update(swept_at=now, enqueue_failed_at=None)
    for delivery_id in ids:  # committed first: a failing enqueue marks its row again
        enqueue(delivery_id)
    if ids:
        logger.info("Webhook sweep re-enqueued %s deliveries", len(ids))
    return len(ids)


def _release_stopped_run(delivery: WebhookDelivery, now: datetime) -> None:
    """A run whose worker died: its attempt is recorded as failed, and the delivery retried
    now, or failed once out of attempts. Conditional, so a run that did end is left alone."""
    gave_up = delivery.attempts >= MAX_ATTEMPTS
    retry_at = None if gave_up else now
    status = Status.FAILED if gave_up else Status.RETRYING
    message = delivery_messages.worker_stopped(
        attempts=delivery.attempts, max_attempts=MAX_ATTEMPTS, retry_at=retry_at
    )
    with transaction.atomic():
        released = WebhookDelivery.objects.filter(
            pk=delivery.pk, status=Status.PROCESSING, started_at=delivery.started_at
        ).update(
            status=status,
            error=message,
            next_attempt_at=retry_at,
            processed_at=now if gave_up else None,
        )
        if released:
            details = (
                f"No result {(now - delivery.started_at).total_seconds():.0f} s after it started."
            )
            attempt = delivery_history.attempt_of(
                delivery, status, message, details, finished_at=now
            )
            attempt.save(force_insert=True)
            metrics.delivery_processed(delivery.action, status)


@transaction.atomic
def replay_delivery(
    tenant: Tenant, delivery_id: int, *, requested_by: str = "", queue: bool = True
) -> WebhookDelivery:
    """Process a stored delivery again from its raw body (after a fix, or to re-apply it):
    a new attempt, of kind replay, is added to its history. `requested_by` names who asked;
    `queue=False` when the caller processes it itself (apply_delivery) once this commits.

    Raises WebhookDelivery.DoesNotExist for another tenant's delivery and ReplayRefused while
    it is being processed.
    """
    delivery = WebhookDelivery.objects.select_for_update().get(tenant=tenant, pk=delivery_id)
    if delivery.status == Status.PROCESSING:
        raise ReplayRefused("This delivery is being processed right now; try again in a moment.")
    if delivery.body_erased_at is not None:  # retention or an erasure (integrations/erasure.py)
        raise ReplayRefused("This delivery's body was erased, so there is nothing to replay.")
    delivery.status = Status.RECEIVED
    delivery.attempts = 0
    delivery.replay_requested_by = (requested_by or "system")[:150]
    delivery.error = ""
    delivery.outcome = ""
    delivery.next_attempt_at = None
    delivery.processed_at = None
    delivery.enqueue_failed_at = None  # queued afresh below; marked again if that fails
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "replay_requested_by",
            "error",
            "outcome",
            "next_attempt_at",
            "processed_at",
            "enqueue_failed_at",
        ]
    )
    if queue:
        transaction.on_commit(partial(enqueue, delivery.pk))
    logger.info("Webhook delivery %s replayed (tenant %s)", delivery.pk, tenant.pk)
    return delivery


def ensure_sweep_schedule(using: str = DEFAULT_DB_ALIAS, **_kwargs) -> None:
    """Create (or correct) the every-minute sweep schedule; idempotent, run after migrate
    (skipped while django-q2's tables do not exist yet)."""
    from django_q.models import Schedule

    upsert_schedule(
        using,
        SWEEP_SCHEDULE_NAME,
        func=SWEEP_TASK,
        cluster=REALTIME,  # run by the realtime cluster's scheduler, on its queue
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
    )
