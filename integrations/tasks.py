"""django-q2 tasks: thin, idempotent, taking ids only; the work is in the services they name.

Their dotted paths are stored: in django-q2's Schedule rows ("integrations.tasks.run_sync",
"integrations.tasks.sync_all_connections", "integrations.tasks.sweep_deliveries") and in
queued tasks ("integrations.tasks.process_delivery"). So a task keeps its name and the
service it calls has its own (run_sync -> sync_runs.run_queued_sync, ...).
"""

from __future__ import annotations

import logging

from integrations import deliveries, sync_runs

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
    """Apply one stored webhook delivery to its tenant's data (idempotent)."""
    return deliveries.apply_delivery(delivery_id)


def sweep_deliveries() -> int:
    """Every minute: re-enqueue webhook deliveries not processed yet and retries now due."""
    return deliveries.requeue_waiting_deliveries()
