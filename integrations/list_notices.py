"""What the integration adds to the Guides page (registered at start-up by integrations/apps.py):
through the registry, so this generic module names no integration."""

from __future__ import annotations

from django.urls import reverse

from guides.list_notices import Notice
from integrations import registry
from integrations.models import AshbyConnection
from tenants.models import Tenant


def hidden_candidates_notice(tenant: Tenant) -> Notice | None:
    """When the key hides candidates of confidential jobs: how many, and the setting."""
    if not AshbyConnection.objects.filter(tenant=tenant).exists():
        return None
    state = registry.confidential_state(tenant)
    if not state.hides_candidates:
        return None
    return Notice(
        title="Some candidates have no guide",
        text=state.summary,
        action=state.how_to_change,
        link_url=reverse("integrations:integrations") + "#confidential",
        link_text="Settings › Integrations",
    )
