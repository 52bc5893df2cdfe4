""" "Sync now" and the JSON progress the Integrations panel polls."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_POST

from integrations.models import AshbyConnection
from integrations.sync_runs import request_sync
from integrations.sync_status import sync_status
from tenants.tenancy import tenant_admin_required, tenant_required


@require_POST
@tenant_admin_required
def sync_now(request: HttpRequest) -> HttpResponse:
    connection = AshbyConnection.objects.filter(tenant=request.tenant).first()
    if connection is None:
        messages.error(request, "Connect Ashby first.")
    elif not connection.is_usable:
        messages.error(request, "The Ashby connection needs attention; fix it before syncing.")
    else:
        run = request_sync(connection.pk, reason=f"Sync now by {request.user.get_username()}")
        if run.status == run.Status.RUNNING:
            messages.info(request, "A sync is already running; it picks up the latest changes.")
        else:
            messages.success(request, "Sync started.")
    return redirect("integrations:integrations")


@require_GET
@tenant_required
def sync_status_json(request: HttpRequest) -> JsonResponse:
    status = sync_status(request.tenant)
    status["html"] = render_to_string(
        "integrations/_sync_status.html",
        {"sync": status},
        request=request,
    )
    response = JsonResponse(status)
    response["Cache-Control"] = "no-store"
    return response
