"""The emails pages: the tenant's email settings, its templates with a preview, a guide's
emails (send or resend the link), and the candidate's one-click unsubscribe."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from emails.compose import build_content, settings_for, template_for
from emails.defaults import is_default
from emails.forms import EmailSettingsForm, PreviewForm, TemplateForm
from emails.guide_links import CannotSend, request_guide_link
from emails.interviews import candidate_zone, day_events, upcoming_events
from emails.language import email_language
from emails.models import Email, JobEmailSetting, Kind, Suppression
from emails.settings_service import reset_template, save_email_settings, save_template
from emails.tokens import TOKENS
from emails.unsubscribe import read_token, suppress, suppression_of
from guides.languages import guide_language
from guides.models import Guide
from tenants.tenancy import tenant_admin_required, tenant_required

logger = logging.getLogger(__name__)


def _admin_for_writes(request: HttpRequest) -> None:
    if request.method == "POST" and not request.membership.is_admin:
        raise PermissionDenied("Only an admin of this company can change this.")


@tenant_required
@require_http_methods(["GET", "HEAD", "POST"])
def email_settings(request: HttpRequest) -> HttpResponse:
    _admin_for_writes(request)
    tenant = request.tenant
    ticked = JobEmailSetting.objects.filter(tenant=tenant, guide_link=True).values_list(
        "job_id", flat=True
    )
    form = EmailSettingsForm(
        request.POST or None,
        instance=settings_for(tenant),
        tenant=tenant,
        initial={"guide_link_job_ids": list(ticked)},
    )
    if request.method == "POST" and form.is_valid():
        jobs = {job.pk for job in form.cleaned_data["guide_link_job_ids"]}
        save_email_settings(tenant, form.save(commit=False), jobs)
        messages.success(request, "Email settings saved.")
        return redirect("emails:settings")
    kinds = [(kind, kind.label, template_for(tenant.pk, kind)[0]) for kind in Kind]
    context = {"form": form, "kinds": kinds, "recent": _recent(tenant)}
    return render(request, "emails/settings.html", context, status=400 if form.errors else 200)


def _recent(tenant):
    return (
        Email.objects.filter(tenant=tenant).select_related("candidate").order_by("-updated_at")[:20]
    )


@tenant_required
@require_http_methods(["GET", "HEAD", "POST"])
def template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in Kind.values:
        raise Http404("No such kind of email.")
    _admin_for_writes(request)
    tenant, action = request.tenant, request.POST.get("action", "")
    subject, body = template_for(tenant.pk, kind)
    form = TemplateForm(request.POST or None, initial={"subject": subject, "body": body})
    if action == "reset":
        reset_template(tenant, kind)
        messages.success(
            request, f"The {Kind(kind).label.lower()} template is Guide's default again."
        )
        return redirect("emails:template", kind=kind)
    if action == "save" and form.is_valid():
        save_template(
            tenant, kind, form.cleaned_data["subject"], form.cleaned_data["body"], user=request.user
        )
        messages.success(request, f"The {Kind(kind).label.lower()} template is saved.")
        return redirect("emails:template", kind=kind)
    picker = PreviewForm(request.GET or request.POST or None, tenant=tenant)
    preview = None
    if request.method == "GET" or form.is_valid():
        chosen = form.cleaned_data if form.is_bound else {"subject": subject, "body": body}
        preview = _preview(tenant, kind, picker, (chosen["subject"], chosen["body"]))
    context = {
        "kind": Kind(kind),
        "form": form,
        "picker": picker,
        "preview": preview,
        "tokens": TOKENS,
        "is_default": is_default(kind, (subject, body)),
    }
    return render(request, "emails/template_edit.html", context, status=400 if form.errors else 200)


def _preview(tenant, kind: str, picker: PreviewForm, template: tuple[str, str]):
    """The template filled in for a real candidate (the one picked, else a recent one)."""
    guide = picker.cleaned_data.get("guide") if picker.is_valid() else None
    guide = guide or picker.fields["guide"].queryset.first()
    if guide is None:
        return None
    picker.fields["guide"].initial = guide.pk
    now = timezone.now()
    events, day = [], None
    if kind == Kind.REMINDER:
        upcoming = upcoming_events(tenant, now).filter(
            schedule__application__candidate=guide.candidate
        )
        first = upcoming.order_by("start_time").first()
        if first is not None:
            day = first.start_time.astimezone(candidate_zone(guide.candidate, tenant)).date()
            events = day_events(guide.candidate, tenant, day, now)
    content = build_content(guide, kind, events=events, now=now, template=template)
    language = dict(settings.LANGUAGES).get(content.language, content.language)
    return {"guide": guide, "content": content, "language": language}


@tenant_required
@require_safe
def guide_emails(request: HttpRequest, pk: int) -> HttpResponse:
    guide = get_object_or_404(
        Guide.objects.select_related("candidate"), pk=pk, tenant=request.tenant
    )
    emails = Email.objects.filter(tenant=request.tenant, candidate=guide.candidate).order_by(
        "-created_at"
    )
    guide.tenant = request.tenant
    language = email_language(guide)
    context = {
        "guide": guide,
        "emails": emails[:100],
        "language": dict(settings.LANGUAGES).get(language, language),
        "language_read": bool(guide.last_language),
        "suppression": suppression_of(request.tenant.pk, guide.candidate.email)
        if guide.candidate.email
        else None,
    }
    return render(request, "emails/guide_emails.html", context)


@tenant_admin_required
@require_POST
def send_guide_link(request: HttpRequest, pk: int) -> HttpResponse:
    guide = get_object_or_404(
        Guide.objects.select_related("candidate"), pk=pk, tenant=request.tenant
    )
    try:
        request_guide_link(guide, user=request.user)
    except CannotSend as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The guide link is on its way to {guide.candidate.email}.")
    if request.POST.get("next") == "list":
        return redirect("guides:list")
    return redirect("emails:guide", pk=guide.pk)


@csrf_exempt  # RFC 8058: mail providers POST "List-Unsubscribe=One-Click" with no cookie
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """In the email's language (its link says it), else the candidate's browser's or the
    tenant's, as on the guide page."""
    found = read_token(token)
    tenant, address = found or (None, "")
    done = found is not None and suppression_of(tenant.pk, address) is not None
    if found is not None and request.method == "POST":
        suppress(tenant, address, Suppression.Reason.UNSUBSCRIBED, "One-click unsubscribe")
        done = True
    language = guide_language(request, tenant)
    context = {"tenant": tenant, "address": address, "done": done, "invalid": found is None}
    with translation.override(language):
        response = render(
            request,
            "emails/unsubscribe.html",
            {**context, "language": language},
            status=404 if found is None else 200,
        )
    response["Content-Language"] = language
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
