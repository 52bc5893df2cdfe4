"""django-q2 tasks: thin functions taking ids.

PLACEHOLDER (connect branch): `run_sync` does nothing yet; the sync branch replaces it.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def run_sync(connection_id: int, *, full: bool = False, reason: str = "") -> None:
    """Sync one connection's data from Ashby (not implemented yet on this branch)."""
    logger.info("sync not implemented yet (connection %s, reason=%s)", connection_id, reason)


# --- webhooks (integrations/deliveries.py) --------------------------------------------------


def process_delivery(delivery_id: int) -> str:
    """Apply one stored webhook delivery to its tenant's data (idempotent)."""
    from integrations.deliveries import process_delivery as process

    return process(delivery_id)


def sweep_deliveries() -> int:
    """Every minute: re-enqueue webhook deliveries not processed yet and retries now due."""
    from integrations.deliveries import sweep_deliveries as sweep

    return sweep()
