"""Who did what to the tenant's integration, for the admin's audit trail. Never a secret.

Two sources write here: the tenant's own pages (connect, replace, disconnect a key) and the
support console (every admin action: who, what, when, on which row, and how it went).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from tenants.models import Tenant

__all__ = ["AuditEvent"]


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        ASHBY_CONNECTED = "ashby_connected", "Connected Ashby"
        ASHBY_KEY_REPLACED = "ashby_key_replaced", "Replaced the Ashby API key"
        ASHBY_DISCONNECTED = "ashby_disconnected", "Disconnected Ashby"
        SYNCED_DATA_DELETED = "synced_data_deleted", "Deleted the synced data"
        WEBHOOK_SECRET_ROTATED = "webhook_secret_rotated", "Rotated a webhook secret"
        PREVIOUS_SECRET_REVOKED = (
            "previous_secret_revoked",
            "Revoked a webhook's previous secret",
        )
        # Support console actions.
        SYNC_REQUESTED = "sync_requested", "Sync now"
        FULL_RESYNC_REQUESTED = "full_resync_requested", "Full resync"
        CONNECTION_DISABLED = "connection_disabled", "Disabled the connection"
        CONNECTION_ENABLED = "connection_enabled", "Enabled the connection"
        KEY_CHECKED = "key_checked", "Checked the key against Ashby"
        DELIVERY_REPLAYED = "delivery_replayed", "Replayed a webhook delivery"
        DELIVERY_IGNORED = "delivery_ignored", "Marked a webhook delivery ignored"
        # Personal data (integrations/erasure.py, integrations/tenant_erasure.py).
        PERSON_EXPORTED = "person_exported", "Exported a person's data"
        PERSON_ERASED = "person_erased", "Erased a person's data"
        TENANT_ERASURE_STARTED = "tenant_erasure_started", "Started deleting the tenant's data"
        TENANT_ERASURE_FINISHED = "tenant_erasure_finished", "Deleted the tenant's data"

    class Source(models.TextChoices):
        APP = "app", "Guide"
        ADMIN = "admin", "Support console"

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        REFUSED = "refused", "Refused"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(
        "actor's name", max_length=150, blank=True, help_text="Kept if the user goes."
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.APP)
    target = models.CharField(
        max_length=200, blank=True, help_text='The row acted on, e.g. "WebhookDelivery 42".'
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.DONE)
    message = models.TextField(blank=True, help_text="What happened, as support was told.")
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField("when", auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["tenant", "-created_at"]),
            models.Index(fields=["-created_at"], name="auditevent_created"),
        ]
        permissions = [
            ("run_support_actions", "Can run the support console's actions"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'}: {self.get_action_display()} ({self.tenant})"

    @classmethod
    def record(
        cls,
        tenant: Tenant,
        actor: Any,
        action: str,
        *,
        source: str = Source.APP,
        target: str = "",
        outcome: str = Outcome.DONE,
        message: str = "",
        **detail: Any,
    ) -> AuditEvent:
        """Add one row. `message` and `detail` must hold no secret (a key's last 4 is fine)."""
        name = actor.get_username() if actor is not None else ""
        return cls.objects.create(
            tenant=tenant,
            actor=actor,
            actor_name=name,
            action=action,
            source=source,
            target=target[:200],
            outcome=outcome,
            message=message,
            detail=detail,
        )
