"""The templates every tenant starts from (each kind's subject and body, with tokens)."""

from __future__ import annotations

from emails.models import Kind

DEFAULTS = {
    Kind.GUIDE_LINK: (
        "Your interview guide for {{job_title}} at {{company_name}}",
        "Hi {{first_name}},\n\n"
        "Thank you for your interest in the {{job_title}} role at {{company_name}}. "
        "We have put together a personal guide for you: your interviews, who you will meet "
        "and what to expect at each step.\n\n"
        "{{guide_link}}\n\n"
        "It stays up to date as your process moves on. If you have any question, just reply "
        "to this email.\n\n"
        "{{recruiter_name}}",
    ),
    Kind.REMINDER: (
        "Reminder: your interviews with {{company_name}} on {{interview_date}}",
        "Hi {{first_name}},\n\n"
        "A reminder of your interviews for the {{job_title}} role on {{interview_date}}:\n\n"
        "{{interviews}}\n\n"
        "The calendar file attached adds them to your calendar. Everything about your process "
        "is in your guide: {{guide_link}}\n\n"
        "Good luck!\n"
        "{{recruiter_name}}",
    ),
}
