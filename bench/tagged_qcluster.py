"""`manage.py qcluster`, plus a count of the tasks its workers run, per function, in Redis
(hash bench:tasks:<tag>), so a benchmark can tell how the work was spread over clusters.

    python bench/tagged_qcluster.py <tag> [realtime|bulk]

With a queue name it serves that queue (Q_CLUSTER_NAME, read by django-q2 at import).
With BENCH_SINGLE_QUEUE=1 in the environment, the work this cluster's tasks enqueue goes to
the realtime queue whatever its kind (`single_queue()`): one queue for both kinds of task, as
before issue 18 split them, for a benchmark's comparison.

The count is taken in django-q2's `pre_execute` signal, connected before the cluster forks
its workers, so every worker of this cluster counts under the same tag.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def single_queue() -> None:
    """Route every task this process enqueues to the realtime queue (syncs included)."""
    from tenants import queue

    enqueue, broker = queue.enqueue, queue.broker
    queue.broker = lambda name=queue.REALTIME: broker(queue.REALTIME)
    queue.enqueue = lambda name, func, *args, **kwargs: enqueue(
        queue.REALTIME, func, *args, **kwargs
    )


def main(tag: str, queue: str = "") -> None:
    if queue:
        os.environ["Q_CLUSTER_NAME"] = queue
    import django

    django.setup()
    if os.environ.get("BENCH_SINGLE_QUEUE") == "1":
        single_queue()
    import redis
    from django.conf import settings
    from django.core.management import call_command
    from django_q.signals import pre_execute

    store = redis.Redis.from_url(settings.REDIS_URL or os.environ["REDIS_URL"])

    def count(sender, func, task, **kwargs):
        name = func if isinstance(func, str) else getattr(func, "__name__", str(func))
        store.hincrby(f"bench:tasks:{tag}", name, 1)

    pre_execute.connect(count, weak=False)
    call_command("qcluster")


if __name__ == "__main__":
    main(*sys.argv[1:3])
