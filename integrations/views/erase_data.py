"""Deleting everything Guide holds for the tenant, outside Disconnect: after a deletion that
stopped, or for a tenant that kept its data when it disconnected. A confirmation page first;
the work runs in the background (integrations/tenant_erasure.py)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from integrations.models import AshbyConnection
from integrations.tenant_erasure import active_erasure, start_tenant_erasure
from tenants.tenancy import tenant_admin_required


@tenant_admin_required
@require_http_methods(["GET", "POST"])
def erase_data(request: HttpRequest) -> HttpResponse:
    if AshbyConnection.objects.filter(tenant=request.tenant).exists():
        messages.error(request, "Disconnect Ashby first: its sync would bring the data back.")
        return redirect("integrations:integrations")
    if active_erasure(request.tenant) is not None:
        messages.info(request, "Guide is already deleting this tenant's data: see below.")
        return redirect("integrations:integrations")
    if request.method == "POST":
        start_tenant_erasure(request.tenant, user=request.user)
        messages.success(request, "Guide is deleting everything it holds for this tenant.")
        return redirect("integrations:integrations")
    return render(request, "integrations/erase_data.html", {"tenant": request.tenant})
