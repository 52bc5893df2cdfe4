"""How long webhook deliveries are kept: bodies GUIDE_DELIVERY_BODY_DAYS (then replaced by a
note; long enough to replay and debug), rows GUIDE_DELIVERY_ROW_DAYS (then deleted with their
attempts). Run by a django-q2 schedule on the bulk queue (`ensure_retention_schedule`).

Work is done in batches of GUIDE_RETENTION_BATCH rows, each its own short transaction (row
locks on that batch only, never the table), chosen by an index, with a pause between batches
(GUIDE_RETENTION_PAUSE_MS) so the receiver's INSERTs never queue behind a long statement; a run
stops after GUIDE_RETENTION_MAX_SECONDS and the next one goes on. Progress is logged per batch.

The same run notes the candidate of rows received before candidates were noted (the
migration's "?"), and erases the bodies of deliveries about an erased candidate that were
stored but never processed (sent to another event's URL).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from integrations import delivery_erasure, registry
from integrations.models import DeletedCandidate, DeliveryAttempt, WebhookDelivery
from integrations.schedule import upsert_schedule
from tenants import sql
from tenants.models import Tenant
from tenants.queue import BULK

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "Apply the retention of webhook deliveries"
SCHEDULE_FUNC = "integrations.tasks.apply_retention"
NOT_NOTED = WebhookDelivery.CANDIDATE_NOT_NOTED


class _Run:
    """One run's clock and batch size: `more()` is False once its time is up."""

    def __init__(self, max_seconds: float | None = None) -> None:
        self.batch = max(1, int(settings.GUIDE_RETENTION_BATCH))
        self.pause = max(0, int(settings.GUIDE_RETENTION_PAUSE_MS)) / 1000
        limit = settings.GUIDE_RETENTION_MAX_SECONDS if max_seconds is None else max_seconds
        self.deadline = time.monotonic() + float(limit)

    def more(self) -> bool:
        return time.monotonic() < self.deadline

    def rest(self) -> None:
        if self.pause:
            time.sleep(self.pause)


def apply_retention(now: datetime | None = None, *, max_seconds: float | None = None) -> dict:
    """One run: old bodies erased, old rows deleted, unnoted candidates noted, late bodies
    about erased candidates erased. Returns the counts (also logged)."""
    now = now or timezone.now()
    run = _Run(max_seconds)
    counts = {
        "bodies erased": erase_old_bodies(now, run),
        "rows deleted": prune_old_rows(now, run),
        "candidates noted": note_candidates(run),
        "late bodies erased": erase_unprocessed_about_erased(now),
    }
    logger.info("Delivery retention: %s", counts)
    return counts


def _batches(select: Callable[[], list[int]], act: Callable[[list[int]], int], what: str, run):
    """Repeat select -> act until nothing is selected or the run's time is up."""
    total = 0
    while run.more():
        ids = select()
        if not ids:
            break
        total += act(ids)
        logger.info("Delivery retention: %s %s so far", total, what)
        if len(ids) < run.batch:
            break
        run.rest()
    return total


def erase_old_bodies(now: datetime, run: _Run) -> int:
    """Bodies received before the window lose their body and headers, oldest first (the
    partial index delivery_body_kept holds exactly the rows still to do)."""
    days = int(settings.GUIDE_DELIVERY_BODY_DAYS)
    old = WebhookDelivery.objects.filter(
        body_erased_at__isnull=True, received_at__lt=now - timedelta(days=days)
    ).exclude(status=WebhookDelivery.Status.PROCESSING)
    why = f"deliveries' bodies are kept {days} days (GUIDE_DELIVERY_BODY_DAYS)."

    def select() -> list[int]:
        return list(old.order_by("received_at").values_list("pk", flat=True)[: run.batch])

    return _batches(select, lambda ids: delivery_erasure.erase_bodies(ids, why), "bodies", run)


def prune_old_rows(now: datetime, run: _Run) -> int:
    """Rows received before the window are deleted with their attempts, tenant by tenant
    (the (tenant, -received_at) index finds each tenant's oldest)."""
    cutoff = now - timedelta(days=int(settings.GUIDE_DELIVERY_ROW_DAYS))
    total = 0
    for tenant_id in Tenant.objects.order_by("pk").values_list("pk", flat=True):
        old = WebhookDelivery.objects.filter(tenant_id=tenant_id, received_at__lt=cutoff)

        def select(old=old) -> list[int]:
            return list(old.order_by("received_at").values_list("pk", flat=True)[: run.batch])

        total += _batches(select, delete_rows, "rows deleted", run)
    return total


def delete_rows(ids: list[int]) -> int:
    """Delete these deliveries and their attempts: two plain DELETEs by primary key (the
    ORM's delete would load every row, bodies included, first)."""
    table = sql.qn(WebhookDelivery._meta.db_table)
    marks = ", ".join(["%s"] * len(ids))
    with transaction.atomic(), connection.cursor() as cursor:
        DeliveryAttempt.objects.filter(delivery_id__in=ids).delete()
        cursor.execute(f"DELETE FROM {table} WHERE id IN ({marks})", ids)  # noqa: S608
        return cursor.rowcount


def note_candidates(run: _Run) -> int:
    """Rows received before candidates were noted get theirs, read from the body ("" when the
    body is gone or names none), so an erasure finds them by the index."""
    total = 0
    for tenant_id in Tenant.objects.order_by("pk").values_list("pk", flat=True):
        unnoted = WebhookDelivery.objects.filter(tenant_id=tenant_id, candidate_id=NOT_NOTED)

        def select(unnoted=unnoted) -> list[int]:
            return list(unnoted.values_list("pk", flat=True)[: run.batch])

        total += _batches(select, _note, "candidates noted", run)
    return total


def _note(ids: list[int]) -> int:
    rows = list(WebhookDelivery.objects.filter(pk__in=ids).only("pk", "body", "body_erased_at"))
    for row in rows:
        row.candidate_id = "" if row.body_erased_at else _candidate_in(row.body)
    WebhookDelivery.objects.bulk_update(rows, ["candidate_id"])
    return len(rows)


def _candidate_in(body: str) -> str:
    try:
        payload = json.loads(body)
    except ValueError:
        return ""
    return registry.candidate_in(payload) if isinstance(payload, dict) else ""


def erase_unprocessed_about_erased(now: datetime) -> int:
    """Deliveries of the last day about a candidate erased meanwhile that processing never
    saw (sent to another event's URL, so stored as ignored): their bodies go too."""
    tombstone = DeletedCandidate.objects.filter(
        tenant=OuterRef("tenant"), external_id=OuterRef("candidate_id")
    )
    late = WebhookDelivery.objects.filter(
        body_erased_at__isnull=True, received_at__gte=now - timedelta(days=1)
    ).exclude(candidate_id="")
    ids = list(late.filter(Exists(tombstone)).values_list("pk", flat=True)[:1000])
    for delivery_id in ids:
        delivery_erasure.erase_late_delivery(delivery_id)
    return len(ids)


def ensure_retention_schedule(using: str = DEFAULT_DB_ALIAS, **_kwargs) -> None:
    """Create (or correct) the hourly retention schedule on the bulk queue; idempotent, run
    after migrate (skipped while django-q2's tables do not exist yet)."""
    from django_q.models import Schedule

    upsert_schedule(
        using,
        SCHEDULE_NAME,
        func=SCHEDULE_FUNC,
        cluster=BULK,
        schedule_type=Schedule.HOURLY,
        repeats=-1,
    )
