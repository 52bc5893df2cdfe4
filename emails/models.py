"""What Guide emails candidates: each tenant's settings and templates, the addresses it never
writes to, and one row per email (the outbox and the log at once).

An `Email` row is written before anything is sent and then moves through its statuses, so a
send is never lost (a crashed worker's claim lapses and another takes it) and every email's
fate stays visible. Issue 21 (erasure) finds a person's emails by `candidate` or `to_address`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from guides.models import Candidate, Job
from tenants.models import Tenant


class Kind(models.TextChoices):
    GUIDE_LINK = "guide_link", "Guide link"
    REMINDER = "reminder", "Interview reminder"


class EmailSettings(models.Model):
    """A tenant's email choices. Everything is off until an admin turns it on."""

    class Trigger(models.TextChoices):
        OFF = "off", "Off"
        GUIDE_CREATED = "guide_created", "When the candidate's guide is created"
        FIRST_INTERVIEW = "first_interview", "When the candidate's first interview is scheduled"

    class Jobs(models.TextChoices):
        ALL = "all", "Every job"
        CHOSEN = "chosen", "Only the jobs ticked below"

    class ReplyTo(models.TextChoices):
        RECRUITER = "recruiter", "The candidate's recruiter (else the address below)"
        ADDRESS = "address", "The address below"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="email_settings")
    from_name = models.CharField(
        "sender name",
        max_length=100,
        blank=True,
        help_text="Shown as the sender; default: the company's name.",
    )
    reply_to = models.CharField(
        "replies go to", max_length=10, choices=ReplyTo.choices, default=ReplyTo.RECRUITER
    )
    reply_to_address = models.EmailField("reply-to address", blank=True)
    reminder_hours = models.PositiveSmallIntegerField(
        "interview reminders",
        choices=[(0, "Off"), (24, "24 hours before"), (48, "48 hours before")],
        default=0,
    )
    guide_link_trigger = models.CharField(
        "send the guide link", max_length=20, choices=Trigger.choices, default=Trigger.OFF
    )
    guide_link_jobs = models.CharField("for", max_length=10, choices=Jobs.choices, default=Jobs.ALL)
    # Guides created (or first interviews scheduled) before the guide link was turned on are
    # not emailed: turning it on must not write to every past candidate at once.
    guide_link_since = models.DateTimeField(null=True, blank=True, editable=False)
    email_archived = models.BooleanField(
        "email archived candidates",
        default=False,
        help_text="Off: an archived candidate gets no automatic email (a recruiter may still send the guide link).",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "email settings"
        verbose_name_plural = "email settings"

    def __str__(self) -> str:
        return f"Email settings of {self.tenant_id}"


class JobEmailSetting(models.Model):
    """A job ticked for the guide link email (used when the tenant sends it for chosen jobs)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    job = models.OneToOneField(Job, on_delete=models.CASCADE, related_name="email_setting")
    guide_link = models.BooleanField("send the guide link", default=False)

    def __str__(self) -> str:
        return f"Email setting of job {self.job_id}"


class MessageTemplate(models.Model):
    """A tenant's own subject and body for one kind of email (the default when absent)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=10000)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "kind"], name="messagetemplate_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} template of {self.tenant_id}"


class Suppression(models.Model):
    """An address of a tenant's candidate Guide never writes to again."""

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced permanently"
        DO_NOT_CONTACT = "do_not_contact", "Do not contact"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    address = models.EmailField(max_length=254)  # lower-cased
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "address"], name="suppression_unique_address")
        ]

    def __str__(self) -> str:
        return f"{self.address} ({self.reason})"


class Email(models.Model):
    """One email to a candidate: scheduled, claimed by a worker, then sent, failed or not sent."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Delivered to the mail server"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent"
        CANCELLED = "cancelled", "Cancelled"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.SET_NULL, related_name="emails"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    to_address = models.EmailField("to", max_length=254, blank=True)
    # One automatic email per purpose: "guide_link" or "reminder:2026-03-08" (the candidate's
    # local day). NULL for a recruiter's send, which may be repeated.
    dedupe_key = models.CharField(max_length=40, null=True, blank=True)
    interview_day = models.DateField(null=True, blank=True)
    event_ids = models.JSONField("interviews listed", default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    due_at = models.DateTimeField("due")
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    detail = models.CharField("why", max_length=500, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "candidate", "dedupe_key"], name="email_once_per_purpose"
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["tenant", "-created_at"]),
            models.Index(fields=["tenant", "to_address"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.to_address or '?'} ({self.status})"
