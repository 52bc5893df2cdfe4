"""Saving a tenant's email settings and templates."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from emails.defaults import default_template
from emails.models import EmailSettings, JobEmailSetting, MessageTemplate
from emails.tokens import check_template
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@transaction.atomic
def save_email_settings(tenant: Tenant, chosen: EmailSettings, job_ids: set[int]) -> EmailSettings:
    """Save the settings and the ticked jobs. Turning the guide link on starts its clock:
    only guides created (or interviews scheduled) from now on are emailed."""
    previous = EmailSettings.objects.filter(tenant=tenant).first()
    was_on = previous is not None and previous.guide_link_trigger != EmailSettings.Trigger.OFF
    if chosen.guide_link_trigger != EmailSettings.Trigger.OFF and not was_on:
        chosen.guide_link_since = timezone.now()
    chosen.tenant = tenant
    chosen.save()
    JobEmailSetting.objects.filter(tenant=tenant).exclude(job_id__in=job_ids).update(
        guide_link=False
    )
    for job_id in job_ids:
        JobEmailSetting.objects.update_or_create(
            job_id=job_id, defaults={"tenant": tenant, "guide_link": True}
        )
    logger.info("Tenant %s saved its email settings", tenant.pk)
    return chosen


def save_template(tenant: Tenant, kind: str, subject: str, body: str, *, user) -> MessageTemplate:
    """Store the tenant's template for `kind` (checked again here: TemplateError if unusable)."""
    check_template(subject, body)
    row, _ = MessageTemplate.objects.update_or_create(
        tenant=tenant, kind=kind, defaults={"subject": subject, "body": body, "updated_by": user}
    )
    return row


def reset_template(tenant: Tenant, kind: str) -> tuple[str, str]:
    """Go back to Guide's default for `kind`."""
    MessageTemplate.objects.filter(tenant=tenant, kind=kind).delete()
    return default_template(kind)
