"""How much waits in each of Guide's queues, and since when: read from the broker itself, so
the answer is the same whichever process asks (the /metrics scrape).

Two bounded reads whatever the backlog: with Redis, one pipeline of LLEN and LINDEX 0 per
queue (django-q2 appends with RPUSH and takes with BLPOP, so the head is the oldest task, and
its signed package carries `started`, the time `async_task` queued it); with the database
(ORM broker), one grouped query over django-q2's OrmQ rows not taken by a worker (a waiting
row's `lock` is the time it was queued, or the time a lapsed claim made it available again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone

from tenants.queue import QUEUES, broker


@dataclass(frozen=True)
class Backlog:
    """Tasks waiting in one queue, and the age in seconds of the oldest (None: unknown)."""

    queue: str
    waiting: int
    oldest_age: float | None


def backlogs(now: datetime | None = None) -> list[Backlog]:
    """Every queue's backlog (realtime, bulk); raises when the broker does not answer."""
    now = now or timezone.now()
    if settings.Q_CLUSTER.get("redis"):
        return _from_redis(now)
    return _from_database(now)


def _from_redis(now: datetime) -> list[Backlog]:
    from django_q.signing import SignedPackage

    pipe = broker(QUEUES[0]).connection.pipeline(transaction=False)
    for name in QUEUES:
        pipe.llen(broker(name).list_key)
        pipe.lindex(broker(name).list_key, 0)
    answers = pipe.execute()
    found = []
    for index, name in enumerate(QUEUES):
        waiting, head = answers[2 * index], answers[2 * index + 1]
        age = 0.0 if head is None else _age(now, _queued_at(SignedPackage, head))
        found.append(Backlog(name, int(waiting), age))
    return found


def _queued_at(package, raw: bytes) -> datetime | None:
    try:
        return package.loads(raw).get("started")
    except Exception:  # not a task this process can read (another SECRET_KEY): age unknown
        return None


def _from_database(now: datetime) -> list[Backlog]:
    from django_q.conf import Conf
    from django_q.models import OrmQ

    keys = {broker(name).list_key: name for name in QUEUES}
    rows = (
        OrmQ.objects.using(Conf.ORM or "default")
        .filter(key__in=list(keys), lock__lte=now)
        .values("key")
        .annotate(waiting=Count("id"), oldest=Min("lock"))
    )
    by_queue = {keys[row["key"]]: row for row in rows}
    return [
        Backlog(name, row["waiting"], _age(now, row["oldest"]))
        if (row := by_queue.get(name))
        else Backlog(name, 0, 0.0)
        for name in QUEUES
    ]


def _age(now: datetime, since: datetime | None) -> float | None:
    return None if since is None else max(0.0, (now - since).total_seconds())
