from __future__ import annotations

from django.http import HttpRequest

from tenants.tenancy import resolve_membership


def tenancy(request: HttpRequest) -> dict:
    """The current tenant and the user's other tenants, for the navigation bar."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    membership = resolve_membership(request)
    return {
        "current_membership": membership,
        "current_tenant": membership.tenant if membership else None,
        "all_memberships": request._guide_memberships,
    }
