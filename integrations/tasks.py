"""django-q2 tasks: thin, idempotent, taking ids only; the work is in the services they name.

Their dotted paths are stored: in django-q2's Schedule rows ("integrations.tasks.run_sync",
"integrations.tasks.sync_all_connections", "integrations.tasks.sweep_deliveries") and in
queued tasks ("integrations.tasks.process_delivery"). So a task keeps its name and the
service it calls has its own (run_sync -> sync_runs.run_queued_sync, ...).
"""

from __future__ import annotations

import logging

from integrations import deliveries, registry, retention, sync_runs, tenant_erasure

logger = logging.getLogger(__name__)


def run_sync(
    connection_id: int, *, full: bool = False, reason: str = "task", after_slice: int | None = None
) -> str:
    """One slice of the connection's sync (its queued run, or the next slice of its running
    one, which queues the slice after it); a no-op when another worker already has it."""
    run = sync_runs.run_queued_sync(
        connection_id, full=full, reason=reason, after_slice=after_slice
    )
    return run.status if run is not None else "skipped"


def sync_all_connections() -> int:
    """The periodic tick: request an incremental sync of every usable connection whose turn
    in GUIDE_SYNC_INTERVAL_MINUTES came."""
    return sync_runs.request_all_syncs()


# --- webhooks (integrations/deliveries.py) --------------------------------------------------


def process_delivery(delivery_id: int) -> str:
    """Apply a stored webhook delivery, with a batch of its tenant's other pending ones, to
    the tenant's data (idempotent: deliveries already applied or claimed are left alone);
    those about a candidate erased earlier then lose their body (integrations/
    delivery_erasure.py)."""
    return deliveries.apply_pending(delivery_id)


def sweep_deliveries() -> int:
    """Every minute, and once the broker answers again after an enqueue failed: re-enqueue
    webhook deliveries not processed yet and retries now due."""
    return deliveries.requeue_waiting_deliveries()


# --- personal data (integrations/retention.py, integrations/tenant_erasure.py) ----------------


def apply_retention() -> dict:
    """Hourly, on the bulk queue: old delivery bodies erased, old delivery rows deleted."""
    return retention.apply_retention()


def erase_tenant_data(erasure_id: int) -> str:
    """Delete everything Guide holds for a tenant (its audit trail excepted), in batches."""
    return tenant_erasure.run_tenant_erasure(erasure_id)


def write_guide_links() -> int:
    """Every few minutes, on the bulk queue: each candidate's guide link written to the ATS
    where the tenant asked for it (integrations/schedule.py); returns the writes tried."""
    return registry.write_back_sweep()
