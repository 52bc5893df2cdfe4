"""One email's words: the tenant's template (or the default) filled with a candidate's values,
as plain text and HTML, and the .ics of the interviews it lists, in the candidate's language
(emails/language.py): Guide's default template translated, a company's own template as
written, the values of the tokens (dates, times, the interviews) and the footer translated."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from emails.defaults import default_template, is_default
from emails.interviews import candidate_zone
from emails.language import email_language
from emails.models import EmailSettings, MessageTemplate
from emails.tokens import Values, render_html, render_text
from guides.guide_page import calendar_event, event_view, shown_application
from guides.ics import build_calendar
from guides.models import Application, Guide, InterviewEvent
from guides.timefmt import format_date
from guides.views_public import public_url

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Content:
    subject: str
    text: str
    html: str
    ics: bytes | None
    reply_to: str
    unsubscribe_url: str = ""
    language: str = "en"


def template_for(tenant_id: int, kind: str) -> tuple[str, str]:
    """The tenant's (subject, body) for `kind`, or the default (in the active language)."""
    return _own_template(tenant_id, kind) or default_template(kind)


def _own_template(tenant_id: int, kind: str) -> tuple[str, str] | None:
    row = MessageTemplate.objects.filter(tenant_id=tenant_id, kind=kind).first()
    return (row.subject, row.body) if row else None


def _cached_template(tenant, kind: str) -> tuple[str, str] | None:
    """The tenant's own template (None: the default), read once per tenant instance (a
    sending batch shares one)."""
    cache = tenant.__dict__.setdefault("_guide_email_templates", {})
    if kind not in cache:
        cache[kind] = _own_template(tenant.pk, kind)
    return cache[kind]


def settings_for(tenant) -> EmailSettings:
    """The tenant's email settings (defaults, unsaved, when it never saved any), read once per
    tenant instance: a sending batch shares one instance per tenant (outbox.send_claimed)."""
    cached = getattr(tenant, "_guide_email_settings", None)
    if cached is None:
        cached = EmailSettings.objects.filter(tenant=tenant).first() or EmailSettings(tenant=tenant)
        tenant._guide_email_settings = cached
    return cached


def build_content(
    guide: Guide,
    kind: str,
    *,
    events: list[InterviewEvent],
    now: dt.datetime,
    template: tuple[str, str] | None = None,
    unsubscribe_url: str = "",
    application: Application | None = None,
) -> Content:
    """The email of `kind` for the guide's candidate, listing `events` (a reminder's day), in
    the candidate's language; `application`: the one the guide shows, when the caller has it
    already; `template`: (subject, body) to use instead of the tenant's (a preview)."""
    template = template or _cached_template(guide.tenant, kind)
    language = email_language(guide)
    with translation.override(language):
        if template is None or is_default(kind, template):
            template = default_template(kind)  # Guide's words, translated
        application = application or shown_application(guide.candidate)
        content = _content(guide, template, events, now, unsubscribe_url, application)
    return replace(content, language=language)


def _content(
    guide: Guide,
    template: tuple[str, str],
    events: list[InterviewEvent],
    now: dt.datetime,
    unsubscribe_url: str,
    application: Application | None,
) -> Content:
    subject, body = template
    values, recruiter_email = _values(guide, application, events)
    url = public_url(guide)
    ics = None
    if events:
        calendar = [calendar_event(e, guide, now=now, guide_url=url) for e in events]
        name = _("Interviews with %(tenant)s") % {"tenant": guide.tenant.name}
        ics = build_calendar(calendar, name=name)
    html_body = render_html(body, values)
    context = {
        "body": html_body,
        "tenant": guide.tenant,
        "guide_url": url,
        "language": translation.get_language(),
    }
    html = render_to_string("emails/email.html", {**context, "unsubscribe_url": unsubscribe_url})
    text = render_text(body, values)
    if unsubscribe_url:
        footer = _("To get no more emails from %(company)s: %(url)s")
        text += "\n\n--\n" + footer % {"company": guide.tenant.name, "url": unsubscribe_url} + "\n"
    reply_to = _reply_to(guide, recruiter_email)
    return Content(render_text(subject, values), text, html, ics, reply_to, unsubscribe_url)


def _values(
    guide: Guide, application: Application | None, events: list[InterviewEvent]
) -> tuple[Values, str]:
    tenant, candidate = guide.tenant, guide.candidate
    recruiter = application.recruiter if application else None
    zone = candidate_zone(candidate, tenant)
    views = [event_view(e, zone) for e in events]
    text = {
        "first_name": candidate.first_name,
        "candidate_name": candidate.name,
        "job_title": application.job.title if application and application.job else "",
        "company_name": tenant.name,
        "guide_link": public_url(guide),
        "recruiter_name": recruiter.name if recruiter else tenant.name,
        "recruiter_email": recruiter.email if recruiter else "",
        "interview_date": format_date(views[0].start) if views else "",
        "interviews": "\n\n".join(_event_text(v) for v in views),
    }
    return Values(text=text, interviews_html=_events_html(views)), text["recruiter_email"]


def _event_text(view) -> str:
    lines = [f"- {view.time_label}: {view.title} ({view.duration_label})"]
    if view.meeting_link:
        lines.append("  " + _("Join: %(link)s") % {"link": view.meeting_link})
    if view.location:
        lines.append("  " + _("Where: %(place)s") % {"place": view.location})
    if view.interviewers:
        names = ", ".join(p.name for p in view.interviewers)
        lines.append("  " + _("With: %(names)s") % {"names": names})
    return "\n".join(lines)


def _events_html(views) -> str:
    items = format_html_join("", "<li>{}</li>", ((_event_html(v),) for v in views))
    return format_html('<ul class="interviews">{}</ul>', items) if views else ""


def _event_html(view) -> str:
    parts = [
        format_html(
            "<strong>{}</strong><br>{} ({})", view.time_label, view.title, view.duration_label
        )
    ]
    if view.meeting_link:
        parts.append(
            format_html(
                "<br>{}",
                _html_label(
                    _("Join: %(link)s"),
                    "link",
                    format_html('<a href="{}">{}</a>', view.meeting_link, view.meeting_link),
                ),
            )
        )
    if view.location:
        parts.append(format_html("<br>{}", _("Where: %(place)s") % {"place": view.location}))
    if view.interviewers:
        names = ", ".join(p.name for p in view.interviewers)
        parts.append(format_html("<br>{}", _("With: %(names)s") % {"names": names}))
    return format_html("{}" * len(parts), *parts)


def _html_label(label: str, name: str, value) -> str:
    """A translated label (plain text, escaped) with one safe HTML value in it."""
    before, _sep, after = label.partition(f"%({name})s")
    return format_html("{}{}{}", before, value, after)


def _reply_to(guide: Guide, recruiter_email: str) -> str:
    chosen = settings_for(guide.tenant)
    if chosen.reply_to == EmailSettings.ReplyTo.RECRUITER and recruiter_email:
        return recruiter_email
    return chosen.reply_to_address
