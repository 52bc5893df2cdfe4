"""A tenant's link to Ashby: the API key (encrypted at rest) and what Ashby said about it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from integrations.crypto import EncryptedTextField, reveal
from tenants.models import Tenant

__all__ = ["AshbyConnection"]


class AshbyConnection(models.Model):
    """One per tenant. `status` says whether Guide may use the key; a sync in progress is
    shown from the sync runs, not stored here."""

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        DISABLED = "disabled", "Disabled"

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="ashby_connection")
    api_key_encrypted = EncryptedTextField(help_text="The Ashby API key, Fernet-encrypted.")
    key_title = models.CharField(max_length=255, blank=True, help_text="The key's name in Ashby.")
    key_last4 = models.CharField("key's last four characters", max_length=4)
    scopes = models.JSONField(
        default=list,
        blank=True,
        help_text="Scopes the ATS reported for the key, as it spells them.",
    )
    permissions = models.JSONField(
        default=list, blank=True, help_text='Permissions the probes confirmed, e.g. "jobsRead".'
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CONNECTED)
    status_reason = models.TextField("reason", blank=True)
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField("connected", default=timezone.now)
    last_checked_at = models.DateTimeField("key last checked", null=True, blank=True)
    updated_at = models.DateTimeField("updated", auto_now=True)
    # The guide link written onto each candidate's profile (integrations/ashby/write_back.py):
    # "" = off (the default), NOTE = a note on the candidate, else a custom field's id.
    guide_link_target = models.CharField(
        "guide link written to", max_length=64, blank=True, default=""
    )
    guide_link_field_title = models.CharField("custom field's name", max_length=255, blank=True)

    NOTE = "note"

    class Meta:
        verbose_name = "Ashby connection"
        verbose_name_plural = "Ashby connections"

    def __str__(self) -> str:
        return f"Ashby for {self.tenant} ({self.get_status_display()})"

    @property
    def api_key(self) -> str:
        """The plaintext key. Only the Ashby client should need it."""
        return reveal(self.api_key_encrypted) or ""

    @api_key.setter
    def api_key(self, value: str) -> None:
        self.api_key_encrypted = value  # encrypted when saved
        self.key_last4 = value[-4:]

    @property
    def is_usable(self) -> bool:
        """Whether syncs may call Ashby with this key (not while it needs attention)."""
        return self.status == self.Status.CONNECTED

    def mark_needs_attention(self, reason: str) -> None:
        """Stop using the key until an admin acts; `reason` is shown on the Integrations page."""
        self.status = self.Status.NEEDS_ATTENTION
        self.status_reason = reason
        self.save(update_fields=["status", "status_reason", "updated_at"])
