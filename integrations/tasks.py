"""django-q2 tasks: thin, idempotent, taking ids only; the work is in integrations/sync.py."""

from __future__ import annotations

import logging

from integrations import sync

logger = logging.getLogger(__name__)


def run_sync(connection_id: int, *, full: bool = False, reason: str = "task") -> str:
    """Run the connection's queued sync; a no-op when another worker already runs it."""
    run = sync.run_sync(connection_id, full=full, reason=reason)
    return run.status if run is not None else "skipped"


def sync_all_connections() -> int:
    """The periodic tick: request an incremental sync of every usable connection."""
    return sync.sync_all_connections()


# --- webhooks (integrations/deliveries.py) --------------------------------------------------


def process_delivery(delivery_id: int) -> str:
    """Apply one stored webhook delivery to its tenant's data (idempotent)."""
    from integrations.deliveries import process_delivery as process

    return process(delivery_id)


def sweep_deliveries() -> int:
    """Every minute: re-enqueue webhook deliveries not processed yet and retries now due."""
    from integrations.deliveries import sweep_deliveries as sweep

    return sweep()
