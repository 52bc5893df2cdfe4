"""The language of a candidate's page: theirs when Guide speaks it, else their company's choice.

Order: an explicit `?lang=` (the page's language links), then the browser's Accept-Language
in the candidate's order of preference (a regional variant such as es-MX falls back to es),
then the tenant's `guide_language`. Staff pages are not translated and never pass here; only
the candidate's views activate a language, for the length of one response.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_supported_language_variant

from tenants.models import Tenant

logger = logging.getLogger(__name__)


def supported(code: str) -> str | None:
    """The language of settings.LANGUAGES that `code` names (es-MX gives es), or None."""
    if not code:
        return None
    try:
        return get_supported_language_variant(code.strip().lower())
    except LookupError:
        return None


def accepted_languages(header: str) -> list[str]:
    """The language tags of an Accept-Language header, most wanted first (q=0 dropped)."""
    ranked = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def guide_language(request: HttpRequest, tenant: Tenant | None) -> str:
    """The language code to render this candidate's page in (one of settings.LANGUAGES)."""
    asked = supported(request.GET.get("lang", "")) if request.GET.get("lang") else None
    if asked:
        return asked
    for tag in accepted_languages(request.headers.get("Accept-Language", "")[:500]):
        found = supported(tag)
        if found:
            return found
    chosen = supported(tenant.guide_language) if tenant is not None else None
    return chosen or supported(settings.LANGUAGE_CODE) or "en"
