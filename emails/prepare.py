"""Just before a claimed email is sent: is it still wanted, and what does it say?

Everything is checked again at send time, from the data as it is now: the candidate's address,
the tenant's choices, an unsubscribe or a bounce, and (for a reminder) which interviews are
still on that day. So a reschedule moves a reminder, a cancellation removes it, and an
interview that was hidden, cancelled or has started is never mentioned.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from emails.compose import Content, build_content, settings_for
from emails.interviews import day_events
from emails.models import Email, EmailSettings, JobEmailSetting, Kind
from emails.unsubscribe import suppression_of, unsubscribe_url
from guides.guide_page import GuideState, application_state, shown_application
from guides.models import Application, Guide

logger = logging.getLogger(__name__)

# A reminder found due more than this much later than planned goes back to waiting.
RESCHEDULE_SLACK = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class NotSent:
    status: str
    detail: str
    due_at: dt.datetime | None = None  # set when the email waits again (a moved reminder)


@dataclass(frozen=True)
class Ready:
    content: Content
    to: str
    event_ids: list[str]


def prepare(email: Email, now: dt.datetime) -> Ready | NotSent:
    """What to send for this claimed email now, or why nothing is sent."""
    candidate = email.candidate
    if candidate is None:
        return NotSent(Email.Status.SKIPPED, "The candidate was deleted.")
    guide = Guide.objects.filter(candidate=candidate).select_related("candidate").first()
    if guide is None:
        return NotSent(Email.Status.SKIPPED, "The candidate has no guide.")
    guide.tenant = email.tenant  # the batch's instance, with its settings read once
    application = shown_application(candidate)
    refusal = _refusal(email, guide, application)
    if refusal is not None:
        return refusal
    if email.kind == Kind.REMINDER:
        return _reminder(email, guide, application, now)
    url = unsubscribe_url(email.tenant_id, candidate.email)
    content = build_content(
        guide, email.kind, events=[], now=now, unsubscribe_url=url, application=application
    )
    return Ready(content, candidate.email, [])


def _refusal(email: Email, guide: Guide, application: Application | None) -> NotSent | None:
    address = guide.candidate.email
    if not address:
        return NotSent(Email.Status.SKIPPED, "The candidate has no email address.")
    suppression = suppression_of(email.tenant_id, address)
    if suppression is not None:
        when = f"{suppression.created_at:%Y-%m-%d %H:%M} UTC"
        return NotSent(
            Email.Status.SKIPPED,
            f"Not written to: {suppression.get_reason_display().lower()} ({when}).",
        )
    if email.requested_by_id is not None:
        return None  # a recruiter's own send: the company chose it
    chosen = settings_for(guide.tenant)
    state = application_state(application)
    if state == GuideState.ARCHIVED and not chosen.email_archived:
        return NotSent(
            Email.Status.SKIPPED,
            "The candidate is archived, and the company sends no automatic email to archived candidates.",
        )
    return _turned_off(email, chosen, application)


def _turned_off(
    email: Email, chosen: EmailSettings, application: Application | None
) -> NotSent | None:
    if email.kind == Kind.REMINDER and not chosen.reminder_hours:
        return NotSent(Email.Status.CANCELLED, "Interview reminders were turned off.")
    if email.kind == Kind.GUIDE_LINK:
        if chosen.guide_link_trigger == EmailSettings.Trigger.OFF:
            return NotSent(Email.Status.CANCELLED, "Guide link emails were turned off.")
        if not job_wants_guide_link(chosen, application):
            return NotSent(
                Email.Status.CANCELLED, "The candidate's job does not send the guide link."
            )
    return None


def job_wants_guide_link(chosen: EmailSettings, application: Application | None) -> bool:
    """Whether the guide link goes to this candidate under the tenant's per-job choice."""
    if chosen.guide_link_jobs == EmailSettings.Jobs.ALL:
        return True
    if application is None or application.job_id is None:
        return False
    return JobEmailSetting.objects.filter(job_id=application.job_id, guide_link=True).exists()


def _reminder(
    email: Email, guide: Guide, application: Application | None, now: dt.datetime
) -> Ready | NotSent:
    events = day_events(guide.candidate, guide.tenant, email.interview_day, now)
    if not events:
        return NotSent(Email.Status.CANCELLED, "No interview is left on that day.")
    already = _already_reminded(email)
    events = [e for e in events if e.external_id not in already]
    if not events:
        return NotSent(
            Email.Status.CANCELLED, "Every interview of that day was already in a reminder."
        )
    due = events[0].start_time - dt.timedelta(hours=settings_for(guide.tenant).reminder_hours)
    if due > now + RESCHEDULE_SLACK:
        return NotSent(Email.Status.SCHEDULED, "The interviews moved later.", due_at=due)
    url = unsubscribe_url(email.tenant_id, guide.candidate.email)
    content = build_content(
        guide,
        Kind.REMINDER,
        events=events,
        now=now,
        unsubscribe_url=url,
        application=application,
    )
    return Ready(content, guide.candidate.email, [e.external_id for e in events])


def _already_reminded(email: Email) -> set[str]:
    """Interviews a sent reminder of this candidate listed (a change of time zone can move an
    interview to another local day: it is still reminded of once)."""
    sent = Email.objects.filter(
        tenant_id=email.tenant_id,
        candidate_id=email.candidate_id,
        kind=Kind.REMINDER,
        status=Email.Status.SENT,
    ).exclude(pk=email.pk)
    return {event_id for ids in sent.values_list("event_ids", flat=True) for event_id in ids}
