"""What Guide wrote back to the ATS: each candidate's guide link, one row per guide.

The row remembers the link last written (or being written), where it went, and how the last
attempt ended, so a link is written once per guide and again only when it changes; a failure
is retried with backoff (integrations/ashby/write_back.py) and then shown as failed on the
Integrations page and the support console.
"""

from __future__ import annotations

from django.db import models

from guides.models import Guide
from tenants.models import Tenant

__all__ = ["GuideLinkWrite"]


class GuideLinkWrite(models.Model):
    class Status(models.TextChoices):
        WRITTEN = "written", "Written"
        RETRYING = "retrying", "Failing, will retry"
        FAILED = "failed", "Failed"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    guide = models.OneToOneField(Guide, on_delete=models.CASCADE, related_name="link_write")
    value = models.TextField(help_text="The guide link this row wrote, or is trying to write.")
    target = models.CharField(
        max_length=255, help_text='Where it goes: "a note on the candidate" or a field\'s name.'
    )
    status = models.CharField(max_length=10, choices=Status.choices)
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="Failed attempts at writing `value` (0 once written)."
    )
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField("next attempt", null=True, blank=True)
    written_at = models.DateTimeField("written", null=True, blank=True)
    updated_at = models.DateTimeField("updated", auto_now=True)

    class Meta:
        verbose_name = "guide link written to the ATS"
        verbose_name_plural = "guide links written to the ATS"
        indexes = [models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return f"Guide link of guide {self.guide_id} ({self.get_status_display()})"
