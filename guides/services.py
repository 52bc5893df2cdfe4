"""Services of the guides app: plain functions that take the tenant explicitly."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from guides.models import (
    Application,
    Candidate,
    Department,
    Guide,
    Interview,
    Interviewer,
    InterviewEvent,
    InterviewPlan,
    InterviewSchedule,
    InterviewStage,
    Job,
    Location,
    Membership,
    Tenant,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def create_tenant(
    name: str, *, admin_username: str, admin_password: str | None = None, timezone: str = "UTC"
) -> tuple[Tenant, bool]:
    """Create (or find) the tenant called `name` with an admin member; idempotent.

    Returns the tenant and whether the admin user was created now. An existing user keeps
    their password.
    """
    tenant, _ = Tenant.objects.get_or_create(
        slug=slugify(name), defaults={"name": name, "default_timezone": timezone}
    )
    User = get_user_model()
    user, created = User.objects.get_or_create(username=admin_username)
    if created:
        if admin_password:
            user.set_password(admin_password)
        else:
            user.set_unusable_password()
        user.save()
    Membership.objects.get_or_create(
        user=user, tenant=tenant, defaults={"role": Membership.Role.ADMIN}
    )
    return tenant, created


# Children before parents, so no delete depends on a cascade and the counts are exact.
SYNCED_MODELS = (
    Guide,
    InterviewEvent,
    InterviewSchedule,
    Application,
    Candidate,
    Job,
    Interview,
    InterviewStage,
    InterviewPlan,
    Interviewer,
    Location,
    Department,
)


@transaction.atomic
def delete_synced_data(tenant: Tenant) -> dict[str, int]:
    """Delete every record the tenant's ATS integration synced, and the guides built on
    them (they cannot outlive their candidates). Returns the count deleted per model.
    Other tenants' data and the tenant itself are untouched."""
    counts: dict[str, int] = {}
    for model in SYNCED_MODELS:
        _, per_model = model.objects.filter(tenant=tenant).delete()
        counts[str(model._meta.verbose_name_plural)] = per_model.get(model._meta.label, 0)
    logger.info("Deleted the synced data of tenant %s: %s", tenant.pk, counts)
    return counts
