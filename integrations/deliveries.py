"""Processing stored webhook deliveries: claim, apply the action's handler, retry, replay.

A delivery is processed by the django-q2 task `integrations.tasks.process_delivery`, enqueued
once its row is committed; the task applies it with a batch of its tenant's other pending
deliveries (integrations/delivery_batches.py), so the tasks of a burst after the first few
find theirs applied already. Nothing is lost if that enqueue never happens (a crash, the broker
down): `requeue_waiting_deliveries`, run every minute, re-enqueues deliveries still waiting, retries due,
and deliveries whose worker died. A claim is one conditional UPDATE, so two workers handed the
same delivery never both process it.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
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
# one the sweep enqueued is left alone for RESWEEP_AFTER, so a backlog is not multiplied.
SWEEP_AFTER = timedelta(minutes=2)
RESWEEP_AFTER = timedelta(minutes=10)
SWEEP_BATCH = 500
SWEEP_SCHEDULE_NAME = "Re-enqueue webhook deliveries"
PROCESS_TASK = "integrations.tasks.process_delivery"


class ReplayRefused(Exception):
    """A delivery that cannot be replayed now (the message says why)."""


def enqueue(delivery_id: int) -> None:
    """Queue the processing of a delivery. A broker failure is logged, not raised: the
    delivery is stored, and the sweep enqueues it again."""
    from django_q.tasks import async_task

    try:
        # save=False: the delivery row is the record; django-q's result rows would be noise.
        async_task(
            PROCESS_TASK,
            delivery_id,
            group="webhooks",
            save=False,
            cluster=REALTIME,
            broker=broker(REALTIME),
        )
    except Exception as exc:  # the broker is down: the sweep is the safety net
        logger.warning("Could not enqueue webhook delivery %s: %s", delivery_id, type(exc).__name__)


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

    - received but never picked up (the enqueue after commit was lost),
    - retrying and due,
    - processing for longer than a task may run (its worker died): retried, or failed once
      out of attempts.
    """
    now = now or timezone.now()
    stuck_before = now - timedelta(seconds=settings.Q_CLUSTER.get("timeout", 600) + 60)
    stuck = WebhookDelivery.objects.filter(status=Status.PROCESSING, started_at__lt=stuck_before)
    for delivery in stuck.defer("body", "headers"):
        _release_stopped_run(delivery, now)
    not_swept_lately = (
        Q(swept_at__isnull=True)
        | Q(swept_at__lt=now - RESWEEP_AFTER)
        | Q(status=Status.RETRYING, swept_at__lt=F("next_attempt_at"))
    )
    due = (
        WebhookDelivery.objects.filter(
            Q(status=Status.RECEIVED, received_at__lt=now - SWEEP_AFTER)
            | Q(status=Status.RETRYING, next_attempt_at__lte=now)
        )
        .filter(not_swept_lately)
        .order_by("received_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    ids = list(due)
    WebhookDelivery.objects.filter(pk__in=ids).update(swept_at=now)
    for delivery_id in ids:
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
    delivery.save(
        update_fields=[
            "status",
            "attempts",
            "replay_requested_by",
            "error",
            "outcome",
            "next_attempt_at",
            "processed_at",
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
        func="integrations.tasks.sweep_deliveries",
        cluster=REALTIME,  # run by the realtime cluster's scheduler, on its queue
        schedule_type=Schedule.MINUTES,
        minutes=1,
        repeats=-1,
    )
