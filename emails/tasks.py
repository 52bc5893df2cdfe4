"""django-q2 tasks of the emails app (their dotted paths are stored in queued tasks and the
Schedule row: keep the names)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.utils import timezone

from emails import outbox
from emails.guide_links import plan_all_guide_links
from emails.models import Email
from emails.reminders import plan_all_reminders

logger = logging.getLogger(__name__)


def plan_and_send_emails() -> int:
    """Every minute: plan reminders and guide links, then send what is due. Returns sent count."""
    now = timezone.now()
    plan_all_reminders(now)
    plan_all_guide_links(now)
    return send_due_emails()


def send_due_emails(max_seconds: float = 240.0) -> int:
    """Send due emails in batches until none is due or `max_seconds` passed (the next tick
    carries on), so one tick never outlives the task timeout."""
    started, handled = time.monotonic(), 0
    while time.monotonic() - started < max_seconds:
        now = timezone.now()
        ids = outbox.claim_due(now, settings.GUIDE_EMAIL_BATCH)
        if not ids:
            break
        handled += outbox.send_claimed(ids, now).get(Email.Status.SENT, 0)
    return handled


def send_email(email_id: int) -> str:
    """Send one email now (a recruiter's send); a no-op when another worker holds it."""
    now = timezone.now()
    if not outbox.claim_one(email_id, now):
        return "not due or taken"
    return ",".join(outbox.send_claimed([email_id], now)) or "nothing"
