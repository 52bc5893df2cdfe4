"""The tenant's message templates: plain text with {{tokens}} from a fixed list, substituted,
never executed as a Django template (a tenant's text can reach no other data through it).

`check_template(subject, body)` refuses an unknown token or a broken brace with a sentence
naming it; `render_text` / `render_html` substitute the values of one candidate's email.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from django.utils.html import escape, format_html

logger = logging.getLogger(__name__)

TOKENS = {
    "first_name": "The candidate's first name",
    "candidate_name": "The candidate's full name",
    "job_title": "The job they applied for",
    "company_name": "Your company's name",
    "guide_link": "The address of the candidate's guide",
    "recruiter_name": "The candidate's recruiter (or your company's name)",
    "recruiter_email": "The recruiter's email address",
    "interview_date": "The day of the interviews (reminders)",
    "interviews": "The day's interviews: time in the candidate's zone, how to join, who they meet (reminders)",
}
MULTILINE = frozenset({"interviews"})
_TOKEN = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_NAME = re.compile(r"^\s*([a-z_]+)\s*$")


class TemplateError(ValueError):
    """A template the tenant wrote that cannot be used; the message names what is wrong."""


@dataclass(frozen=True)
class Values:
    """One email's token values; `interviews_html` is already safe HTML."""

    text: dict[str, str]
    interviews_html: str = ""


def _near(text: str, index: int) -> str:
    return text[max(0, index - 10) : index + 20].replace("\n", " ")


def tokens_in(text: str, *, where: str) -> list[str]:
    """The token names in `text`, or TemplateError naming the first bad one."""
    names = []
    for match in _TOKEN.finditer(text):
        name = _NAME.match(match.group(1))
        if name is None or name.group(1) not in TOKENS:
            shown = match.group(0)[:40]
            raise TemplateError(
                f"The {where} uses {shown}, which is not a token Guide knows. "
                f"Use one of: {', '.join('{{' + t + '}}' for t in TOKENS)}."
            )
        names.append(name.group(1))
    rest = _TOKEN.sub("", text)
    for brace in ("{{", "}}"):
        if brace in rest:
            index = rest.index(brace)
            raise TemplateError(
                f"The {where} has a '{brace}' with no matching "
                f"'{'}}' if brace == '{{' else '{{'}' near “{_near(rest, index)}”: "
                "write tokens as {{first_name}}."
            )
    return names


def check_template(subject: str, body: str) -> None:
    """Raise TemplateError when the subject or body cannot be used."""
    if "\n" in subject or "\r" in subject:
        raise TemplateError("The subject must be one line.")
    for name in tokens_in(subject, where="subject"):
        if name in MULTILINE:
            raise TemplateError(
                "The subject uses {{" + name + "}}, which is several lines: use it in the body."
            )
    tokens_in(body, where="body")


def render_text(template: str, values: Values) -> str:
    """The template with every token replaced by its plain-text value."""
    return _TOKEN.sub(lambda m: values.text.get(m.group(1).strip(), ""), template)


def render_html(body: str, values: Values) -> str:
    """The body as HTML paragraphs: the tenant's text escaped, the guide link a link, the
    interviews a list (a block of its own when alone in its paragraph)."""
    held: list[str] = []
    blocks: set[str] = set()

    def hold(match: re.Match) -> str:
        name = match.group(1).strip()
        held.append(_html_value(name, values))
        placeholder = f"\x00{len(held) - 1}\x00"
        if name in MULTILINE:
            blocks.add(placeholder)
        return placeholder

    text = escape(_TOKEN.sub(hold, body.replace("\x00", "").replace("\r\n", "\n")))
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    html = "".join(
        p if p in blocks else "<p>" + p.replace("\n", "<br>\n") + "</p>\n" for p in paragraphs
    )
    return _HELD.sub(lambda m: held[int(m.group(1))], html)


_HELD = re.compile(r"\x00(\d+)\x00")


def _html_value(name: str, values: Values) -> str:
    if name == "interviews":
        return values.interviews_html
    value = values.text.get(name, "")
    if name == "guide_link" and value:
        return format_html('<a href="{}">{}</a>', value, value)
    return escape(value)
