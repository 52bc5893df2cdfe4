"""`{% webhooks_panel %}`: the real-time updates block of the Ashby panel on the Integrations
page, for the tenant of the page."""

from __future__ import annotations

from django import template

from integrations.models import AshbyConnection
from integrations.schedule import next_scheduled_sync
from integrations.webhook_rows import subscription_statuses, summarize

register = template.Library()


@register.inclusion_tag("integrations/_webhooks_panel.html", takes_context=True)
def webhooks_panel(context) -> dict:
    tenant = context["request"].tenant
    if not AshbyConnection.objects.filter(tenant=tenant).exists():
        return {"show": False}
    summary = summarize(subscription_statuses(tenant))
    return {
        "show": True,
        "tenant": tenant,
        "summary": summary,
        "next_sync_at": next_scheduled_sync(tenant.pk) if summary.connected == 0 else None,
    }
