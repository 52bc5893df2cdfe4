"""Planning interview reminders: one row per candidate per interview day (their local day),
due `reminder_hours` before that day's first interview.

The planner runs every minute and makes the rows agree with the interviews as they are:
a new interview day gets a row, a moved first interview moves the row's due time, and a day
left with no interview has its waiting row cancelled (a later interview on that day brings it
back). The row's (tenant, candidate, "reminder:<day>") key is unique in the database, so two
planners racing create one row. What the email finally lists is decided at send time
(emails/prepare.py), from the data as it is then.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from emails.interviews import candidate_zone, upcoming_events
from emails.models import Email, EmailSettings, Kind
from guides.models import Candidate
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# Rows are made this long before they are due, so the guide row shows what is coming.
LOOKAHEAD = dt.timedelta(hours=24)
WAITING = (Email.Status.SCHEDULED, Email.Status.CANCELLED)


@dataclass(frozen=True)
class Planned:
    candidate_id: int
    day: dt.date
    due_at: dt.datetime
    address: str

    @property
    def key(self) -> str:
        return f"reminder:{self.day.isoformat()}"


def plan_all_reminders(now: dt.datetime) -> int:
    """Plan the reminders of every tenant that has them on; returns rows created or moved."""
    chosen = EmailSettings.objects.filter(reminder_hours__gt=0).select_related("tenant")
    return sum(plan_reminders(row.tenant, row.reminder_hours, now) for row in chosen)


def plan_reminders(tenant: Tenant, hours: int, now: dt.datetime) -> int:
    """Make the tenant's reminder rows agree with its upcoming interviews."""
    lead = dt.timedelta(hours=hours)
    planned = _planned(tenant, lead, now)
    existing = {
        (row.candidate_id, row.dedupe_key): row
        for row in Email.objects.filter(
            tenant=tenant,
            kind=Kind.REMINDER,
            status__in=WAITING,
            interview_day__gte=(now - dt.timedelta(days=1)).date(),  # past days stay as they are
        )
    }
    changed = _create(tenant, [p for p in planned if (p.candidate_id, p.key) not in existing])
    changed += _move(planned, existing, now)
    wanted = {(p.candidate_id, p.key) for p in planned}
    gone = [
        row.pk
        for key, row in existing.items()
        if key not in wanted and row.status == Email.Status.SCHEDULED
    ]
    Email.objects.filter(pk__in=gone, status=Email.Status.SCHEDULED).update(
        status=Email.Status.CANCELLED, detail="No interview is left on that day.", updated_at=now
    )
    return changed


def _planned(tenant: Tenant, lead: dt.timedelta, now: dt.datetime) -> list[Planned]:
    """The first interview of each (candidate, local day) in the planning window."""
    events = upcoming_events(tenant, now).filter(start_time__lte=now + lead + LOOKAHEAD)
    rows = events.values_list("schedule__application__candidate_id", "start_time").order_by(
        "start_time"
    )
    candidates = {
        c.pk: c
        for c in Candidate.objects.filter(tenant=tenant, pk__in={cid for cid, _ in rows}).only(
            "pk", "email", "timezone", "tenant_id"
        )
    }
    first: dict[tuple[int, dt.date], Planned] = {}
    for candidate_id, start in rows:
        candidate = candidates[candidate_id]
        day = start.astimezone(candidate_zone(candidate, tenant)).date()
        first.setdefault(
            (candidate_id, day), Planned(candidate_id, day, start - lead, candidate.email)
        )
    return list(first.values())


def _create(tenant: Tenant, planned: list[Planned]) -> int:
    rows = [
        Email(
            tenant=tenant,
            candidate_id=p.candidate_id,
            kind=Kind.REMINDER,
            dedupe_key=p.key,
            interview_day=p.day,
            to_address=p.address,
            due_at=p.due_at,
        )
        for p in planned
    ]
    Email.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _move(planned: list[Planned], existing: dict, now: dt.datetime) -> int:
    moved = []
    for p in planned:
        row = existing.get((p.candidate_id, p.key))
        if row is not None and (row.due_at != p.due_at or row.status != Email.Status.SCHEDULED):
            row.due_at, row.status, row.detail, row.updated_at = (
                p.due_at,
                Email.Status.SCHEDULED,
                "",
                now,
            )
            moved.append(row)
    Email.objects.bulk_update(moved, ["due_at", "status", "detail", "updated_at"], batch_size=1000)
    return len(moved)
