"""A webhook delivery's history: one row per processing attempt, never overwritten.

The delivery row (webhook_records.WebhookDelivery) shows its latest state; its attempts keep
every earlier one: the first run, each automatic retry, each replay, with its outcome and the
sentence support reads. A replay adds an attempt; nothing here is ever updated.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from integrations.models.webhook_records import WebhookDelivery
from tenants.models import Tenant

__all__ = ["DeliveryAttempt"]

Status = WebhookDelivery.Status


class DeliveryAttempt(models.Model):
    """One processing run of a delivery: when, why it ran, how it ended, and why."""

    class Kind(models.TextChoices):
        FIRST = "first", "First attempt"
        RETRY = "retry", "Automatic retry"
        REPLAY = "replay", "Replay"

    class Result(models.TextChoices):
        PROCESSED = Status.PROCESSED.value, "Applied"
        IGNORED = Status.IGNORED.value, "Ignored"
        RETRYING = Status.RETRYING.value, "Failed, will retry"
        FAILED = Status.FAILED.value, "Failed"

    FAILURES = (Result.RETRYING, Result.FAILED)

    delivery = models.ForeignKey(
        WebhookDelivery,
        on_delete=models.CASCADE,
        # Not "attempts": WebhookDelivery.attempts is the retry counter.
        related_name="history",
    )
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField(help_text="1 for the first attempt, then 2, 3, ...")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    result = models.CharField(max_length=12, choices=Result.choices)
    message = models.TextField(help_text="What happened, in a sentence support can read.")
    details = models.TextField(
        blank=True, help_text="For engineers: the exception's type and text, when one was raised."
    )
    requested_by = models.CharField(
        max_length=150, blank=True, help_text="Who asked for the replay (a username)."
    )

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = "delivery attempt"
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_per_number"),
        ]
        indexes = [
            # "Attempts that failed lately, per tenant" (the support console's summaries).
            models.Index(
                fields=["tenant", "-finished_at"],
                condition=Q(result__in=["retrying", "failed"]),
                name="attempt_failed_recently",
            ),
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of delivery {self.delivery_id}"

    @property
    def duration_seconds(self) -> float:
        return max((self.finished_at - self.started_at).total_seconds(), 0.0)
