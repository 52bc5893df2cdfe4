"""The every-minute email tick: one django-q2 Schedule on the bulk queue, created at `migrate`."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import DEFAULT_DB_ALIAS, connections
from django.utils import timezone

from tenants.queue import BULK

logger = logging.getLogger(__name__)

SCHEDULE_NAME = "Plan and send candidate emails"
SCHEDULE_FUNC = "emails.tasks.plan_and_send_emails"


def ensure_email_schedule(using: str = DEFAULT_DB_ALIAS):
    """Create the schedule once, or put it back on the bulk queue (idempotent)."""
    from django_q.models import Schedule

    schedule, created = Schedule.objects.using(using).get_or_create(
        name=SCHEDULE_NAME,
        defaults={
            "func": SCHEDULE_FUNC,
            "schedule_type": Schedule.MINUTES,
            "minutes": 1,
            "repeats": -1,
            "next_run": timezone.now() + timedelta(minutes=1),
            "cluster": BULK,
        },
    )
    if created:
        logger.info("Created the email schedule (every minute, bulk queue)")
    elif (schedule.func, schedule.cluster) != (SCHEDULE_FUNC, BULK):
        schedule.func, schedule.cluster = SCHEDULE_FUNC, BULK
        schedule.save(update_fields=["func", "cluster"])
    return schedule


def on_post_migrate(sender, using: str = DEFAULT_DB_ALIAS, **kwargs) -> None:
    from django_q.models import Schedule

    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return
    ensure_email_schedule(using)
