"""What a candidate's guide shows, built from the tenant's hiring data.

`build_guide_context(guide, now)` turns a Guide into a plain view-model the template renders.
It reads a fixed number of queries whatever the number of interviews or interviewers
(application, stages, events, and the events' interviewers in one prefetch), so the page
stays fast for a candidate with a long loop.

Which application a guide shows: a candidate may have applied to several jobs. The guide shows
the most recently updated Active application; when none is active, the most recently updated
one of any status (so a hired or archived candidate sees their closing state). "Updated" is the
ATS's own update time, falling back to when Guide last synced the record.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass, field

from django.db.models import Case, F, IntegerField, Prefetch, QuerySet, Value, When
from django.utils.translation import gettext as _

from guides.colors import DEFAULT_BRAND_COLOR, brand_colors
from guides.guide_company import CompanyView, Overrides, company_view, settings_of, stage_text
from guides.ics import CalendarEvent
from guides.models import (
    Application,
    Candidate,
    Guide,
    GuideSettings,
    Interviewer,
    InterviewEvent,
    InterviewStage,
)
from guides.timefmt import (
    format_clock,
    format_date,
    format_duration,
    format_time_range,
    zone_label,
    zone_or_none,
)
from tenants.models import Tenant

logger = logging.getLogger(__name__)

# Stage types that are not steps of a candidate's process: a lead has not applied yet, and
# "Archived" is where rejected applications go.
HIDDEN_STAGE_TYPES = frozenset({"Lead", "Archived"})
CANCELLED = "Cancelled"


class GuideState:
    ACTIVE = "active"
    HIRED = "hired"
    ARCHIVED = "archived"
    EMPTY = "empty"  # no application yet: a short "we are preparing your guide" page


@dataclass(frozen=True)
class PersonView:
    name: str
    initials: str
    title: str = ""
    email: str = ""
    photo_url: str = ""
    pronouns: str = ""
    bio: str = ""
    linkedin_url: str = ""


@dataclass(frozen=True)
class StepView:
    number: int
    title: str
    what_to_expect: str
    status: str  # "done", "current" or "upcoming"


@dataclass(frozen=True)
class EventView:
    external_id: str
    title: str
    start: dt.datetime  # aware, in the display zone
    end: dt.datetime
    date_label: str
    time_label: str
    duration_label: str
    location: str
    meeting_link: str
    interviewers: list[PersonView]


@dataclass
class GuideContext:
    guide: Guide
    tenant: Tenant
    candidate: Candidate
    first_name: str
    state: str
    application: Application | None = None
    job_title: str = ""
    department: str = ""
    location: str = ""
    steps: list[StepView] = field(default_factory=list)
    current_step: StepView | None = None
    next_step: StepView | None = None
    upcoming: list[EventView] = field(default_factory=list)
    past: list[EventView] = field(default_factory=list)
    recruiter: PersonView | None = None
    timezone_name: str = "UTC"
    timezone_label: str = "UTC"
    timezone_is_candidates: bool = False
    updated_at: dt.datetime | None = None
    updated_label: str = ""
    brand_color: str = DEFAULT_BRAND_COLOR
    brand_text_color: str = "#ffffff"
    company: CompanyView = field(default_factory=CompanyView)

    @property
    def is_closed(self) -> bool:
        return self.state in (GuideState.HIRED, GuideState.ARCHIVED)


# --- Time zones and formatting ---------------------------------------------------------------


def display_timezone(candidate: Candidate, tenant: Tenant) -> tuple[zoneinfo.ZoneInfo, bool]:
    """The zone a candidate's times are shown in, and whether it is the candidate's own.

    The candidate's zone from the ATS when it is a valid IANA name, else the tenant's default
    zone, else UTC (a tenant row written around its validators must not break the page).
    """
    own = zone_or_none(candidate.timezone)
    if own is not None:
        return own, True
    if candidate.timezone:
        logger.info("Candidate %s has an unknown time zone; using the tenant's", candidate.pk)
    return zone_or_none(tenant.default_timezone) or zoneinfo.ZoneInfo("UTC"), False


# --- Data -------------------------------------------------------------------------------------


def application_order() -> list:
    """Active applications first, then the most recently updated."""
    active_first = Case(
        When(status=Application.Status.ACTIVE, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return [
        active_first,
        F("external_updated_at").desc(nulls_last=True),
        F("synced_at").desc(),
        F("pk").desc(),
    ]


def pick_application(applications: list[Application]) -> Application | None:
    """The application a guide shows, among already-loaded ones (same rule as the query)."""

    def key(app: Application) -> tuple:
        updated = app.external_updated_at or app.synced_at
        return (app.status == Application.Status.ACTIVE, updated, app.synced_at, app.pk)

    return max(applications, key=key, default=None)


def shown_application(candidate: Candidate) -> Application | None:
    """The application the candidate's guide shows (see the module docstring)."""
    return (
        Application.objects.filter(tenant_id=candidate.tenant_id, candidate=candidate)
        .select_related(
            "job__department", "job__location", "current_stage", "recruiter", "job__interview_plan"
        )
        .order_by(*application_order())
        .first()
    )


def application_state(application: Application | None) -> str:
    if application is None:
        return GuideState.EMPTY
    stage_type = application.current_stage.stage_type if application.current_stage else ""
    if application.status == Application.Status.HIRED or stage_type == "Hired":
        return GuideState.HIRED
    if application.status == Application.Status.ARCHIVED or stage_type == "Archived":
        return GuideState.ARCHIVED
    return GuideState.ACTIVE


def live_events(
    application: Application, hidden_interview_ids: set[int] | None = None
) -> QuerySet[InterviewEvent]:
    """The application's interview events on schedules that are not cancelled, in time order,
    with their interview and interviewers loaded in a fixed number of queries. Interviews of a
    kind hidden from candidates (Settings > Interviews; a preview passes its own set) are left
    out."""
    events = InterviewEvent.objects.filter(
        tenant_id=application.tenant_id, schedule__application=application
    ).exclude(schedule__status=CANCELLED)
    if hidden_interview_ids is None:
        events = events.exclude(interview__hidden_from_candidates=True)
    else:
        events = events.exclude(interview_id__in=hidden_interview_ids)
    return (
        events.select_related("interview")
        .prefetch_related(
            Prefetch("interviewers", queryset=Interviewer.objects.order_by("first_name", "pk"))
        )
        .order_by("start_time", "pk")
    )


def _current_index(visible: list, stage: InterviewStage | None) -> int | None:
    """Where the candidate is among the visible stages: their stage, or, when it is hidden
    from them (a debrief), the last visible stage before it."""
    if stage is None:
        return None
    at_or_before = [
        i for i, (s, _) in enumerate(visible) if (s.order, s.pk) <= (stage.order, stage.pk)
    ]
    return at_or_before[-1] if at_or_before else None


def _steps(application: Application, settings: GuideSettings) -> list[StepView]:
    stage = application.current_stage
    plan_id = stage.plan_id if stage else getattr(application.job, "interview_plan_id", None)
    if plan_id is None:
        return []
    stages = InterviewStage.objects.filter(tenant_id=application.tenant_id, plan_id=plan_id)
    texts = [(s, stage_text(s, settings)) for s in stages.order_by("order", "pk")]
    visible = [(s, t) for s, t in texts if s.stage_type not in HIDDEN_STAGE_TYPES and not t.hidden]
    current_index = _current_index(visible, stage)
    steps = []
    for index, (_stage, text) in enumerate(visible):
        if current_index is None or index > current_index:
            status = "upcoming"
        else:
            status = "current" if index == current_index else "done"
        steps.append(StepView(index + 1, text.title, text.description, status))
    return steps


def safe_url(value: str) -> str:
    """`value` when it is an http(s) address, else "" (synced rows skip form validation, and
    a javascript: link must never reach the candidate's page)."""
    return value if value.lower().startswith(("https://", "http://")) else ""


def person_view(person: Interviewer, *, with_profile: bool = True) -> PersonView:
    name = person.name or person.email or _("Your recruiter")
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    if not with_profile:
        return PersonView(name=name, initials=initials, email=person.email)
    return PersonView(
        name=name,
        initials=initials,
        title=person.title,
        photo_url=person.photo.url if person.photo else safe_url(person.photo_url),
        pronouns=person.pronouns,
        bio=person.bio,
        linkedin_url=safe_url(person.linkedin_url),
    )


def event_view(event: InterviewEvent, zone: zoneinfo.ZoneInfo) -> EventView:
    start, end = event.start_time.astimezone(zone), event.end_time.astimezone(zone)
    title = event.interview.candidate_facing_title if event.interview else _("Interview")
    return EventView(
        external_id=event.external_id,
        title=title,
        start=start,
        end=end,
        date_label=format_date(start),
        time_label=format_time_range(start, end),
        duration_label=format_duration(start, end),
        location=event.location,
        meeting_link=safe_url(event.meeting_link),
        interviewers=[person_view(p) for p in event.interviewers.all()],
    )


def build_guide_context(
    guide: Guide, now: dt.datetime, overrides: Overrides | None = None
) -> GuideContext:
    """Everything the candidate's page shows at `now`, in the candidate's time zone.

    `guide` should come with `tenant`, its settings and `candidate` loaded (select_related
    `GUIDE_SELECT_RELATED`). Closing states (hired, archived) list no interviews at all, so a
    stale schedule never shows. `overrides` (a preview) shows unsaved settings.
    """
    tenant, candidate = guide.tenant, guide.candidate
    overrides = overrides or Overrides()
    settings = overrides.settings or settings_of(tenant)
    zone, own_zone = display_timezone(candidate, tenant)
    color, text_color = brand_colors(overrides.brand_color or tenant.brand_color)
    application = shown_application(candidate)
    updated = guide.updated_at.astimezone(zone) if guide.updated_at else None
    context = GuideContext(
        guide=guide,
        tenant=tenant,
        candidate=candidate,
        first_name=candidate.first_name,
        state=(overrides.state if application else None) or application_state(application),
        application=application,
        timezone_name=zone.key,
        timezone_label=zone_label(zone),
        timezone_is_candidates=own_zone,
        updated_at=updated,
        updated_label=f"{format_date(updated)}, {format_clock(updated)} {updated.tzname()}"
        if updated
        else "",
        brand_color=color,
        brand_text_color=text_color,
        company=company_view(tenant, overrides),
    )
    if application is None:
        return context
    job = application.job
    if job is not None:
        context.job_title = job.title
        context.department = job.department.name if job.department else ""
        context.location = job.location.name if job.location else ""
    if application.recruiter is not None:
        context.recruiter = person_view(application.recruiter, with_profile=False)
    if context.is_closed:
        return context
    context.steps = _steps(application, settings)
    context.current_step = next((s for s in context.steps if s.status == "current"), None)
    if context.current_step is not None:
        context.next_step = next((s for s in context.steps if s.status == "upcoming"), None)
    for event in live_events(application, overrides.hidden_interview_ids):
        view = event_view(event, zone)
        (context.upcoming if event.end_time > now else context.past).append(view)
    context.past.reverse()  # the most recent first
    return context


# --- Calendar files ---------------------------------------------------------------------------

_SEQUENCE_EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def _sequence(event: InterviewEvent) -> int:
    """A SEQUENCE that grows whenever the event changes (minutes since 2020 of its last update),
    so a calendar that already holds the interview takes a rescheduled copy as newer."""
    updated = event.external_updated_at or event.synced_at
    return max(0, int((updated - _SEQUENCE_EPOCH).total_seconds() // 60))


def calendar_event(
    event: InterviewEvent, guide: Guide, *, now: dt.datetime, guide_url: str
) -> CalendarEvent:
    """One interview as an iCalendar event; its UID is stable across downloads."""
    title = event.interview.candidate_facing_title if event.interview else _("Interview")
    names = ", ".join(p.name for p in event.interviewers.all())
    description = [_("Your interview with %(tenant)s.") % {"tenant": guide.tenant.name}]
    if names:
        description.append(_("Interviewers: %(names)s") % {"names": names})
    if safe_url(event.meeting_link):
        description.append(_("Join: %(link)s") % {"link": event.meeting_link})
    description.append(_("Your guide: %(url)s") % {"url": guide_url})
    return CalendarEvent(
        uid=f"{event.external_id}-t{guide.tenant_id}@guide-interviews",
        start=event.start_time,
        end=event.end_time,
        stamp=now,
        summary=f"{title} ({guide.tenant.name})",
        location=event.location or safe_url(event.meeting_link),
        url=safe_url(event.meeting_link),
        description="\n".join(description),
        last_modified=event.external_updated_at or event.synced_at,
        sequence=_sequence(event),
    )


def guide_calendar_events(guide: Guide, now: dt.datetime) -> list[InterviewEvent] | None:
    """The live events a guide's calendar holds, or None when the guide is in a closing state
    (or has no application): then there is nothing to put in a calendar."""
    application = shown_application(guide.candidate)
    if application_state(application) != GuideState.ACTIVE:
        return None
    return list(live_events(application))
