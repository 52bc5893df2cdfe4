"""Guide's support console: the generic site of tenants/console_site.py with Guide's sections
(what support does, not which app a model lives in) and the home's data from integrations."""

from __future__ import annotations

from integrations import console_home
from tenants.console_site import Section, SupportConsoleSite

SECTIONS = (
    Section(
        "Customers",
        "customers",
        models=(
            "tenants.tenant",
            "tenants.membership",
            "integrations.ashbyconnection",
            "integrations.auditevent",
            "integrations.tenanterasure",
        ),
        apps=("tenants",),
    ),
    Section(
        "Real-time",
        "real-time",
        models=(
            "integrations.webhooksubscription",
            "integrations.webhookdelivery",
            "integrations.deletedcandidate",
        ),
        apps=("integrations",),
    ),
    Section(
        "Sync",
        "sync",
        models=("integrations.syncrun", "integrations.syncstate", "integrations.syncseen"),
        apps=("django_q",),
    ),
    Section(
        "Candidates and guides",
        "candidates",
        models=("guides.guide", "guides.candidate", "guides.application", "guides.job"),
        apps=("guides",),
    ),
    Section(
        "Emails",
        "emails",
        models=("emails.email", "emails.suppression"),
        apps=("emails",),
    ),
    Section("Access", "access", models=("auth.user", "auth.group"), apps=("auth", "axes")),
)


class GuideConsoleSite(SupportConsoleSite):
    sections = SECTIONS
    home_context = staticmethod(console_home.home_context)
