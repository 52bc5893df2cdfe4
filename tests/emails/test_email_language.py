"""Emails in the candidate's language (issue 20 point 3): the language they last read their
guide in, else the tenant's default; Guide's templates, dates, times and zone, the footer, the
.ics and the unsubscribe page follow it; a company's own template stays as written, its
{{interviews}} localised. Through a real SMTP server."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from emails.models import EmailSettings, MessageTemplate
from emails.tasks import plan_and_send_emails
from tests.emails.conftest import parts
from tests.guides import factories as f

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


@pytest.fixture
def ada(tenant_a, reminders_on):
    """Ada (Madrid), an interview on 12 May 2026 at 14:00 UTC (16:00 CEST) with Ines."""
    cand = f.candidate(tenant_a, "Ada Lovelace", timezone="Europe/Madrid")
    app = f.application(tenant_a, cand, f.job(tenant_a, "Backend Engineer"))
    guide = f.guide(tenant_a, cand)
    f.event(
        tenant_a,
        f.schedule(tenant_a, app),
        f.at("2026-05-12 14:00"),
        the_interview=f.interview(tenant_a, "Systems design"),
        interviewers=[f.interviewer(tenant_a, "Ines", "Park")],
        meeting_link="https://meet.example.com/abc",
    )
    return guide


def read_guide(client, monkeypatch, guide, accept: str) -> None:
    monkeypatch.setattr(timezone, "now", lambda: f.at("2026-05-10 09:00"))
    response = client.get(
        f"/g/{guide.token}/", HTTP_USER_AGENT=BROWSER, HTTP_ACCEPT_LANGUAGE=accept
    )
    assert response.status_code == 200


def reminder(smtp, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: f.at("2026-05-11 14:00"))
    assert plan_and_send_emails() == 1
    [message] = smtp.to("ada@example.com")
    return message, parts(message)


def test_a_candidate_who_read_their_guide_in_spanish_gets_a_spanish_reminder(
    client, smtp, ada, monkeypatch
):
    read_guide(client, monkeypatch, ada, "es-ES,es;q=0.9,en;q=0.5")
    message, body = reminder(smtp, monkeypatch)
    assert message["Subject"] == (
        "Recordatorio: tus entrevistas con Acme el martes, 12 de mayo de 2026"
    )
    assert message["Content-Language"] == "es"
    text, html = body["text"], body["html"]
    assert text.startswith("Hola, Ada:")
    assert "- 16:00 – 17:00 CEST: Systems design (1 hora)" in text
    assert "  Unirse: https://meet.example.com/abc" in text and "  Con: Ines Park" in text
    assert "¡Mucha suerte!" in text and "Para no recibir más correos de Acme:" in text
    assert '<html lang="es">' in html and "Abrir tu guía" in html
    assert "16:00 – 17:00 CEST" in html and "Darse de baja" in html
    assert 'Unirse: <a href="https://meet.example.com/abc">' in html
    assert "Reminder" not in text + html and "Open your guide" not in html
    assert b"X-WR-CALNAME:Entrevistas con Acme" in body["ics"]
    # the unsubscribe page follows the email's language, whatever the browser
    unsubscribe = message["List-Unsubscribe"].strip("<> ")
    assert unsubscribe.endswith("?lang=es")
    page = client.get(unsubscribe.removeprefix("https://guide.test"), HTTP_ACCEPT_LANGUAGE="en")
    assert page["Content-Language"] == "es"
    assert "Dejar de recibir los correos que Acme envía" in page.content.decode()


def test_a_tenant_defaulting_to_spanish_writes_in_spanish_until_the_guide_is_read(
    client, smtp, ada, tenant_a, monkeypatch
):
    tenant_a.guide_language = "es"
    tenant_a.save()
    EmailSettings.objects.filter(tenant=tenant_a).update(
        guide_link_trigger=EmailSettings.Trigger.GUIDE_CREATED,
        guide_link_since=ada.created_at - dt.timedelta(minutes=1),
    )
    monkeypatch.setattr(timezone, "now", lambda: f.at("2026-05-10 09:00"))
    assert plan_and_send_emails() == 1  # never opened: the tenant's language
    [link] = smtp.messages
    assert link["Subject"] == "Tu guía de entrevistas para Backend Engineer en Acme"
    assert "Gracias por tu interés en el puesto de Backend Engineer" in parts(link)["text"]
    smtp.messages.clear()
    read_guide(client, monkeypatch, ada, "en-GB,en;q=0.8")  # the candidate reads English
    message, body = reminder(smtp, monkeypatch)
    assert message["Subject"] == "Reminder: your interviews with Acme on Tuesday, 12 May 2026"
    assert "- 4:00 PM – 5:00 PM CEST: Systems design (1 hour)" in body["text"]


def test_english_otherwise(smtp, ada, monkeypatch):
    message, body = reminder(smtp, monkeypatch)
    assert message["Content-Language"] == "en"
    assert message["Subject"] == "Reminder: your interviews with Acme on Tuesday, 12 May 2026"
    assert "Join: https://meet.example.com/abc" in body["text"]
    assert '<html lang="en">' in body["html"] and "Open your guide" in body["html"]
    assert b"X-WR-CALNAME:Interviews with Acme" in body["ics"]


def test_the_companys_own_template_stays_as_written_with_its_interviews_localised(
    client, smtp, ada, tenant_a, monkeypatch
):
    MessageTemplate.objects.create(
        tenant=tenant_a,
        kind="reminder",
        subject="See you on {{interview_date}}, {{first_name}}",
        body="Dear {{first_name}},\n\n{{interviews}}\n\nThe Acme team",
    )
    read_guide(client, monkeypatch, ada, "es")
    message, body = reminder(smtp, monkeypatch)
    assert message["Subject"] == "See you on martes, 12 de mayo de 2026, Ada"
    text = body["text"].replace("\r\n", "\n")
    assert text.startswith("Dear Ada,\n\n- 16:00 – 17:00 CEST: Systems design (1 hora)")
    assert "Con: Ines Park" in text and "The Acme team" in text
    assert "Recordatorio" not in text and "Hola" not in text


def test_the_editor_shows_the_default_in_english_and_previews_it_in_the_candidates_language(
    tenant_admin_client, ada
):
    ada.last_language = "es"
    ada.save()
    page = tenant_admin_client.get(f"/settings/emails/templates/guide_link/?guide={ada.pk}")
    html = page.content.decode()
    assert "Hi {{first_name}}," in html  # the form: Guide's default, in English
    assert "in Español" in html  # the preview: Ada's language
    assert "Tu guía de entrevistas para Backend Engineer en Acme" in html


def test_the_candidates_emails_page_says_which_language_they_get(tenant_admin_client, ada):
    page = tenant_admin_client.get(f"/guides/{ada.pk}/emails/")
    assert "Emails go out in English: your default guide language" in page.content.decode()
    ada.last_language = "es"
    ada.save()
    page = tenant_admin_client.get(f"/guides/{ada.pk}/emails/")
    assert "Emails go out in Español: the language Ada last read" in page.content.decode()
