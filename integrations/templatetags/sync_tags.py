"""`{% sync_status_panel %}`: the sync block of the Ashby panel, for the tenant of the page."""

from __future__ import annotations

from django import template

from integrations.sync_status import sync_status

register = template.Library()


@register.inclusion_tag("integrations/_sync_status.html", takes_context=True)
def sync_status_panel(context) -> dict:
    request = context["request"]
    return {"sync": sync_status(request.tenant), "request": request}
