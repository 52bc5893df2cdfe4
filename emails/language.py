"""The language of a candidate's emails: the one they last read their guide in, when Guide
still speaks it, else their company's default guide language (Tenant.guide_language).

The guide page records the language with each open (guides/opens.py), so choosing costs no
query. Guide's default templates are translated (locale/); a company's own template is its
text and stays as written, but the values of its tokens (dates, times, the interviews) follow
the language.
"""

from __future__ import annotations

from django.conf import settings

from guides.languages import supported
from guides.models import Guide


def email_language(guide: Guide) -> str:
    """The language code (one of settings.LANGUAGES) to write to the guide's candidate in."""
    return (
        supported(guide.last_language or "")
        or supported(guide.tenant.guide_language)
        or supported(settings.LANGUAGE_CODE)
        or "en"
    )
