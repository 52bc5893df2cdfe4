"""When a candidate opens their guide: the Guides page shows whether and when.

Recording must stay cheap on the candidate's page (5-6 queries in all): the guide row loaded
for the page says when it was last opened, so an open within `OPEN_INTERVAL` of the last one
costs nothing, and any other costs one UPDATE (no read). The same UPDATE stores the language the page was
read in, which the candidate's emails then speak (emails/language.py). Link previews that chat and mail apps
fetch when a recruiter pastes the link are not the candidate: their user agents are skipped,
and so are HEAD requests.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from guides.models import Guide

OPEN_INTERVAL = dt.timedelta(minutes=5)

# Substrings of the user agents of link-preview fetchers and crawlers (lower case).
PREVIEW_AGENTS = (
    "bot",
    "crawler",
    "spider",
    "slack",
    "facebookexternalhit",
    "whatsapp",
    "telegram",
    "skypeuripreview",
    "microsoft office",
    "teams",
    "preview",
    "embedly",
    "curl",
    "python-requests",
)


def is_candidate_visit(request: HttpRequest) -> bool:
    if request.method != "GET":
        return False
    agent = request.headers.get("User-Agent", "").lower()
    return bool(agent) and not any(marker in agent for marker in PREVIEW_AGENTS)


def record_open(guide: Guide, now: dt.datetime, language: str = "") -> bool:
    """Note that the candidate opened `guide` at `now`, reading it in `language` (their emails
    follow it); returns whether a row was written. A change of language within the interval is
    still written (the same one UPDATE), without counting another open."""
    recent = guide.last_opened_at is not None and now - guide.last_opened_at < OPEN_INTERVAL
    language = language or guide.last_language
    if recent and language == guide.last_language:
        return False
    changes = {"last_language": language}
    if not recent:
        changes.update(
            first_opened_at=Coalesce(F("first_opened_at"), now),
            last_opened_at=now,
            open_count=F("open_count") + 1,
        )
    Guide.objects.filter(pk=guide.pk).update(**changes)
    return True
