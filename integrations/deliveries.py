"""Processing stored webhook deliveries: claim, apply the action's handler, retry, replay.

A delivery is processed by the django-q2 task `integrations.tasks.process_delivery`, enqueued
once its row is committed. Nothing is lost if that enqueue never happens (a crash, the broker
down): `requeue_waiting_deliveries`, run every minute, re-enqueues deliveries still waiting, retries due,
and deliveries whose worker died. A claim is one conditional UPDATE, so two workers handed the
same delivery never both process it.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F, Q
from django.utils import timezone

from integrations import delivery_history, delivery_messages, registry
from integrations.errors import CannotApply
from integrations.models import WebhookDelivery
from tenants.models import Tenant
from tenants.queue import REALTIME, broker

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=30)  # 30 s, 2 min, 8 min, 32 min: then failed
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


def retry_delay(attempts: int) -> timedelta:
    """Backoff before attempt `attempts + 1`."""
    return RETRY_BASE * (4 ** max(attempts - 1, 0))


def apply_delivery(delivery_id: int) -> str:
    """Apply one delivery to its tenant's data; returns the delivery's status afterwards.

    Idempotent: a delivery not pending (processed, failed, ignored, or claimed by another
    worker) is left alone; handlers themselves leave the same data when applied twice.
    """
    now = timezone.now()
    claimed = (
        WebhookDelivery.objects.filter(pk=delivery_id, status__in=WebhookDelivery.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(
            status=Status.PROCESSING,
            attempts=F("attempts") + 1,
            attempts_total=F("attempts_total") + 1,
            started_at=now,
        )
    )
    if not claimed:
        return "not pending"
    delivery = WebhookDelivery.objects.select_related("tenant").get(pk=delivery_id)
    try:
        handler = registry.handler_for(delivery.action)
        if handler is None:
            with transaction.atomic():
                return _finish(
                    delivery, Status.IGNORED, f"Guide does not use {delivery.action} events."
                )
        data = _data(delivery)
        fetch = registry.fetcher_for(delivery.action)
        # Ashby is asked (when the delivery lacks what its guide needs) before the transaction
        # opens: no HTTP call ever holds the delivery's locks.
        fetched = fetch(delivery.tenant, data) if fetch is not None else None
        with transaction.atomic():  # the changes, "processed" and the attempt commit together
            if fetched is None:
                outcome = handler(delivery.tenant, data)
            else:
                outcome = handler(delivery.tenant, data, fetched)
            return _finish(delivery, Status.PROCESSED, outcome)
    except Exception as exc:
        return _fail(delivery, exc)


def _data(delivery: WebhookDelivery) -> dict:
    payload = json.loads(delivery.body)
    data = payload.get("data")
    if not isinstance(data, dict):
        raise CannotApply("The payload has no data object, so there is nothing to apply.")
    return data


def _finish(delivery: WebhookDelivery, status: str, outcome: str) -> str:
    """Save the run's result and its attempt (inside the caller's transaction)."""
    delivery.status = status
    delivery.outcome = (outcome or "")[:2000]
    delivery.error = ""
    delivery.processed_at = timezone.now()
    delivery.next_attempt_at = None
    delivery.save(update_fields=["status", "outcome", "error", "processed_at", "next_attempt_at"])
    delivery_history.record(delivery, status, delivery.outcome)
    return status


def _fail(delivery: WebhookDelivery, exc: Exception) -> str:
    """Retry later, or give up: at once for a payload that can never apply (ValueError:
    a mapping or shape problem), after MAX_ATTEMPTS for anything else. The handler's
    transaction has rolled back; the failure and its attempt are saved together."""
    permanent = isinstance(exc, ValueError)
    if permanent or delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = None
        delivery.processed_at = timezone.now()
    else:
        delivery.status = Status.RETRYING
        delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
    failure = delivery_messages.explain_failure(
        exc,
        permanent=permanent,
        attempts=delivery.attempts,
        max_attempts=MAX_ATTEMPTS,
        retry_at=delivery.next_attempt_at,
    )
    # The delivery's error is the sentence support and the tenant read; the exception's
    # type and text are in its attempt's details.
    delivery.error = failure.message[:2000]
    with transaction.atomic():
        delivery.save(update_fields=["status", "error", "next_attempt_at", "processed_at"])
        delivery_history.record(delivery, delivery.status, failure.message, failure.details)
    logger.warning(
        "Webhook delivery %s (%s) attempt %s failed: %s; now %s",
        delivery.pk,
        delivery.action,
        delivery.attempts,
        type(exc).__name__,
        delivery.status,
        exc_info=not permanent,
    )
    return delivery.status


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

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return
    Schedule.objects.using(using).update_or_create(
        name=SWEEP_SCHEDULE_NAME,
        defaults={
            "func": "integrations.tasks.sweep_deliveries",
            "cluster": REALTIME,  # run by the realtime cluster's scheduler, on its queue
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
        },
    )
