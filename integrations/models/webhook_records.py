"""Webhook subscriptions (one row per tenant and Ashby event) and the deliveries they receive.

A subscription is what the tenant admin copies into Ashby's "New Webhook" form: an unguessable
URL (its `token`) and a secret (encrypted at rest). Its status is derived from three times:
the last correctly signed delivery, the last wrongly signed one, and how long it has been quiet.
After a rotation the previous secret is kept (encrypted) and accepted until
`previous_secret_expires_at`, so Ashby's deliveries keep arriving until the new one is pasted.

A delivery is the outbox of the real-time path: stored (raw body) before it is answered,
processed later by a django-q2 task, kept with its status for the delivery log.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

from integrations.crypto import EncryptedTextField, reveal
from tenants.models import Tenant

__all__ = [
    "DeletedCandidate",
    "WebhookDelivery",
    "WebhookSubscription",
    "event_name",
    "new_webhook_secret",
    "new_webhook_token",
]


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")  # where a camelCase action's words meet


def event_name(action: str) -> str:
    """A camelCase action in words: "interviewScheduleUpdate" -> "Interview Schedule Update"."""
    words = _CAMEL.sub(" ", action).split()
    return " ".join(word[:1].upper() + word[1:] for word in words) or "Unknown"


def new_webhook_token() -> str:
    """The unguessable part of a webhook URL (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def new_webhook_secret() -> str:
    """A webhook secret: 64 hex characters, easy to paste into Ashby's Secret field."""
    return secrets.token_hex(32)


class WebhookSubscription(models.Model):
    """One Ashby webhook Guide asks the tenant to create: the URL, the secret, and its status."""

    class State(models.TextChoices):
        WAITING = "waiting", "Waiting"
        CONNECTED = "connected", "Connected"
        QUIET = "quiet", "Quiet"
        FAILING = "failing", "Failing"
        ROTATED = "rotated", "Secret rotated"

    tenant = models.ForeignKey(
        Tenant, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    event = models.CharField(max_length=40, help_text="Ashby's webhook type, e.g. candidateHire.")
    token = models.CharField(max_length=64, unique=True, default=new_webhook_token, editable=False)
    secret_encrypted = EncryptedTextField(help_text="The webhook secret, Fernet-encrypted.")
    secret_rotated_at = models.DateTimeField("secret rotated", null=True, blank=True)
    previous_secret_encrypted = EncryptedTextField(
        null=True, blank=True, help_text="The secret before the last rotation, Fernet-encrypted."
    )
    previous_secret_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Until then deliveries signed with it are accepted."
    )
    secret_confirmed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the first delivery signed with the current secret arrived.",
    )
    last_delivery_at = models.DateTimeField(
        "last delivery", null=True, blank=True, help_text="Any request to this URL, signed or not."
    )
    last_valid_delivery_at = models.DateTimeField("last valid delivery", null=True, blank=True)
    signature_failures = models.PositiveIntegerField(default=0)
    last_signature_failure_at = models.DateTimeField(
        "last signature failure", null=True, blank=True
    )
    ashby_webhook_id = models.CharField(
        "Ashby webhook id",
        max_length=64,
        blank=True,
        help_text="Set when Guide created the webhook through the API.",
    )
    created_at = models.DateTimeField("created", auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "event"], name="one_subscription_per_event"),
        ]

    def __str__(self) -> str:
        return f"{self.event} webhook of {self.tenant}"

    @property
    def secret(self) -> str:
        """The plaintext secret: for signature checks and the tenant admin's copy button."""
        return reveal(self.secret_encrypted) or ""

    @secret.setter
    def secret(self, value: str) -> None:
        self.secret_encrypted = value  # encrypted when saved

    @property
    def previous_secret(self) -> str | None:
        """The plaintext of the secret before the last rotation, while it is kept."""
        return reveal(self.previous_secret_encrypted)

    def accepts_previous_secret(self, now: datetime | None = None) -> bool:
        """Whether a delivery signed with the previous secret is accepted (grace period)."""
        expires = self.previous_secret_expires_at
        if self.previous_secret_encrypted is None or expires is None:
            return False
        return (now or timezone.now()) < expires

    @property
    def rotation_pending(self) -> bool:
        """Rotated, the old secret still accepted, and nothing signed with the new one yet."""
        return self.secret_confirmed_at is None and self.accepts_previous_secret()

    @property
    def is_failing(self) -> bool:
        """Wrongly signed deliveries arrived after the last correctly signed one."""
        failed = self.last_signature_failure_at
        valid = self.last_valid_delivery_at
        return failed is not None and (valid is None or failed > valid)

    def state(self, *, quiet_after: timedelta, others_last_valid: datetime | None) -> str:
        """Waiting, Connected, Failing, Secret rotated (the new secret not seen yet while the
        old one is still accepted), or Quiet: connected once, but nothing for `quiet_after`
        while another of the tenant's webhooks received deliveries since."""
        if self.is_failing:
            return self.State.FAILING
        if self.rotation_pending:
            return self.State.ROTATED
        if self.last_valid_delivery_at is None:
            return self.State.WAITING
        quiet_since = timezone.now() - quiet_after
        if (
            self.last_valid_delivery_at < quiet_since
            and others_last_valid is not None
            and others_last_valid > quiet_since
        ):
            return self.State.QUIET
        return self.State.CONNECTED


class WebhookDelivery(models.Model):
    """One correctly signed delivery from Ashby, stored before it is answered.

    Duplicates are stopped by the database: Ashby repeats a delivery (retries, two webhooks
    on one event) with the same action id (webhook_action_id), and "related webhooks" of one
    user action share it across actions, so the key is (tenant, action, dedupe_key), where
    dedupe_key is that id or, when the payload has none, a hash of the raw body
    (docs/ashby.md §4).
    """

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Processing"
        RETRYING = "retrying", "Retrying"
        PROCESSED = "processed", "Processed"
        IGNORED = "ignored", "Ignored"
        FAILED = "failed", "Failed"

    PENDING = (Status.RECEIVED, Status.RETRYING)
    # The candidate_id of rows received before candidates were noted (the migration's
    # default), until retention's pass reads their bodies (integrations/retention.py).
    CANDIDATE_NOT_NOTED = "?"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="webhook_deliveries")
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    action = models.CharField(max_length=60)
    webhook_action_id = models.CharField("webhook action id", max_length=100, blank=True)
    dedupe_key = models.CharField(max_length=100)
    body = models.TextField(help_text="The raw body as received (signed bytes, UTF-8).")
    headers = models.JSONField(
        default=dict, blank=True, help_text="Request headers, minus secrets."
    )
    received_at = models.DateTimeField("received", default=timezone.now)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveIntegerField(
        default=0, help_text="Processing attempts since it was received or last replayed."
    )
    attempts_total = models.PositiveIntegerField(
        default=0, help_text="Every processing attempt, replays included (its history's length)."
    )
    replay_requested_by = models.CharField(
        max_length=150, blank=True, help_text="Who asked for its latest replay (a username)."
    )
    next_attempt_at = models.DateTimeField("next attempt", null=True, blank=True)
    swept_at = models.DateTimeField(
        "last swept", null=True, blank=True, help_text="When the sweep last enqueued it again."
    )
    enqueue_failed_at = models.DateTimeField(
        "queueing failed",
        null=True,
        blank=True,
        help_text="When queueing its processing last failed (the broker unreachable): the "
        "sweep queues it again at once.",
    )
    started_at = models.DateTimeField("processing started", null=True, blank=True)
    processed_at = models.DateTimeField("processed", null=True, blank=True)
    error = models.TextField(blank=True)
    outcome = models.CharField(
        max_length=2000,
        blank=True,
        help_text="What processing changed, and what it skipped or left for the next sync.",
    )
    # Erasure and retention (integrations/erasure.py, integrations/retention.py).
    candidate_id = models.CharField(
        "candidate's ATS id",
        max_length=64,
        blank=True,
        default="",
        help_text="The candidate the delivery is about, noted when it is received.",
    )
    body_erased_at = models.DateTimeField(
        "body erased",
        null=True,
        blank=True,
        help_text="When its body and headers were replaced by a note (erasure or retention).",
    )

    class Meta:
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "action", "dedupe_key"], name="one_delivery_per_action"
            ),
        ]
        indexes = [
            models.Index(fields=["tenant", "-received_at"]),
            models.Index(
                fields=["status", "next_attempt_at"],
                condition=Q(status__in=["received", "retrying", "processing"]),
                name="delivery_pending",
            ),
            # The support console's list filters and searches (ordered by id, newest first).
            models.Index(fields=["status", "-id"], name="delivery_status_id"),
            models.Index(fields=["action", "-id"], name="delivery_action_id"),
            models.Index(fields=["-id"], condition=~Q(error=""), name="delivery_with_error"),
            models.Index(fields=["webhook_action_id"], name="delivery_webhook_action_id"),
            # A person's deliveries (erasure, export), without reading any body.
            models.Index(
                fields=["tenant", "candidate_id"],
                condition=~Q(candidate_id=""),
                name="delivery_candidate",
            ),
            # Bodies still kept, oldest first (retention); erased rows leave the index.
            models.Index(
                fields=["received_at"],
                condition=Q(body_erased_at__isnull=True),
                name="delivery_body_kept",
            ),
            # Deliveries failing processing lately, per webhook row (integrations/failing.py).
            models.Index(
                fields=["subscription", "started_at"],
                condition=Q(status__in=["failed", "retrying"]),
                name="delivery_failing",
            ),
        ]

    def __str__(self) -> str:
        """ "Interview Schedule Update delivery 4 (applied)": page titles and links."""
        status = self.get_status_display().lower()
        return f"{event_name(self.action)} delivery {self.pk} ({status})"


class DeletedCandidate(models.Model):
    """A candidate Ashby deleted (candidateDelete) or merged away (candidateMerge).

    Ashby never brings such a candidate back, but a delivery about them sent before the
    deletion may arrive after it (retries, no ordering guarantee): kept here, it is ignored
    instead of recreating the candidate and their guide.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField("ATS id", max_length=64)
    deleted_at = models.DateTimeField("deleted", default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "external_id"], name="one_tombstone_per_id"),
        ]

    def __str__(self) -> str:
        return f"Deleted candidate {self.external_id}"
