"""Services of the guides app: plain functions that take the tenant explicitly."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from guides.models import Guide, Membership, Tenant

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


def ensure_guides(tenant: Tenant, candidate_ids: Iterable[int]) -> int:
    """Give each of the tenant's candidates in `candidate_ids` a guide if it has none yet.

    Two queries whatever the number of candidates; returns how many guides were created.
    A concurrent creator is harmless: the one-guide-per-candidate constraint ignores the loser.
    """
    wanted = set(candidate_ids)
    if not wanted:
        return 0
    have = set(
        Guide.objects.filter(tenant=tenant, candidate_id__in=wanted).values_list(
            "candidate_id", flat=True
        )
    )
    new = [Guide(tenant=tenant, candidate_id=pk) for pk in sorted(wanted - have)]
    Guide.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def touch_guides(tenant: Tenant, candidate_ids: Iterable[int]) -> None:
    """Mark the guides of these candidates as changed now (something they show changed)."""
    wanted = set(candidate_ids)
    if wanted:
        Guide.objects.filter(tenant=tenant, candidate_id__in=wanted).update(
            updated_at=timezone.now()
        )
