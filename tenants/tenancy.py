"""Which tenant a signed-in request acts for.

A user may belong to several tenants; the one they chose last is kept in the session, and
every tenant-scoped view reads it through `tenant_required`, which sets `request.tenant` and
`request.membership`. Views then scope every query by `request.tenant`, so another tenant's
object is simply not found (404).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.models import Membership

SESSION_KEY = "guide_tenant_id"


def memberships_of(user) -> list[Membership]:
    """The user's memberships, tenant loaded, in a stable order."""
    if not user.is_authenticated:
        return []
    return list(Membership.objects.filter(user=user).select_related("tenant"))


def resolve_membership(request: HttpRequest) -> Membership | None:
    """The membership the request acts under: the session's choice when still valid,
    otherwise the user's first tenant. Cached on the request."""
    if hasattr(request, "_guide_membership"):
        return request._guide_membership
    memberships = memberships_of(request.user)
    chosen = request.session.get(SESSION_KEY)
    membership = next((m for m in memberships if m.tenant_id == chosen), None)
    if membership is None and memberships:
        membership = memberships[0]
        request.session[SESSION_KEY] = membership.tenant_id
    request._guide_membership = membership
    request._guide_memberships = memberships
    return membership


def switch_tenant(request: HttpRequest, tenant_id: int) -> Membership | None:
    """Make `tenant_id` the request's tenant if the user belongs to it."""
    membership = Membership.objects.filter(user=request.user, tenant_id=tenant_id).first()
    if membership is not None:
        request.session[SESSION_KEY] = membership.tenant_id
    return membership


def tenant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in and a member of some tenant; sets request.tenant and request.membership."""

    @login_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        membership = resolve_membership(request)
        if membership is None:
            return render(request, "tenants/no_tenant.html", status=403)
        request.membership = membership
        request.tenant = membership.tenant
        return view(request, *args, **kwargs)

    return wrapper


def tenant_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Like `tenant_required`, and the membership must be an admin one (403 otherwise)."""

    @tenant_required
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.membership.is_admin:
            raise PermissionDenied("Only an admin of this tenant can do this.")
        return view(request, *args, **kwargs)

    return wrapper
