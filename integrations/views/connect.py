from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guides.tenancy import tenant_required


@tenant_required
def integrations_page(request: HttpRequest) -> HttpResponse:
    return render(request, "integrations/integrations.html", {"tenant": request.tenant})
