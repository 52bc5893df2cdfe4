"""The candidate's guide at /g/<token>/: no sign-in, reached only by its exact token.

Every response here is personal: never cached by a shared cache and never indexed
(`X-Robots-Tag` header on every response, the meta tag in the page too).
"""

from __future__ import annotations

import functools
import logging
import mimetypes
import re
from collections.abc import Callable

from django.conf import settings
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from guides import ics
from guides.guide_company import GUIDE_SELECT_RELATED
from guides.guide_page import build_guide_context, calendar_event, guide_calendar_events
from guides.languages import guide_language
from guides.models import Guide
from guides.opens import is_candidate_visit, record_open

logger = logging.getLogger(__name__)

ROBOTS = "noindex, nofollow, noarchive"


def private_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """GET/HEAD only, never cached, never indexed (also on 404s)."""

    @require_safe
    @never_cache
    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            with translation.override(guide_language(request, None)):
                response = render(request, "guides/public/not_found.html", status=404)
        response["X-Robots-Tag"] = ROBOTS
        return response

    return wrapper


def guide_by_token(token: str) -> Guide:
    # An exact, case-sensitive match on the unique token: nothing else finds a guide. A guide
    # whose candidate was deleted is gone with it (the foreign key cascades).
    return get_object_or_404(Guide.objects.select_related(*GUIDE_SELECT_RELATED), token=token)


def public_url(guide: Guide) -> str:
    """The guide's absolute address, as shared with the candidate."""
    return settings.PUBLIC_BASE_URL + reverse("guides:public", args=[guide.token])


def render_guide(
    request: HttpRequest, guide: Guide, *, preview: bool, overrides=None
) -> HttpResponse:
    """The guide in the candidate's language (guides/languages.py), its dates and times too;
    with a settings page's unsaved `overrides` (guides/views_settings.py) for its preview."""
    language = guide_language(request, guide.tenant)
    with translation.override(language):
        context = build_guide_context(guide, timezone.now(), overrides)
        page = {
            "g": context,
            "preview": preview,
            "preview_unsaved": overrides is not None,
            "languages": settings.LANGUAGES,
        }
        response = render(request, "guides/public/guide.html", page)
    response["Content-Language"] = language
    patch_vary_headers(response, ["Accept-Language"])
    return response


@private_page
def guide_page(request: HttpRequest, token: str) -> HttpResponse:
    guide = guide_by_token(token)
    response = render_guide(request, guide, preview=False)
    if is_candidate_visit(request):
        record_open(guide, timezone.now(), response["Content-Language"])
    return response


def _calendar_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@private_page
def event_ics(request: HttpRequest, token: str, event_id: str) -> HttpResponse:
    guide = guide_by_token(token)
    now = timezone.now()
    events = guide_calendar_events(guide, now) or []
    event = next((e for e in events if e.external_id == event_id), None)
    if event is None:
        raise Http404("No such interview in this guide.")
    with translation.override(guide_language(request, guide.tenant)):
        item = calendar_event(event, guide, now=now, guide_url=public_url(guide))
    return _calendar_response(ics.build_calendar([item]), "interview.ics")


@private_page
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    guide = guide_by_token(token)
    now = timezone.now()
    events = [e for e in guide_calendar_events(guide, now) or [] if e.end_time > now]
    url = public_url(guide)
    with translation.override(guide_language(request, guide.tenant)):
        items = [calendar_event(e, guide, now=now, guide_url=url) for e in events]
        name = _("Interviews with %(tenant)s") % {"tenant": guide.tenant.name}
    return _calendar_response(ics.build_calendar(items, name=name), "interviews.ics")


# What Guide serves from its storage: images it wrote itself, under a random name that is never
# reused (a new photo is a new file), so a browser or CDN may keep one for a year unasked.
MEDIA_NAME = re.compile(
    r"^(?:interviewers|logos)/\d+/[A-Za-z0-9_-]{16,64}(?:_[A-Za-z0-9]{7})?\.jpg$"
)
MEDIA_CACHE = "public, max-age=31536000, immutable"


@require_safe
def media_file(request: HttpRequest, name: str) -> HttpResponse:
    """An uploaded image from STORAGES["default"] (used where that storage has no web address
    of its own, as with local files); any other name is a 404, never a path on disk."""
    storage = storages["default"]
    if not MEDIA_NAME.match(name) or not storage.exists(name):
        raise Http404("No such image.")
    response = FileResponse(storage.open(name), content_type=mimetypes.guess_type(name)[0])
    response["Cache-Control"] = MEDIA_CACHE
    response["Content-Security-Policy"] = "default-src 'none'"
    response["Cross-Origin-Resource-Policy"] = "same-site"
    return response
