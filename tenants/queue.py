"""Guide's two django-q2 queues, and this process's broker for each, made once and reused.

Webhook deliveries go to REALTIME and syncs to BULK; each queue is a django-q2 named cluster
with its own workers (`Q_CLUSTER_NAME=realtime python manage.py qcluster`; settings'
Q_CLUSTER["ALT_CLUSTERS"] sizes them), so a delivery never waits behind a full sync. A task is
routed by `async_task(..., cluster=name)`, and a Schedule by its `cluster` column.

django-q2 builds a new broker (a new Redis connection) for every `async_task` and every
`get_broker()` call unless it is handed one; the webhook receiver enqueues on every delivery
and /healthz asks the queue on every probe. A broker made before a fork (gunicorn's preload,
django-q2's workers) is not used after it: the process id is checked.
"""

from __future__ import annotations

import os
import threading

REALTIME = "realtime"  # webhook deliveries: process_delivery, sweep_deliveries
BULK = "bulk"  # syncs: run_sync, sync_all_connections
QUEUES = (REALTIME, BULK)

_lock = threading.Lock()
_brokers: dict[str, tuple[int, object]] = {}


def broker(queue: str = REALTIME):
    """The broker of `queue` for this process (Redis or the ORM, as Q_CLUSTER says)."""
    current = _brokers.get(queue)
    if current is not None and current[0] == os.getpid():
        return current[1]
    from django_q.brokers import get_broker

    with _lock:
        current = _brokers.get(queue)
        if current is None or current[0] != os.getpid():
            _brokers[queue] = current = (os.getpid(), get_broker(queue))
        return current[1]


def enqueue(queue: str, func: str, *args, **kwargs) -> str | None:
    """`async_task` on `queue`, through this process's broker for it; returns the task id."""
    from django_q.tasks import async_task

    return async_task(func, *args, cluster=queue, broker=broker(queue), **kwargs)
