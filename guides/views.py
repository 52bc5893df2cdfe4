from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from guides import health
from guides.tenancy import switch_tenant, tenant_required


@tenant_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("guides:list")


@tenant_required
def guide_list(request: HttpRequest) -> HttpResponse:
    return render(request, "guides/guide_list.html", {"tenant": request.tenant})


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    try:
        tenant_id = int(request.POST.get("tenant", ""))
    except ValueError:
        tenant_id = 0
    membership = switch_tenant(request, tenant_id)
    if membership is None:
        messages.error(request, "You are not a member of that company.")
    else:
        messages.success(request, f"You are now working in {membership.tenant.name}.")
    return redirect("home")


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = health.database_ok()
    queue = health.queue_status() if database else {"ok": False}
    body = {"status": "ok" if database else "unavailable", "database": database, "queue": queue}
    return JsonResponse(body, status=200 if database else 503)
