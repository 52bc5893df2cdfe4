"""The templates every tenant starts from (each kind's subject and body, with tokens), in the
candidate's language: translated in locale/ (the tokens stay as they are in every language)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from emails.models import Kind

DEFAULTS = {
    Kind.GUIDE_LINK: (
        _("Your interview guide for {{job_title}} at {{company_name}}"),
        _(
            "Hi {{first_name}},\n\n"
            "Thank you for your interest in the {{job_title}} role at {{company_name}}. "
            "We have put together a personal guide for you: your interviews, who you will meet "
            "and what to expect at each step.\n\n"
            "{{guide_link}}\n\n"
            "It stays up to date as your process moves on. If you have any question, just reply "
            "to this email.\n\n"
            "{{recruiter_name}}"
        ),
    ),
    Kind.REMINDER: (
        _("Reminder: your interviews with {{company_name}} on {{interview_date}}"),
        _(
            "Hi {{first_name}},\n\n"
            "A reminder of your interviews for the {{job_title}} role on {{interview_date}}:\n\n"
            "{{interviews}}\n\n"
            "The calendar file attached adds them to your calendar. Everything about your process "
            "is in your guide: {{guide_link}}\n\n"
            "Good luck!\n"
            "{{recruiter_name}}"
        ),
    ),
}


def default_template(kind: str) -> tuple[str, str]:
    """Guide's (subject, body) for `kind` in the active language."""
    subject, body = DEFAULTS[Kind(kind)]
    return str(subject), str(body)


def is_default(kind: str, template: tuple[str, str]) -> bool:
    """Whether `template` is Guide's default for `kind` as the editor shows it (in English)."""
    with translation.override("en"):
        return tuple(template) == default_template(kind)
