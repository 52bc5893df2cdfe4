"""Health checks behind GET /healthz."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection

from tenants.queue import QUEUES, REALTIME, broker

logger = logging.getLogger(__name__)


def database_ok() -> bool:
    """True when the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True
    except DatabaseError as exc:
        logger.warning("healthz: database unreachable: %s", type(exc).__name__)
        return False


def queue_status() -> dict:
    """The django-q2 broker in use, whether it answers, and how many tasks wait in it: in
    all, and per queue (realtime, bulk)."""
    cluster = settings.Q_CLUSTER
    kind = "redis" if cluster.get("redis") else "orm"
    try:
        ok = bool(broker(REALTIME).ping())
        queues = {name: broker(name).queue_size() for name in QUEUES}
    except Exception as exc:  # any broker failure is reported, never raised
        logger.warning("healthz: queue unreachable: %s", type(exc).__name__)
        return {"broker": kind, "ok": False}
    return {"broker": kind, "ok": ok, "queued": sum(queues.values()), "queues": queues}
