"""Syncing the tenant's data from Ashby.

PLACEHOLDER (connect branch): only `request_sync`, so the Connect flow can queue the first
sync. The sync branch replaces this module with the real engine; keep the signature.
"""

from __future__ import annotations

import logging

from django_q.tasks import async_task

logger = logging.getLogger(__name__)


def request_sync(connection_id: int, *, full: bool = False, reason: str = "") -> None:
    """Queue a sync of the connection's tenant (a full one when `full`)."""
    logger.info(
        "Sync requested for connection %s (full=%s, reason=%s)", connection_id, full, reason
    )
    async_task("integrations.tasks.run_sync", connection_id, full=full, reason=reason)
