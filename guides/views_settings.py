"""Settings pages: what every candidate's guide shows (brand, texts, stages, interviews).

Admins of the tenant edit; read-only members see the same page with every control disabled
(and get 403 on a POST); another tenant's objects are simply not choices. Each page can show a
preview of a real candidate's guide with the unsaved values before anything is saved.
"""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from guides import guide_settings as services
from guides.forms_settings import BrandForm, InterviewsForm, StageTextsForm, TextsForm
from guides.guide_company import GUIDE_SELECT_RELATED, Overrides, company_view, settings_of
from guides.models import Application, Guide, Interview
from guides.views_public import ROBOTS, render_guide
from tenants.tenancy import tenant_required


def _posted(request: HttpRequest):
    """The form's data on a POST (even an empty one: no box ticked is a choice), else None."""
    return request.POST if request.method == "POST" else None


def default_preview_guide(tenant) -> Guide | None:
    """The guide a preview shows unless the admin picks one: the most recently updated guide
    of a candidate in an active process (else any)."""
    guides = Guide.objects.filter(tenant=tenant).select_related(*GUIDE_SELECT_RELATED)
    active = Application.objects.filter(
        candidate_id=OuterRef("candidate_id"), status=Application.Status.ACTIVE
    )
    order = ("-updated_at", "-pk")
    return guides.filter(Exists(active)).order_by(*order).first() or guides.order_by(*order).first()


def _preview(request: HttpRequest, form: forms.Form, overrides: Overrides) -> HttpResponse | None:
    chosen = form.cleaned_data.get("preview_guide")
    guide = (
        Guide.objects.select_related(*GUIDE_SELECT_RELATED).get(pk=chosen.pk)
        if chosen
        else default_preview_guide(request.tenant)
    )
    if guide is None:
        form.add_error("preview_guide", "There is no candidate guide to preview yet: sync first.")
        return None
    response = render_guide(request, guide, preview=True, overrides=overrides)
    response["X-Robots-Tag"] = ROBOTS
    return response


def _settings_page(
    request: HttpRequest,
    form: forms.Form,
    template: str,
    *,
    save: Callable[[], str],
    overrides: Callable[[], Overrides],
    context: dict | None = None,
) -> HttpResponse:
    """GET: the page. POST (admins only): validate the whole form, then preview or save."""
    if request.method == "POST":
        if not request.membership.is_admin:
            raise PermissionDenied("Only an admin of this tenant can change the guide settings.")
        if form.is_valid():
            if "preview" in request.POST:
                response = _preview(request, form, overrides())
                if response is not None:
                    return response
            else:
                messages.success(request, save())
                return redirect(request.path)
    elif not request.membership.is_admin:
        for field in form.fields.values():
            field.disabled = True
    tab = template.rsplit("/", 1)[-1]
    return render(request, template, {"form": form, "tab": tab, **(context or {})})


@tenant_required
@never_cache
def brand(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = BrandForm(
        _posted(request),
        request.FILES if request.method == "POST" else None,
        tenant=tenant,
        initial={"brand_color": tenant.brand_color},
    )

    def save() -> str:
        data = form.cleaned_data
        services.save_brand(
            tenant,
            brand_color=data["brand_color"],
            logo=data["logo"],
            remove_logo=data["remove_logo"],
        )
        return "Saved the brand. Every guide shows it now."

    def overrides() -> Overrides:
        data = form.cleaned_data
        logo = data["logo"]
        return Overrides(
            brand_color=data["brand_color"],
            logo_bytes=logo.read() if logo else None,
            remove_logo=data["remove_logo"],
        )

    logo_url = company_view(tenant).logo_url
    return _settings_page(
        request,
        form,
        "guides/settings/brand.html",
        save=save,
        overrides=overrides,
        context={"logo_url": logo_url},
    )


@tenant_required
@never_cache
def texts(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    form = TextsForm(_posted(request), instance=settings_of(tenant), tenant=tenant)

    def save() -> str:
        services.save_texts(tenant, form.save(commit=False))
        return "Saved the texts. Every guide shows them now."

    def overrides() -> Overrides:
        return Overrides(settings=form.save(commit=False), state=form.cleaned_data["preview_as"])

    return _settings_page(
        request, form, "guides/settings/texts.html", save=save, overrides=overrides
    )


@tenant_required
@never_cache
def stages(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    names = services.stage_names(tenant)
    saved = settings_of(tenant).stage_texts
    form = StageTextsForm(_posted(request), tenant=tenant, stage_names=names, saved=saved)

    def save() -> str:
        services.save_stage_defaults(tenant, form.texts(), {n.key for n in names})
        return "Saved the stage texts. Every guide shows them now."

    def overrides() -> Overrides:
        keys = {n.key for n in names}
        kept = {k: v for k, v in saved.items() if k not in keys}
        return Overrides(
            settings=services.preview_settings(tenant, stage_texts={**kept, **form.texts()})
        )

    return _settings_page(
        request, form, "guides/settings/stages.html", save=save, overrides=overrides
    )


@tenant_required
@never_cache
def interviews(request: HttpRequest) -> HttpResponse:
    tenant = request.tenant
    hidden = Interview.objects.filter(tenant=tenant, hidden_from_candidates=True)
    form = InterviewsForm(_posted(request), tenant=tenant, initial={"hidden": list(hidden)})

    def save() -> str:
        count = services.save_hidden_interviews(tenant, list(form.cleaned_data["hidden"]))
        return f"Saved: {count} interview kind{'s' if count != 1 else ''} hidden from candidates."

    def overrides() -> Overrides:
        return Overrides(hidden_interview_ids={i.pk for i in form.cleaned_data["hidden"]})

    return _settings_page(
        request, form, "guides/settings/interviews.html", save=save, overrides=overrides
    )
