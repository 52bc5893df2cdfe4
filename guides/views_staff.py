"""Staff pages of the guides app: previews, interviewer profiles and per-job stage texts.

Every page is tenant-scoped (`tenant_required`): objects are looked up within
`request.tenant`, so another tenant's object is a 404. Read-only members may look; only admins
change anything (403).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from guides.forms import GuideLanguageForm, InterviewerProfileForm, SearchForm, StageTextFormSet
from guides.guide_company import GUIDE_SELECT_RELATED, settings_of
from guides.guide_page import HIDDEN_STAGE_TYPES, pick_application
from guides.models import Application, Guide, Interviewer, Job
from guides.profile_invites import live_invites, without_profile
from guides.profiles import save_profile
from guides.search import every_word_matches
from guides.services import save_stage_texts
from guides.views_public import ROBOTS, public_url, render_guide
from tenants.tenancy import tenant_admin_required, tenant_required

logger = logging.getLogger(__name__)

INTERVIEWER_SEARCH = ("first_name", "last_name", "display_name", "email")

PAGE_SIZE = 50


@dataclass(frozen=True)
class GuideRow:
    guide: Guide
    application: Application | None
    share_url: str


def guide_row(guide: Guide) -> GuideRow:
    """A row of the Guides page: the guide, the application it shows, its share link."""
    application = pick_application(list(guide.candidate.applications.all()))
    return GuideRow(guide, application, public_url(guide))


def _require_admin_for_writes(request: HttpRequest) -> None:
    if request.method not in ("GET", "HEAD") and not request.membership.is_admin:
        raise PermissionDenied("Only an admin of this tenant can change this.")


@tenant_required
@never_cache
@require_safe
def guide_preview(request: HttpRequest, pk: int) -> HttpResponse:
    guide = get_object_or_404(
        Guide.objects.select_related(*GUIDE_SELECT_RELATED), pk=pk, tenant=request.tenant
    )
    response = render_guide(request, guide, preview=True)
    response["X-Robots-Tag"] = ROBOTS
    return response


@tenant_required
@require_safe
def interviewer_list(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    q = form.cleaned_data["q"] if form.is_valid() else ""
    interviewers = Interviewer.objects.filter(tenant=request.tenant)
    if q:
        interviewers = interviewers.filter(every_word_matches(q, INTERVIEWER_SEARCH))
    interviewers = interviewers.order_by("-is_enabled", "first_name", "last_name", "pk")
    live = Prefetch("profile_invites", live_invites(request.tenant), to_attr="live_links")
    page = Paginator(interviewers.prefetch_related(live), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "to_invite": _to_invite(request)}
    return render(request, "guides/interviewer_list.html", context)


def _to_invite(request: HttpRequest) -> int:
    """How many of the tenant's interviewers "invite all" would send a link to (admins only)."""
    if not request.membership.is_admin:
        return 0
    return without_profile(request.tenant).filter(invited=False).count()


@tenant_admin_required
def interviewer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    interviewer = get_object_or_404(Interviewer, pk=pk, tenant=request.tenant)
    form = InterviewerProfileForm(request.POST or None, request.FILES or None, instance=interviewer)
    if request.method == "POST" and form.is_valid():
        save_profile(
            request.tenant,
            form.save(commit=False),
            photo=form.cleaned_data["photo"],
            remove_photo=form.cleaned_data["remove_photo"],
        )
        messages.success(request, f"Saved the profile of {interviewer.name}.")
        return redirect("guides:interviewers")
    return render(
        request, "guides/interviewer_edit.html", {"form": form, "interviewer": interviewer}
    )


@tenant_required
@require_safe
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = (
        Job.objects.filter(tenant=request.tenant)
        .select_related("interview_plan", "department", "location")
        .annotate(stage_count=Count("interview_plan__stages"))
        .order_by("title", "pk")
    )
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "guides/job_list.html", {"page": page})


@tenant_required
def job_stages(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin_for_writes(request)
    job = get_object_or_404(
        Job.objects.select_related("interview_plan"), pk=pk, tenant=request.tenant
    )
    plan = job.interview_plan
    context = {"job": job, "plan": plan, "formset": None, "shared_with": []}
    if plan is None:
        return render(request, "guides/job_stages.html", context)
    stages = (
        plan.stages.filter(tenant=request.tenant)
        .exclude(stage_type__in=HIDDEN_STAGE_TYPES)
        .order_by("order", "pk")
    )
    formset = StageTextFormSet(
        request.POST or None, queryset=stages, prefix="stages", texts=settings_of(request.tenant)
    )
    if request.method == "POST" and formset.is_valid():
        saved = save_stage_texts(request.tenant, plan, formset.save(commit=False))
        messages.success(request, f"Saved {saved} stage{'s' if saved != 1 else ''}.")
        return redirect("guides:job_stages", pk=job.pk)
    if not request.membership.is_admin:
        for stage_form in formset:
            for field in stage_form.fields.values():
                field.disabled = True
    context["formset"] = formset
    context["shared_with"] = list(
        plan.jobs.filter(tenant=request.tenant).exclude(pk=job.pk).order_by("title")
    )
    return render(request, "guides/job_stages.html", context)


@tenant_required
def guide_language_settings(request: HttpRequest) -> HttpResponse:
    """The tenant's default language for guides: admins change it, members see it."""
    _require_admin_for_writes(request)
    form = GuideLanguageForm(request.POST or None, instance=request.tenant)
    if request.method == "POST" and form.is_valid():
        form.save()
        language = form.instance.get_guide_language_display()
        messages.success(request, f"Guides now default to {language}.")
        return redirect("guides:language")
    if not request.membership.is_admin:
        form.fields["guide_language"].disabled = True
    return render(request, "guides/language.html", {"form": form})
