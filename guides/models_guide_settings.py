"""What a tenant's recruiting admins set for every candidate's guide (the Settings pages):
the logo, the company's introduction, the texts of the closing states, and the candidate-facing
names, descriptions and visibility of stages by name.

One row per tenant. The stage texts are a small map from a stage's name (case-folded) to its
texts, kept in the row so the guide page reads them with the tenant in its first query (a
table would cost the page a query, or a join per stage).
"""

from __future__ import annotations

from django.db import models

from tenants.models import Tenant

TEXT_MAX = 2000


def stage_key(title: str) -> str:
    """The key a stage's name is known by across the tenant's interview plans."""
    return " ".join((title or "").split()).casefold()


class GuideSettings(models.Model):
    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, related_name="guide_settings")
    logo = models.FileField(upload_to="logos/", blank=True, max_length=200)
    company_intro = models.TextField("company introduction", blank=True, max_length=TEXT_MAX)
    what_to_expect = models.TextField("what to expect", blank=True, max_length=TEXT_MAX)
    archived_message = models.TextField(
        "message when an application is closed", blank=True, max_length=TEXT_MAX
    )
    hired_message = models.TextField("message when hired", blank=True, max_length=TEXT_MAX)
    # {stage_key(title): {"title": str, "description": str, "hidden": bool}}
    stage_texts = models.JSONField("stage texts", default=dict, blank=True)
    updated_at = models.DateTimeField("last changed", auto_now=True)

    class Meta:
        verbose_name = "guide settings"
        verbose_name_plural = "guide settings"

    def __str__(self) -> str:
        return f"Guide settings of tenant {self.tenant_id}"

    def stage_text(self, title: str) -> dict:
        return self.stage_texts.get(stage_key(title)) or {}
