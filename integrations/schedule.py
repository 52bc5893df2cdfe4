"""The periodic sync: one django-q2 Schedule, created idempotently and kept in step with
GUIDE_SYNC_INTERVAL_MINUTES (run at every `migrate`, through post_migrate)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from tenants.queue import BULK

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "Sync every connected tenant from Ashby"
SCHEDULE_FUNC = "integrations.tasks.sync_all_connections"


def ensure_sync_schedule(using: str = DEFAULT_DB_ALIAS):
    """Create the schedule, or update its interval when the setting changed. Idempotent."""
    from django_q.models import Schedule

    minutes = max(1, int(settings.GUIDE_SYNC_INTERVAL_MINUTES))
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
        logger.info("Created the sync schedule (every %d minutes)", minutes)
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
        logger.info("Sync schedule now runs every %d minutes", minutes)
    return schedule


def next_scheduled_sync() -> datetime | None:
    """When the scheduler next queues the syncs (None without a schedule)."""
    from django_q.models import Schedule

    return Schedule.objects.filter(name=SCHEDULE_NAME).values_list("next_run", flat=True).first()


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
