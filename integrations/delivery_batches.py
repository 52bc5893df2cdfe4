"""Claiming and applying a tenant's pending webhook deliveries a batch at a time.

A task (integrations.tasks.process_delivery) claims its delivery and up to BATCH_SIZE - 1 more
of the same tenant's pending, due deliveries in one statement: an UPDATE of the rows a
sub-SELECT picks, `FOR UPDATE SKIP LOCKED` on PostgreSQL (two workers never claim the same
delivery, and neither waits for the other); SQLite runs one writing statement at a time, so
the same UPDATE is just as exclusive there. The tasks of deliveries claimed by an earlier
batch find nothing to claim and end after that one statement. Then, for the batch:

1. with no transaction open, each delivery's payload is read and what it lacks is asked of
   Ashby (the integration's fetchers; a batch fetcher reads what Guide has once for all);
2. one transaction: consecutive deliveries whose action has a batch handler (an
   application's events) are applied together in a savepoint, the others one by one in
   received order, each in its own savepoint. A delivery that fails rolls back its own
   savepoint only; a batch group that fails as a whole is applied again delivery by delivery,
   so one bad delivery never fails or rolls back the others;
3. in that same transaction, every delivery's result and its attempt (integrations/
   delivery_history.py): two statements for the batch.

At most once: a delivery's changes and its "processed" commit together, and only the worker
that claimed it applies it. Out of order: the handlers' updatedAt guard, as for one delivery.
If the batch's transaction fails as a whole (the database gone, the commit refused), nothing
of it was applied: each delivery's failure is then saved on its own, and retried as usual.
"""

from __future__ import annotations

import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from integrations import delivery_history, delivery_messages, metrics, registry
from integrations.errors import CannotApply
from integrations.models import DeliveryAttempt, WebhookDelivery
from tenants import sql

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status

MAX_ATTEMPTS = 5
RETRY_BASE = timedelta(seconds=30)  # 30 s, 2 min, 8 min, 32 min: then failed
# Deliveries one task claims and applies in one transaction: large enough that a backlog
# costs a few statements per delivery, small enough that the batch's locks are held briefly.
BATCH_SIZE = 50

_TABLE = WebhookDelivery._meta.db_table
_CLAIM = f"""
UPDATE {_TABLE} SET status = %s, attempts = attempts + 1, attempts_total = attempts_total + 1,
    started_at = %s
WHERE id IN (
    SELECT id FROM {_TABLE} WHERE {{which}} AND status IN (%s, %s)
        AND (next_attempt_at IS NULL OR next_attempt_at <= %s)
    ORDER BY CASE WHEN id = %s THEN 0 ELSE 1 END, received_at, id
    LIMIT %s{{lock}}
)
RETURNING id"""  # noqa: S608 (the table's name only; every value is a parameter)
_OF_TENANT = f"tenant_id = (SELECT tenant_id FROM {_TABLE} WHERE id = %s)"  # noqa: S608


def retry_delay(attempts: int) -> timedelta:
    """Backoff before attempt `attempts + 1`."""
    return RETRY_BASE * (4 ** max(attempts - 1, 0))


@dataclass
class Run:
    """One claimed delivery on its way through the batch."""

    delivery: WebhookDelivery
    handler: Callable[..., str] | None = None
    data: dict | None = None
    fetched: Any = None
    status: str = ""  # set once it is settled: processed, ignored, or retrying / failed
    outcome: str = ""
    error: Exception | None = None
    stored_outcome: str = ""  # what the delivery said before this run (kept if it fails)

    def __post_init__(self) -> None:
        self.stored_outcome = self.delivery.outcome

    @property
    def pending(self) -> bool:
        return not self.status and self.error is None

    def done(self, status: str, outcome: str) -> None:
        self.status, self.outcome = status, (outcome or "")[:2000]

    def fail(self, exc: Exception) -> None:
        self.status, self.error = "", exc


def claim(delivery_id: int, *, batch: bool = True) -> list[WebhookDelivery]:
    """Mark as processing this delivery (and with `batch`, up to BATCH_SIZE - 1 more of its
    tenant's pending, due deliveries, oldest first) if pending and due; the claimed rows,
    oldest first. One statement: each delivery is claimed by one worker only."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    lock = (
        " FOR UPDATE SKIP LOCKED" if connection.features.has_select_for_update_skip_locked else ""
    )
    which = _OF_TENANT if batch else "id = %s"
    params = [Status.PROCESSING, now, delivery_id, *WebhookDelivery.PENDING, now, delivery_id]
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM.format(which=which, lock=lock), [*params, BATCH_SIZE if batch else 1])
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    claimed = WebhookDelivery.objects.filter(pk__in=ids).select_related("tenant")
    return list(claimed.order_by("received_at", "id"))


def apply_claimed(deliveries: list[WebhookDelivery]) -> list[Run]:
    """Apply claimed deliveries (one tenant's) and save each one's result and attempt."""
    runs = [_prepare(delivery) for delivery in deliveries]
    _fetch(runs)
    try:
        with transaction.atomic():
            _one_batch_per_tenant(deliveries[0].tenant_id)
            _apply(runs)
            _record(runs)
    except Exception as exc:  # nothing of the batch was applied: each is retried on its own
        logger.warning("A batch of %s webhook deliveries failed as a whole", len(runs))
        for run in runs:
            run.fail(exc)
            _record_alone(run)
    return runs


# pg_advisory_xact_lock's first key: "the webhook deliveries of tenant <second key>".
_TENANT_BATCH_LOCK = 0x4775_6964  # "Guid"


def _one_batch_per_tenant(tenant_id: int) -> None:
    """Wait until no other worker applies a batch of this tenant's deliveries (until this
    transaction ends). Two batches of one tenant update the same rows (a job, a guide) in
    different orders and deadlock on PostgreSQL, and a deadlock sends a delivery to its retry
    a minute later; one at a time per tenant, other tenants' batches run side by side. SQLite
    writes one transaction at a time anyway."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_TENANT_BATCH_LOCK, tenant_id])


def _prepare(delivery: WebhookDelivery) -> Run:
    run = Run(delivery, handler=registry.handler_for(delivery.action))
    if run.handler is None:
        run.done(Status.IGNORED, f"Guide does not use {delivery.action} events.")
        return run
    try:
        run.data = _data(delivery)
    except Exception as exc:
        run.fail(exc)
    return run


def _data(delivery: WebhookDelivery) -> dict:
    payload = json.loads(delivery.body)
    data = payload.get("data")
    if not isinstance(data, dict):
        raise CannotApply("The payload has no data object, so there is nothing to apply.")
    return data


def _fetch(runs: list[Run]) -> None:
    """Ask Ashby (no transaction open) for what deliveries lack: a batch's deliveries of one
    kind together, the others one by one. A fetch that fails fails its deliveries only."""
    kinds: dict[Any, list[Run]] = {}
    for run in runs:
        if run.pending:
            kinds.setdefault(_batch(run), []).append(run)
    for batch, group in kinds.items():
        if batch is not None and len(group) > 1:
            _fetch_together(batch, group)
        else:
            for run in group:
                _fetch_one(run)


def _batch(run: Run):
    return registry.batch_for(run.delivery.action)


def _fetch_together(batch, group: list[Run]) -> None:
    try:
        fetched = batch.fetch(group[0].delivery.tenant, [run.data for run in group])
    except Exception as exc:
        for run in group:
            run.fail(exc)
        return
    for run, result in zip(group, fetched, strict=True):
        if isinstance(result, Exception):
            run.fail(result)
        else:
            run.fetched = result


def _fetch_one(run: Run) -> None:
    fetch = registry.fetcher_for(run.delivery.action)
    if fetch is None:
        return
    try:
        run.fetched = fetch(run.delivery.tenant, run.data)
    except Exception as exc:
        run.fail(exc)


def _apply(runs: list[Run]) -> None:
    """Apply the pending runs in received order (inside the batch's transaction)."""
    pending = [run for run in runs if run.pending]
    for batch, group in itertools.groupby(pending, key=_batch):
        group = list(group)
        if batch is not None and len(group) > 1:
            _apply_together(batch, group)
        else:
            for run in group:
                _apply_one(run)


def _apply_together(batch, group: list[Run]) -> None:
    """One savepoint for the group; if it fails as a whole, each delivery on its own."""
    try:
        with transaction.atomic():
            results = batch.apply(
                group[0].delivery.tenant, [(run.data, run.fetched) for run in group]
            )
    except Exception as exc:
        logger.info("A group of %s deliveries failed together (%s)", len(group), type(exc).__name__)
        for run in group:
            _apply_one(run)
        return
    for run, result in zip(group, results, strict=True):
        if isinstance(result, Exception):
            run.fail(result)
        else:
            run.done(Status.PROCESSED, result)


def _apply_one(run: Run) -> None:
    tenant = run.delivery.tenant
    try:
        with transaction.atomic():  # a savepoint: a failure rolls back this delivery only
            if run.fetched is None:
                outcome = run.handler(tenant, run.data)
            else:
                outcome = run.handler(tenant, run.data, run.fetched)
    except Exception as exc:
        run.fail(exc)
        return
    run.done(Status.PROCESSED, outcome)


# --- results and attempts --------------------------------------------------------------------

_RESULT_FIELDS = ["status", "outcome", "error", "processed_at", "next_attempt_at"]


def _record(runs: list[Run]) -> None:
    """Every run's result on its delivery and its attempt row: two statements."""
    attempts = [_settle(run) for run in runs]
    for run in runs:
        metrics.delivery_processed(
            run.delivery.action,
            run.delivery.status,
            received_at=run.delivery.received_at,
            replayed=bool(run.delivery.replay_requested_by),
        )
    if len(runs) == 1:
        runs[0].delivery.save(update_fields=_RESULT_FIELDS)
        attempts[0].save(force_insert=True)
        return
    # By hand (tenants/sql.py): Django's bulk_update and bulk_create cost more CPU than
    # applying the batch did.
    fields = ["id", *_RESULT_FIELDS]
    sql.update_rows(WebhookDelivery, [_columns(run.delivery, fields) for run in runs], fields[1:])
    sql.insert_rows(DeliveryAttempt, [_columns(a, _ATTEMPT_FIELDS) for a in attempts])


_ATTEMPT_FIELDS = [f.attname for f in DeliveryAttempt._meta.concrete_fields if not f.primary_key]


def _columns(instance, names: list[str]) -> dict[str, Any]:
    return {name: getattr(instance, name) for name in names}


def _record_alone(run: Run) -> None:
    """The failure of a run whose batch could not be saved, in its own transaction; if even
    that fails, the delivery stays "processing" and the sweep retries it."""
    try:
        with transaction.atomic():
            _record([run])
    except Exception:
        logger.exception("Could not save the failure of webhook delivery %s", run.delivery.pk)


def _settle(run: Run) -> DeliveryAttempt:
    """Set the delivery's new fields from the run; its attempt (not saved)."""
    delivery = run.delivery
    delivery.processed_at = timezone.now()
    delivery.next_attempt_at = None
    if run.error is None:
        delivery.status, delivery.outcome, delivery.error = run.status, run.outcome, ""
        return delivery_history.attempt_of(delivery, run.status, run.outcome)
    exc = run.error
    delivery.outcome = run.stored_outcome
    permanent = isinstance(exc, ValueError)  # a mapping or shape problem: never applies
    if not (permanent or delivery.attempts >= MAX_ATTEMPTS):
        delivery.processed_at = None
        delivery.next_attempt_at = timezone.now() + retry_delay(delivery.attempts)
    delivery.status = Status.RETRYING if delivery.next_attempt_at else Status.FAILED
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
    run.status = delivery.status
    logger.warning(
        "Webhook delivery %s (%s) attempt %s failed: %s; now %s",
        delivery.pk,
        delivery.action,
        delivery.attempts,
        type(exc).__name__,
        delivery.status,
        exc_info=(type(exc), exc, exc.__traceback__) if not permanent else False,
    )
    return delivery_history.attempt_of(delivery, delivery.status, failure.message, failure.details)
