from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from guides.forms import GuideFilterForm
from guides.list_notices import notices_for
from guides.models import Guide
from guides.services import search_guides
from guides.views_staff import PAGE_SIZE, guide_row
from tenants.tenancy import switch_tenant, tenant_required


@tenant_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return redirect("guides:list")


@tenant_required
@require_safe
def guide_list(request: HttpRequest) -> HttpResponse:
    form = GuideFilterForm(request.GET or None, tenant=request.tenant)
    filters = form.cleaned_data if form.is_valid() else {}
    opened = {"yes": True, "no": False}.get(filters.get("opened", ""))
    guides = search_guides(
        request.tenant,
        q=filters.get("q", ""),
        job=filters.get("job"),
        stage=filters.get("stage"),
        opened=opened,
    )
    page = Paginator(guides, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [guide_row(guide) for guide in page.object_list]
    context = {
        "tenant": request.tenant,
        "form": form,
        "page": page,
        "rows": rows,
        "filtered": bool(filters and any(filters.values())),
        "has_any_guide": bool(rows) or Guide.objects.filter(tenant=request.tenant).exists(),
        "notices": notices_for(request.tenant),
    }
    return render(request, "guides/guide_list.html", context)


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
