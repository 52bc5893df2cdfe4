"""Creating a tenant with its first admin."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from tenants.models import Membership, Tenant


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
