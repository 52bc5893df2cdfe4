"""A tenant's offboarding: everything Guide holds for the tenant deleted in the background, its
audit trail excepted (and this erasure's own row, which shows the progress).

The tenant's admin asks for it when disconnecting Ashby (integrations/ashby/connect.py); a
TenantErasure row is made and `integrations.tasks.erase_tenant_data` queued on the bulk queue
once it commits. The task asks every registered holder of personal data
(tenants/personal_data.py) to delete the tenant's rows in batches of GUIDE_RETENTION_BATCH,
saving the count after each batch, so the page shows the progress and a run that dies is
resumed by running the task again (every step is idempotent).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from integrations.models import AuditEvent, TenantErasure
from tenants.models import Tenant
from tenants.personal_data import holders
from tenants.queue import BULK, enqueue

logger = logging.getLogger(__name__)

TASK = "integrations.tasks.erase_tenant_data"
Status = TenantErasure.Status


def start_tenant_erasure(tenant: Tenant, *, user: Any) -> TenantErasure:
    """Record the request and queue the deletion once it commits; while one is queued or
    running, that one is returned and nothing new is started."""
    try:
        with transaction.atomic():
            erasure = TenantErasure.objects.create(
                tenant=tenant, requested_by=user, requested_by_name=_name(user)
            )
    except IntegrityError:  # one active per tenant (a constraint): a second click
        return TenantErasure.objects.get(tenant=tenant, status__in=TenantErasure.ACTIVE)
    AuditEvent.record(
        tenant,
        user,
        AuditEvent.Action.TENANT_ERASURE_STARTED,
        target=f"TenantErasure {erasure.pk}",
        message="Started deleting everything Guide holds for this tenant (its audit trail stays).",
    )
    transaction.on_commit(partial(enqueue, BULK, TASK, erasure.pk, group="erasure"))
    logger.info("Tenant %s: data erasure %s queued", tenant.pk, erasure.pk)
    return erasure


def active_erasure(tenant: Tenant) -> TenantErasure | None:
    return TenantErasure.objects.filter(tenant=tenant, status__in=TenantErasure.ACTIVE).first()


def latest_erasure(tenant: Tenant) -> TenantErasure | None:
    return TenantErasure.objects.filter(tenant=tenant).order_by("-requested_at", "-id").first()


def run_tenant_erasure(erasure_id: int) -> str:
    """Delete the tenant's data, holder by holder, batch by batch; returns the final status.
    A finished erasure is left alone; a queued or running one (a task run again after its
    worker died) carries on from where the data is."""
    erasure = TenantErasure.objects.select_related("tenant").filter(pk=erasure_id).first()
    if erasure is None or not erasure.is_active:
        return erasure.status if erasure else "missing"
    TenantErasure.objects.filter(pk=erasure.pk).update(
        status=Status.RUNNING, started_at=Coalesce(F("started_at"), Value(timezone.now()))
    )
    try:
        for holder in holders():
            if holder.erase_tenant is not None:
                _erase_all(erasure, holder)
    except Exception as exc:
        return _fail(erasure, exc)
    return _finish(erasure)


def _erase_all(erasure: TenantErasure, holder) -> None:
    """One holder's rows of the tenant, batch after batch, the count saved after each."""
    batch = max(1, int(settings.GUIDE_RETENTION_BATCH))
    erasure.current = holder.label
    while True:
        deleted = holder.erase_tenant(erasure.tenant, batch)
        if deleted:
            progress = erasure.progress or {}
            progress[holder.label] = int(progress.get(holder.label, 0)) + deleted
            erasure.progress = progress
        erasure.save(update_fields=["progress", "current"])
        if not deleted:
            return
        logger.info("Tenant erasure %s: %s", erasure.pk, erasure.progress)


def _finish(erasure: TenantErasure) -> str:
    with transaction.atomic():
        erasure.status, erasure.current = Status.DONE, ""
        erasure.finished_at = timezone.now()
        erasure.save(update_fields=["status", "current", "finished_at"])
        AuditEvent.record(
            erasure.tenant,
            None,
            AuditEvent.Action.TENANT_ERASURE_FINISHED,
            target=f"TenantErasure {erasure.pk}",
            message=f"Deleted everything Guide held for this tenant: {_summary(erasure)}.",
            counts=erasure.progress,
        )
    logger.info("Tenant erasure %s done: %s", erasure.pk, erasure.progress)
    return erasure.status


def _fail(erasure: TenantErasure, exc: Exception) -> str:
    logger.error("Tenant erasure %s failed", erasure.pk, exc_info=exc)
    erasure.status, erasure.finished_at = Status.FAILED, timezone.now()
    erasure.error = f"Stopped while deleting {erasure.current}: {type(exc).__name__}."
    erasure.save(update_fields=["status", "finished_at", "error"])
    return erasure.status


def _summary(erasure: TenantErasure) -> str:
    parts = [f"{n} {label}" for label, n in (erasure.progress or {}).items() if n]
    return ", ".join(parts) or "nothing was held"


def _name(user: Any) -> str:
    return user.get_username() if user is not None else ""
