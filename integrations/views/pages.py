"""The Integrations page: a card per integration, each rendered from its own template."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from integrations import registry
from tenants.tenancy import tenant_required


@tenant_required
@require_safe
def integrations_page(request: HttpRequest) -> HttpResponse:
    return render(request, "integrations/integrations.html", registry.panel_context(request))
