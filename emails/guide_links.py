"""The guide link email: planned when the tenant wants it, or asked for by a recruiter.

Automatic sends carry the key "guide_link" (once per candidate, unique in the database);
a recruiter's send or resend has no key and may be repeated.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from emails.interviews import upcoming_events
from emails.models import Email, EmailSettings, JobEmailSetting, Kind
from emails.unsubscribe import suppression_of
from guides.models import Application, Guide
from tenants.queue import BULK, enqueue

logger = logging.getLogger(__name__)

AUTOMATIC = "guide_link"


class CannotSend(ValueError):
    """Why a recruiter's send is refused, in a sentence."""


def plan_all_guide_links(now: dt.datetime) -> int:
    """Schedule the guide link for every new guide (or first interview) of tenants that send it."""
    chosen = EmailSettings.objects.exclude(guide_link_trigger=EmailSettings.Trigger.OFF)
    return sum(plan_guide_links(row, now) for row in chosen.exclude(guide_link_since=None))


def plan_guide_links(chosen: EmailSettings, now: dt.datetime) -> int:
    guides = Guide.objects.filter(tenant_id=chosen.tenant_id).exclude(
        Exists(Email.objects.filter(candidate_id=OuterRef("candidate_id"), dedupe_key=AUTOMATIC))
    )
    if chosen.guide_link_trigger == EmailSettings.Trigger.GUIDE_CREATED:
        guides = guides.filter(created_at__gte=chosen.guide_link_since)
    else:
        events = upcoming_events(chosen.tenant, now).filter(
            schedule__application__candidate_id=OuterRef("candidate_id"),
            synced_at__gte=chosen.guide_link_since,
        )
        guides = guides.filter(Exists(events))
    if chosen.guide_link_jobs == EmailSettings.Jobs.CHOSEN:
        ticked = JobEmailSetting.objects.filter(guide_link=True).values("job_id")
        on_job = Application.objects.filter(
            candidate_id=OuterRef("candidate_id"), job_id__in=ticked
        )
        guides = guides.filter(Exists(on_job))
    rows = [
        Email(
            tenant_id=chosen.tenant_id,
            candidate_id=candidate_id,
            kind=Kind.GUIDE_LINK,
            dedupe_key=AUTOMATIC,
            to_address=address,
            due_at=now,
        )
        for candidate_id, address in guides.values_list("candidate_id", "candidate__email")[:5000]
    ]
    Email.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def request_guide_link(guide: Guide, *, user) -> Email:
    """A recruiter sends (or resends) the guide link now; refused with a reason when the
    candidate cannot be written to."""
    address = guide.candidate.email
    if not address:
        raise CannotSend(f"{guide.candidate.name} has no email address in the ATS.")
    suppression = suppression_of(guide.tenant_id, address)
    if suppression is not None:
        raise CannotSend(
            f"{address} is not written to: {suppression.get_reason_display().lower()}."
        )
    with transaction.atomic():
        email = Email.objects.create(
            tenant_id=guide.tenant_id,
            candidate=guide.candidate,
            kind=Kind.GUIDE_LINK,
            to_address=address,
            requested_by=user,
            due_at=timezone.now(),
        )
        transaction.on_commit(lambda: _enqueue_send(email.pk))
    return email


def _enqueue_send(email_id: int) -> None:
    """Queue the send now; if the queue does not answer, the every-minute tick sends it."""
    try:
        enqueue(BULK, "emails.tasks.send_email", email_id)
    except Exception:
        logger.warning("Email %s: the queue did not answer; the next tick sends it", email_id)
