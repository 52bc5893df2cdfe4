"""The periodic sync: one django-q2 Schedule, created idempotently (at every `migrate`,
through post_migrate), ticking every minute; and each tenant's turn in the interval.

Every GUIDE_SYNC_INTERVAL_MINUTES each connected tenant gets an incremental sync, but not all
at the same moment: a tenant's turn is at a fixed offset within the interval, from a hash of
its id (stable across restarts and machines, spread evenly over hundreds of tenants), and
the tick queues the syncs of the tenants whose turn came since their last run was asked for.
A tick missed (no scheduler running) only delays the turns it would have started."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from integrations.models import AshbyConnection, SyncRun
from tenants.queue import BULK

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "Sync every connected tenant from Ashby"
SCHEDULE_FUNC = "integrations.tasks.sync_all_connections"
TICK_MINUTES = 1  # how often the schedule looks for tenants whose turn came


def interval_seconds() -> int:
    return max(1, int(settings.GUIDE_SYNC_INTERVAL_MINUTES)) * 60


def turn_offset(tenant_id: int, interval: int | None = None) -> int:
    """Seconds into every interval (counted from the Unix epoch) of the tenant's turn."""
    interval = interval or interval_seconds()
    digest = hashlib.sha256(f"guide-sync-turn:{tenant_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % interval


def last_turn(tenant_id: int, now: datetime | None = None) -> datetime:
    """The tenant's latest turn at or before `now`."""
    interval = interval_seconds()
    offset = turn_offset(tenant_id, interval)
    seconds = (now or timezone.now()).timestamp()
    start = (seconds - offset) // interval * interval + offset
    return datetime.fromtimestamp(start, tz=UTC)


def next_turn(tenant_id: int, now: datetime | None = None) -> datetime:
    """The tenant's next turn after `now`."""
    return last_turn(tenant_id, now) + timedelta(seconds=interval_seconds())


def due_connection_ids(now: datetime | None = None) -> list[int]:
    """The usable connections whose turn came since their latest run was asked for (or
    that never had one)."""
    now = now or timezone.now()
    latest = SyncRun.objects.filter(connection=OuterRef("pk")).order_by("-requested_at", "-id")
    rows = (
        AshbyConnection.objects.filter(status=AshbyConnection.Status.CONNECTED)
        .annotate(latest=Subquery(latest.values("requested_at")[:1]))
        .values_list("pk", "tenant_id", "latest")
        .order_by("pk")
    )
    return [pk for pk, tenant, at in rows if at is None or at < last_turn(tenant, now)]


def ensure_sync_schedule(using: str = DEFAULT_DB_ALIAS):
    """Create the schedule, or update its interval when the setting changed. Idempotent."""
    from django_q.models import Schedule

    minutes = TICK_MINUTES
    schedule = Schedule.objects.using(using).filter(name=SCHEDULE_NAME).first()
    if schedule is None:
        schedule = Schedule.objects.using(using).create(
            name=SCHEDULE_NAME,
            func=SCHEDULE_FUNC,
            schedule_type=Schedule.MINUTES,
            minutes=minutes,
            repeats=-1,
            next_run=timezone.now() + timedelta(minutes=minutes),
            cluster=BULK,  # run by the bulk cluster's scheduler, on its queue
        )
        logger.info("Created the sync schedule (a tick every %d minute)", minutes)
    elif (
        schedule.minutes,
        schedule.func,
        schedule.schedule_type,
        schedule.repeats,
        schedule.cluster,
    ) != (minutes, SCHEDULE_FUNC, Schedule.MINUTES, -1, BULK):
        schedule.minutes, schedule.func = minutes, SCHEDULE_FUNC
        schedule.schedule_type, schedule.repeats = Schedule.MINUTES, -1
        schedule.cluster = BULK
        schedule.next_run = min(schedule.next_run, timezone.now() + timedelta(minutes=minutes))
        schedule.save()
        logger.info("Sync schedule now ticks every %d minute", minutes)
    return schedule


def next_scheduled_sync(tenant_id: int) -> datetime | None:
    """When the tenant's next scheduled sync is queued: its next turn, or the scheduler's
    next tick after it (None without a schedule)."""
    from django_q.models import Schedule

    tick = Schedule.objects.filter(name=SCHEDULE_NAME).values_list("next_run", flat=True).first()
    if tick is None:
        return None
    return max(tick, next_turn(tenant_id))


def on_post_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_migrate handler: skipped while django-q2's tables do not exist yet."""
    from django_q.models import Schedule

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return
    ensure_sync_schedule(using)


WRITE_BACK_NAME = "Write guide links back to the ATS"
WRITE_BACK_FUNC = "integrations.tasks.write_guide_links"
WRITE_BACK_MINUTES = 5  # a new guide's link reaches Ashby within minutes; retries back off


def upsert_schedule(using: str, name: str, **defaults) -> None:
    """Create (or correct) the Schedule called `name`; skipped while django-q2's tables do not
    exist yet (the post_migrate handlers of the periodic tasks)."""
    from django_q.models import Schedule

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return
    Schedule.objects.using(using).update_or_create(name=name, defaults=defaults)


def ensure_write_back_schedule(using: str = DEFAULT_DB_ALIAS, **_kwargs) -> None:
    """The write-back sweep every few minutes on the bulk queue; idempotent, after migrate."""
    from django_q.models import Schedule

    upsert_schedule(
        using,
        WRITE_BACK_NAME,
        func=WRITE_BACK_FUNC,
        cluster=BULK,
        schedule_type=Schedule.MINUTES,
        minutes=WRITE_BACK_MINUTES,
        repeats=-1,
    )
