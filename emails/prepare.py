"""Just before a claimed email is sent: is it still wanted, and what does it say?

Everything is checked again at send time, from the data as it is now: the candidate's address,
the tenant's choices, an unsubscribe or a bounce, and (for a reminder) which interviews are
still on that day. So a reschedule moves a reminder, a cancellation removes it, and an
interview that was hidden, cancelled or has started is never mentioned.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from dataclasses import dataclass

from emails.compose import Content, build_content, settings_for
from emails.interviews import day_events
from emails.language import email_language
from emails.models import Email, EmailSettings, JobEmailSetting, Kind, Suppression
from emails.unsubscribe import normalise, unsubscribe_url
from guides.guide_page import GuideState, application_state, pick_application
from guides.models import Application, Guide

logger = logging.getLogger(__name__)

# What `shown_application` loads with an application (the email's words use them).
SHOWN_RELATED = ("job__department", "job__location", "current_stage", "recruiter")

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


@dataclass(frozen=True)
class Preloaded:
    """What a batch of emails needs about its candidates, read in a few queries for all."""

    guides: dict[int, Guide]  # by candidate id, candidate loaded
    applications: dict[int, Application]  # the application each guide shows
    suppressions: dict[tuple[int, str], Suppression]  # by (tenant id, address)
    reminded: dict[int, set[str]]  # interviews listed in each candidate's sent reminders


def preload(emails: list[Email]) -> Preloaded:
    """Four queries for the whole batch, whatever its size."""
    ids = {e.candidate_id for e in emails if e.candidate_id}
    guides = Guide.objects.filter(candidate_id__in=ids).select_related("candidate")
    guides = {g.candidate_id: g for g in guides}
    loaded = Application.objects.filter(candidate_id__in=ids).select_related(*SHOWN_RELATED)
    per_candidate: dict[int, list[Application]] = defaultdict(list)
    for application in loaded:
        per_candidate[application.candidate_id].append(application)
    addresses = {normalise(g.candidate.email) for g in guides.values() if g.candidate.email}
    suppressions = Suppression.objects.filter(address__in=addresses)
    sent = Email.objects.filter(candidate_id__in=ids, kind=Kind.REMINDER, status=Email.Status.SENT)
    reminded: dict[int, set[str]] = defaultdict(set)
    for candidate_id, event_ids in sent.values_list("candidate_id", "event_ids"):
        reminded[candidate_id].update(event_ids)
    return Preloaded(
        guides=guides,
        applications={cid: pick_application(apps) for cid, apps in per_candidate.items()},
        suppressions={(s.tenant_id, s.address): s for s in suppressions},
        reminded=reminded,
    )


def prepare(email: Email, now: dt.datetime, known: Preloaded | None = None) -> Ready | NotSent:
    """What to send for this claimed email now, or why nothing is sent (`known`: the batch's
    preloaded rows; read for this email alone when not given)."""
    known = known or preload([email])
    if email.candidate_id is None:
        return NotSent(Email.Status.SKIPPED, "The candidate was deleted.")
    guide = known.guides.get(email.candidate_id)
    if guide is None:
        return NotSent(Email.Status.SKIPPED, "The candidate has no guide.")
    guide.tenant = email.tenant  # the batch's instance, with its settings read once
    candidate = guide.candidate
    application = known.applications.get(candidate.pk)
    refusal = _refusal(email, guide, application, known)
    if refusal is not None:
        return refusal
    if email.kind == Kind.REMINDER:
        return _reminder(email, guide, application, now, known)
    url = unsubscribe_url(email.tenant_id, candidate.email, email_language(guide))
    content = build_content(
        guide, email.kind, events=[], now=now, unsubscribe_url=url, application=application
    )
    return Ready(content, candidate.email, [])


def _refusal(
    email: Email, guide: Guide, application: Application | None, known: Preloaded
) -> NotSent | None:
    address = guide.candidate.email
    if not address:
        return NotSent(Email.Status.SKIPPED, "The candidate has no email address.")
    suppression = known.suppressions.get((email.tenant_id, normalise(address)))
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
    email: Email, guide: Guide, application: Application | None, now: dt.datetime, known: Preloaded
) -> Ready | NotSent:
    events = day_events(guide.candidate, guide.tenant, email.interview_day, now)
    if not events:
        return NotSent(Email.Status.CANCELLED, "No interview is left on that day.")
    # A change of time zone can move an interview to another local day: it is still reminded
    # of once (the interviews the candidate's sent reminders listed are left out).
    already = known.reminded.get(email.candidate_id, set())
    events = [e for e in events if e.external_id not in already]
    if not events:
        return NotSent(
            Email.Status.CANCELLED, "Every interview of that day was already in a reminder."
        )
    due = events[0].start_time - dt.timedelta(hours=settings_for(guide.tenant).reminder_hours)
    if due > now + RESCHEDULE_SLACK:
        return NotSent(Email.Status.SCHEDULED, "The interviews moved later.", due_at=due)
    url = unsubscribe_url(email.tenant_id, guide.candidate.email, email_language(guide))
    content = build_content(
        guide,
        Kind.REMINDER,
        events=events,
        now=now,
        unsubscribe_url=url,
        application=application,
    )
    return Ready(content, guide.candidate.email, [e.external_id for e in events])
