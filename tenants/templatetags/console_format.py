"""Template filters of tenants.console_format: `{{ when|ago }}` ("3 minutes ago", "just now"),
`{{ took|duration }}` ("1.4 s", "2 h 5 min") and `{% console_time when tenant %}` (the named
zone the console shows times in)."""

from __future__ import annotations

from django import template

from tenants import console_format

register = template.Library()


@register.filter
def ago(value) -> str:
    return console_format.relative_time(value)


@register.filter
def duration(value) -> str:
    return console_format.human_duration(value)


@register.simple_tag(takes_context=True)
def console_time(context, value, tenant=None) -> str:
    return console_format.console_time(value, request=context.get("request"), tenant=tenant)
