"""Sending: claim due emails, send each through Django's email backend, record its fate.

A worker claims rows in one statement-level lock (`select_for_update(skip_locked=True)` on
PostgreSQL; SQLite's single writer does the same), moving them to "sending" with a lease; a
row is sent only by the worker whose conditional update still finds its claim. A crashed
worker's lease lapses after GUIDE_EMAIL_CLAIM_MINUTES and another worker takes the row. The
one window left is a crash after the mail server accepted a message and before the row says
so: that email is sent again, with the same Message-ID (mail programs show it once).

A failure the server calls temporary (4xx, a refused connection, a timeout) is retried with
backoff; after GUIDE_EMAIL_MAX_ATTEMPTS, or at once on a permanent refusal (5xx), the row is
failed with the server's words. A recipient refused permanently is never written to again.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.utils import formataddr

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from emails.compose import settings_for
from emails.models import Email, Suppression
from emails.prepare import NotSent, Preloaded, Ready, preload, prepare
from emails.unsubscribe import suppress

logger = logging.getLogger(__name__)

BACKOFF_MINUTES = (1, 5, 30, 120, 360)


def _lease() -> dt.timedelta:
    return dt.timedelta(minutes=settings.GUIDE_EMAIL_CLAIM_MINUTES)


def _claimable(now: dt.datetime) -> Q:
    """Emails due now, and claims that lapsed (their worker died)."""
    return Q(status=Email.Status.SCHEDULED, due_at__lte=now) | Q(
        status=Email.Status.SENDING, claimed_until__lt=now
    )


def _claimed(now: dt.datetime) -> dict:
    """What a claim writes: "sending", its lease, one more attempt."""
    return {
        "status": Email.Status.SENDING,
        "claimed_until": now + _lease(),
        "attempts": F("attempts") + 1,
    }


def claim_due(now: dt.datetime, limit: int) -> list[int]:
    """Claim up to `limit` emails due now (and lapsed claims); returns their ids."""
    with transaction.atomic():
        rows = (
            Email.objects.filter(_claimable(now))
            .order_by("due_at", "pk")
            .select_for_update(skip_locked=True)
        )
        ids = list(rows.values_list("pk", flat=True)[:limit])
        Email.objects.filter(pk__in=ids).update(**_claimed(now))
    return ids


def claim_one(email_id: int, now: dt.datetime) -> bool:
    """Claim one email if it is due and nobody holds it (a recruiter's send, queued at once)."""
    return Email.objects.filter(_claimable(now), pk=email_id).update(**_claimed(now)) == 1


def send_claimed(ids: list[int], now: dt.datetime) -> dict[str, int]:
    """Send the claimed emails over one connection to the mail server; counts by outcome."""
    counts: dict[str, int] = {}
    rows = Email.objects.filter(pk__in=ids, status=Email.Status.SENDING).select_related(
        "tenant", "candidate"
    )
    tenants: dict[int, object] = {}  # one instance per tenant: its settings are read once
    connection = get_connection()
    try:
        _open(connection)
        batch = list(rows.order_by("pk"))  # at most GUIDE_EMAIL_BATCH rows
        known = preload(batch)
        for email in batch:
            email.tenant = tenants.setdefault(email.tenant_id, email.tenant)
            outcome = deliver(email, connection, now, known)
            counts[outcome] = counts.get(outcome, 0) + 1
    finally:
        connection.close()
    return counts


def _open(connection) -> None:
    """One connection for the batch (send_messages closes a connection it opened itself).
    A server that does not answer is recorded on each email by `deliver`."""
    try:
        connection.open()
    except (smtplib.SMTPException, OSError):
        logger.warning("The mail server does not answer; each email records the failure")


def deliver(email: Email, connection, now: dt.datetime, known: Preloaded | None = None) -> str:
    """Send one claimed email (or record why not); returns its new status."""
    try:
        decision = prepare(email, now, known)
    except Exception as exc:  # a bug must fail this email visibly, not the batch
        logger.exception("Email %s could not be prepared", email.pk)
        return _finish(email, Email.Status.FAILED, f"Guide could not write this email: {exc}")
    if isinstance(decision, NotSent):
        moved = decision.status == Email.Status.SCHEDULED  # a moved reminder: no attempt used
        return _finish(email, decision.status, decision.detail, due_at=decision.due_at, undo=moved)
    message = build_message(email, decision)
    try:
        connection.send_messages([message])
    except (smtplib.SMTPException, OSError) as exc:
        connection.close()  # the next message opens a fresh connection
        return _failed(email, exc, now, decision.to)
    return _finish(email, Email.Status.SENT, "", sent=(now, message, decision))


def build_message(email: Email, ready: Ready) -> EmailMultiAlternatives:
    """The MIME message: text and HTML parts, the .ics, RFC 8058 unsubscribe headers."""
    tenant = email.tenant
    chosen = settings_for(tenant)
    headers = {
        "Message-ID": f"<guide-email-{email.pk}@{_domain()}>",
        "List-Unsubscribe": f"<{ready.content.unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        "Content-Language": ready.content.language,
    }
    message = EmailMultiAlternatives(
        subject=ready.content.subject,
        body=ready.content.text,
        from_email=formataddr((chosen.from_name or tenant.name, settings.DEFAULT_FROM_EMAIL)),
        to=[ready.to],
        reply_to=[ready.content.reply_to] if ready.content.reply_to else None,
        headers=headers,
    )
    message.attach_alternative(ready.content.html, "text/html")
    if ready.content.ics:
        message.attach("interviews.ics", ready.content.ics, "text/calendar; method=PUBLISH")
    return message


def _domain() -> str:
    return settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip("> ") or "guide.invalid"


def _failed(email: Email, exc: Exception, now: dt.datetime, to: str) -> str:
    code, words = _smtp_code(exc)
    reason = (
        f"The mail server answered {code} {words}".strip()
        if code
        else f"{type(exc).__name__}: {exc}"
    )
    if code and code >= 500:
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            suppress(email.tenant, to, Suppression.Reason.BOUNCED, reason)
        return _finish(email, Email.Status.FAILED, f"Refused for good. {reason}", to=to)
    if email.attempts >= settings.GUIDE_EMAIL_MAX_ATTEMPTS:
        detail = f"Gave up after {email.attempts} attempts. {reason}"
        return _finish(email, Email.Status.FAILED, detail, to=to)
    wait = BACKOFF_MINUTES[min(email.attempts, len(BACKOFF_MINUTES)) - 1]
    retry = now + dt.timedelta(minutes=wait)
    detail = f"Attempt {email.attempts} failed, retrying at {retry:%H:%M} UTC. {reason}"
    return _finish(email, Email.Status.SCHEDULED, detail, due_at=retry, to=to)


def _smtp_code(exc: Exception) -> tuple[int, str]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        code, words = next(iter(exc.recipients.values()))
        return code, _decode(words)
    if isinstance(exc, smtplib.SMTPResponseException):
        return exc.smtp_code, _decode(exc.smtp_error)
    return 0, ""


def _decode(words) -> str:
    return words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)


def _finish(
    email: Email, status: str, detail: str, *, due_at=None, sent=None, to="", undo=False
) -> str:
    """Record the outcome, only while this worker's claim still holds the row."""
    changes = {"status": status, "detail": detail[:500], "claimed_until": None}
    if due_at is not None:
        changes["due_at"] = due_at
    if to:
        changes["to_address"] = to
    if sent is not None:
        when, message, ready = sent
        changes.update(sent_at=when, message_id=message.extra_headers["Message-ID"])
        changes.update(subject=ready.content.subject[:300], to_address=ready.to)
        changes["event_ids"] = ready.event_ids
    if undo:
        changes["attempts"] = F("attempts") - 1
    held = Email.objects.filter(
        pk=email.pk, status=Email.Status.SENDING, claimed_until=email.claimed_until
    )
    if not held.update(**changes, updated_at=timezone.now()):
        logger.warning("Email %s: the claim lapsed before its outcome was recorded", email.pk)
    return status
