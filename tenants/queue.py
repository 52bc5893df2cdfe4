"""This process's django-q2 broker, made once per process and reused.

django-q2 builds a new broker (a new Redis connection) for every `async_task` and every
`get_broker()` call unless it is handed one; the webhook receiver enqueues on every delivery
and /healthz asks the queue on every probe. A broker made before a fork (gunicorn's preload,
django-q2's workers) is not used after it: the process id is checked.
"""

from __future__ import annotations

import os
import threading

_lock = threading.Lock()
_broker: tuple[int, object] | None = None


def broker():
    """The broker for this process (Redis or the ORM, as Q_CLUSTER says)."""
    global _broker
    current = _broker
    if current is not None and current[0] == os.getpid():
        return current[1]
    from django_q.brokers import get_broker

    with _lock:
        if _broker is None or _broker[0] != os.getpid():
            _broker = (os.getpid(), get_broker())
        return _broker[1]
