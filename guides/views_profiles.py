"""Interviewer profiles kept by the interviewers: the links an admin makes, and the page a link
opens. Making or revoking a link asks for confirmation first (GET shows what will happen,
POST does it); a link is shown once, on the page that made it, never again."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from guides.forms import OwnProfileForm
from guides.guide_page import person_view
from guides.models import Interviewer, ProfileInvite
from guides.profile_invites import (
    InviteError,
    invite_all_without_profile,
    invite_interviewer,
    link_lifetime,
    live_invites,
    open_invite,
    revoke_invite,
    without_profile,
)
from guides.profiles import save_own_profile
from guides.views_public import ROBOTS
from tenants.tenancy import tenant_admin_required

logger = logging.getLogger(__name__)

# Why a link does not open, as the interviewer reads it, and the status it is answered with.
DEAD_LINK = {
    "invalid": (
        "This link is not valid. Check that it was copied whole, or ask for a new one.",
        404,
    ),
    "expired": ("This link has expired. Ask the person who sent it for a new one.", 410),
    "used": (
        "This link has been used already. Ask for a new one to change your profile again.",
        410,
    ),
    "revoked": ("This link was replaced or withdrawn. Ask for a new one.", 410),
}


def _links_page(request: HttpRequest, links: list, *, status: int = 200) -> HttpResponse:
    context = {"links": links, "days": link_lifetime().days}
    response = render(request, "guides/profiles/links.html", context, status=status)
    response["X-Robots-Tag"] = ROBOTS
    return response


@tenant_admin_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invite_one(request: HttpRequest, pk: int) -> HttpResponse:
    interviewer = get_object_or_404(Interviewer, pk=pk, tenant=request.tenant)
    if request.method == "POST":
        return _links_page(
            request, [invite_interviewer(request.tenant, interviewer, user=request.user)]
        )
    earlier = live_invites(request.tenant).filter(interviewer=interviewer).first()
    context = {"people": [interviewer], "earlier": earlier, "days": link_lifetime().days}
    return render(request, "guides/profiles/invite_confirm.html", context)


@tenant_admin_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def invite_all(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        links = invite_all_without_profile(request.tenant, user=request.user)
        if not links:
            messages.info(request, "Everyone without a profile already has a live link.")
            return redirect("guides:interviewers")
        return _links_page(request, links)
    candidates = list(without_profile(request.tenant))
    context = {
        "people": [p for p in candidates if not p.invited],
        "already": [p for p in candidates if p.invited],
        "days": link_lifetime().days,
        "bulk": True,
    }
    return render(request, "guides/profiles/invite_confirm.html", context)


@tenant_admin_required
@require_http_methods(["GET", "HEAD", "POST"])
def invite_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invite = get_object_or_404(
        ProfileInvite.objects.select_related("interviewer"), pk=pk, tenant=request.tenant
    )
    if request.method == "POST":
        if revoke_invite(request.tenant, invite):
            messages.success(request, f"The link for {invite.interviewer.name} no longer works.")
        else:
            messages.info(request, f"The link for {invite.interviewer.name} was not live anymore.")
        return redirect("guides:interviewers")
    return render(request, "guides/profiles/revoke_confirm.html", {"invite": invite})


def _dead_link(request: HttpRequest, error: InviteError) -> HttpResponse:
    message, status = DEAD_LINK[error.reason]
    return _private(
        render(request, "guides/profiles/dead_link.html", {"message": message}, status=status)
    )


def _private(response: HttpResponse) -> HttpResponse:
    """The link is a credential: the page is never cached, indexed or sent as a referrer."""
    response["X-Robots-Tag"] = ROBOTS
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store, private"
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def own_profile(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invite = open_invite(token)
    except InviteError as error:
        return _dead_link(request, error)
    interviewer = invite.interviewer
    person = person_view(interviewer)  # as saved: the form below changes the instance
    form = OwnProfileForm(request.POST or None, request.FILES or None, instance=interviewer)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in OwnProfileForm.Meta.fields}
        try:
            save_own_profile(
                token,
                values,
                photo=form.cleaned_data["photo"],
                remove_photo=form.cleaned_data["remove_photo"],
            )
        except InviteError as error:
            return _dead_link(request, error)
        interviewer.refresh_from_db()
        context = {"invite": invite, "person": person_view(interviewer)}
        return _private(render(request, "guides/profiles/saved.html", context))
    context = {"invite": invite, "form": form, "person": person}
    return _private(render(request, "guides/profiles/own_profile.html", context))
