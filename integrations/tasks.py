"""django-q2 tasks: thin functions taking ids.

PLACEHOLDER (connect branch): `run_sync` does nothing yet; the sync branch replaces it.
"""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def run_sync(connection_id: int, *, full: bool = False, reason: str = "") -> None:
    """Sync one connection's data from Ashby (not implemented yet on this branch)."""
    logger.info("sync not implemented yet (connection %s, reason=%s)", connection_id, reason)
