"""Who did what to the tenant's integration, for the admin's audit trail. Never a secret."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from guides.models import Tenant

__all__ = ["AuditEvent"]


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        ASHBY_CONNECTED = "ashby_connected", "Connected Ashby"
        ASHBY_KEY_REPLACED = "ashby_key_replaced", "Replaced the Ashby API key"
        ASHBY_DISCONNECTED = "ashby_disconnected", "Disconnected Ashby"
        SYNCED_DATA_DELETED = "synced_data_deleted", "Deleted the synced data"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user goes.")
    action = models.CharField(max_length=40, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor_name or 'system'}: {self.get_action_display()} ({self.tenant})"

    @classmethod
    def record(cls, tenant: Tenant, actor: Any, action: str, **detail: Any) -> AuditEvent:
        """Add one row. `detail` must hold no secret (key title and last 4 are fine)."""
        name = actor.get_username() if actor is not None else ""
        return cls.objects.create(
            tenant=tenant, actor=actor, actor_name=name, action=action, detail=detail
        )
