"""A tenant's data being deleted in the background, after its admin disconnected Ashby and
asked for everything Guide holds to go (integrations/tenant_erasure.py runs it).

The row outlives the data it deleted: with the audit trail, it is what is left of the tenant's
integration, and it shows the progress while the deletion runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from tenants.models import Tenant

__all__ = ["TenantErasure"]


class TenantErasure(models.Model):
    """One request to delete everything Guide holds for a tenant (its audit trail excepted)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField("requested by", max_length=150, blank=True)
    requested_at = models.DateTimeField("requested", auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    started_at = models.DateTimeField("started", null=True, blank=True)
    finished_at = models.DateTimeField("finished", null=True, blank=True)
    progress = models.JSONField(
        default=dict, blank=True, help_text="Rows deleted so far, per kind of data."
    )
    current = models.CharField(
        "deleting now", max_length=80, blank=True, help_text="The kind of data being deleted."
    )
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = "tenant data erasure"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_erasure_per_tenant",
            ),
        ]

    def __str__(self) -> str:
        return f"Erasure of {self.tenant}'s data ({self.get_status_display().lower()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def deleted_total(self) -> int:
        return sum(int(n) for n in (self.progress or {}).values())
