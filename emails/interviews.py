"""Which interviews an email may mention: upcoming, on a schedule that is not cancelled, of an
application still in the process (never a hidden, cancelled or already-started interview)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Prefetch, QuerySet

from guides.guide_page import CANCELLED, HIDDEN_STAGE_TYPES, display_timezone
from guides.models import Application, Candidate, Interviewer, InterviewEvent
from tenants.models import Tenant

CLOSING_STAGE_TYPES = HIDDEN_STAGE_TYPES | {"Hired"}


def upcoming_events(tenant: Tenant, now: dt.datetime) -> QuerySet[InterviewEvent]:
    """The tenant's interviews that have not started, of active applications, not cancelled,
    not of a kind hidden from candidates."""
    return (
        InterviewEvent.objects.filter(
            tenant=tenant,
            start_time__gt=now,
            schedule__application__status=Application.Status.ACTIVE,
        )
        .exclude(schedule__status=CANCELLED)
        .exclude(schedule__application__current_stage__stage_type__in=CLOSING_STAGE_TYPES)
        # a kind the company hides from candidates (Settings > Interviews: debriefs)
        .exclude(interview__hidden_from_candidates=True)
    )


def candidate_zone(candidate: Candidate, tenant: Tenant) -> zoneinfo.ZoneInfo:
    """The zone the candidate's emails speak in (the guide page's rule)."""
    return display_timezone(candidate, tenant)[0]


def day_events(
    candidate: Candidate, tenant: Tenant, day: dt.date, now: dt.datetime
) -> list[InterviewEvent]:
    """The candidate's upcoming interviews on `day` in their zone, in time order."""
    zone = candidate_zone(candidate, tenant)
    start = dt.datetime.combine(day, dt.time(), zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    events = upcoming_events(tenant, now).filter(
        schedule__application__candidate=candidate, start_time__gte=start, start_time__lt=end
    )
    by_name = Prefetch("interviewers", queryset=Interviewer.objects.order_by("first_name", "pk"))
    return list(
        events.select_related("interview").prefetch_related(by_name).order_by("start_time", "pk")
    )
