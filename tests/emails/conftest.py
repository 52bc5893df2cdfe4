"""A real SMTP server (aiosmtpd) the email tests send to and read messages back from, and a
candidate with a guide whose company has reminders on."""

from __future__ import annotations

import email
import email.policy
import os
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller

from emails.models import EmailSettings

SMTP_PORT = int(os.environ.get("GUIDE_TEST_SMTP_PORT", "8185"))


@dataclass
class Mailbox:
    """What the server received; `refuse` maps an address to the reply its RCPT TO gets."""

    messages: list = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 Message accepted"

    def to(self, address: str) -> list:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp(settings):
    """An SMTP server on 127.0.0.1, and Django's SMTP backend pointed at it."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=SMTP_PORT)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", SMTP_PORT
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "guide@mail.guide.test"
    settings.PUBLIC_BASE_URL = "https://guide.test"
    try:
        yield mailbox
    finally:
        controller.stop()


@pytest.fixture
def reminders_on(tenant_a):
    return EmailSettings.objects.create(
        tenant=tenant_a, reminder_hours=24, from_name="Acme Recruiting"
    )


def parts(message) -> dict[str, object]:
    """The text part, the HTML part and the .ics attachment of a received message."""
    found = {}
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "text/plain" and "text" not in found:
            found["text"] = part.get_content()
        elif kind == "text/html":
            found["html"] = part.get_content()
        elif kind == "text/calendar":
            found["ics"] = part.get_payload(decode=True)
    return found
