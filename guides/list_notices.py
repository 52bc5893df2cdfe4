"""Notices the Guides page shows above the list, provided by the apps that know them.

`guides` knows nothing of the ATS, yet some of what the Guides page must say comes from it (a
key that cannot see confidential jobs hides candidates). The integration registers a function
here when Django starts (integrations/apps.py): imports keep pointing from integrations to
guides, never back.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    title: str
    text: str
    action: str = ""  # what to do, a sentence
    link_url: str = ""
    link_text: str = ""


_PROVIDERS: dict[str, Callable[[Tenant], Notice | None]] = {}


def register_notice(name: str, provider: Callable[[Tenant], Notice | None]) -> None:
    """Add (or replace, by name) a function that returns a notice for a tenant, or None."""
    _PROVIDERS[name] = provider


def notices_for(tenant: Tenant) -> list[Notice]:
    return [n for provider in _PROVIDERS.values() if (n := provider(tenant)) is not None]
