"""The guide in the candidate's language: the browser's when Guide has it, else the tenant's;
dates, times and durations follow; the Spanish catalogue is complete and compiled."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from guides.languages import accepted_languages
from tests.guides import factories as f
from tests.guides.test_guide_page import text_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.mo"


@pytest.fixture
def guide(tenant_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: f.at("2026-03-01 12:00"))
    guide, app = f.candidate_with_guide(tenant_a, timezone="Europe/Madrid")
    app.recruiter = f.interviewer(tenant_a, "Rita", "Cruz")
    app.save()
    grace = f.interviewer(tenant_a, "Grace", "Hopper", title="Staff Engineer")
    sched = f.schedule(tenant_a, app)
    f.event(
        tenant_a,
        sched,
        f.at("2026-03-10 14:00"),
        minutes=90,
        interviewers=[grace],
        meeting_link="https://meet.example.com/x",
    )
    f.event(tenant_a, sched, f.at("2026-03-12 09:00"), minutes=30)
    f.event(tenant_a, sched, f.at("2026-02-20 09:00"), minutes=60)
    return guide


def get(client, guide, accept: str = "", **params):
    url = reverse("guides:public", args=[guide.token])
    return client.get(url, params, HTTP_ACCEPT_LANGUAGE=accept)


def test_a_spanish_browser_reads_the_guide_in_spanish_with_spanish_dates(client, guide):
    response = get(client, guide, "es-ES,es;q=0.9,en;q=0.5")
    html = response.content.decode()
    text = text_of(html)
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]
    assert '<html lang="es">' in html
    assert "Hola, Ada: te damos la bienvenida" in text
    assert "Tu próxima entrevista" in text and "Tu proceso" in text
    assert "martes, 10 de marzo de 2026" in text
    assert "15:00 – 16:30 CET" in text  # 24-hour clock, the zone still named
    assert "1 hora 30 minutos" in text and "30 minutos" in text
    assert "Las horas se muestran en tu zona horaria: Europe/Madrid." in text
    assert "Unirse a la videollamada" in text and "Conoce a quienes te entrevistan" in text
    assert "Entrevistas pasadas" in text and "viernes, 20 de febrero de 2026" in text
    for english in ("Your next interview", "welcome", "Tuesday", "PM", "Questions?", "hour"):
        assert english not in text


def test_an_english_browser_reads_it_in_english(client, guide, tenant_a):
    tenant_a.guide_language = "es"
    tenant_a.save()
    response = get(client, guide, "en-GB,en;q=0.8")
    text = text_of(response.content.decode())
    assert response["Content-Language"] == "en"
    assert "Hi Ada, welcome" in text and "Tuesday, 10 March 2026" in text
    assert "3:00 PM – 4:30 PM CET" in text and "1 hour 30 minutes" in text


@pytest.mark.parametrize(
    ("tenant_language", "accept", "expected"),
    [
        ("es", "fr-FR,fr;q=0.9", "es"),  # a language Guide lacks: the tenant's choice
        ("en", "fr-FR,fr;q=0.9", "en"),
        ("es", "", "es"),  # no header at all
        ("en", "fr, es-MX;q=0.5", "es"),  # a regional variant of a language Guide has
        ("en", "es;q=0, fr", "en"),  # q=0 means "not this one"
        ("es", "de;q=0.4, en;q=0.8", "en"),  # the most wanted first, not the first listed
    ],
)
def test_the_browser_language_wins_when_guide_has_it(
    client, guide, tenant_a, tenant_language, accept, expected
):
    tenant_a.guide_language = tenant_language
    tenant_a.save()
    assert get(client, guide, accept)["Content-Language"] == expected


def test_the_pages_language_links_override_the_browser(client, guide):
    response = get(client, guide, "es", lang="en")
    html = response.content.decode()
    assert response["Content-Language"] == "en"
    assert 'href="?lang=es" lang="es" hreflang="es">Español</a>' in html
    assert get(client, guide, "en", lang="xx")["Content-Language"] == "en"  # unknown: ignored


def test_a_missing_guide_answers_in_the_browsers_language(client):
    response = client.get(reverse("guides:public", args=["nope"]), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 404
    assert "No hemos encontrado esta guía" in response.content.decode()


def test_the_calendar_file_follows_the_language(client, guide):
    url = reverse("guides:calendar_ics", args=[guide.token])
    body = client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Entrevistas con Acme" in body and "Tu entrevista con Acme." in body


def test_staff_pages_stay_in_english_whatever_the_browser(tenant_admin_client):
    response = tenant_admin_client.get(reverse("guides:list"), HTTP_ACCEPT_LANGUAGE="es")
    assert "Guides" in response.content.decode()
    assert '<html lang="en">' in response.content.decode()


def test_accept_language_is_parsed_in_order_of_preference():
    assert accepted_languages("da, en-gb;q=0.8, en;q=0.7") == ["da", "en-gb", "en"]
    assert accepted_languages("en;q=0.1, es") == ["es", "en"]
    assert accepted_languages("*, es;q=bad, fr;q=0") == []


def _po_strings(entry: str, keyword: str) -> list[str]:
    """The values of `keyword` ("msgid", "msgstr", "msgstr[0]"...) in a .po entry, each with
    its continuation lines joined (a long or multi-line string starts with "")."""
    found = re.finditer(rf'^{re.escape(keyword)}(\[\d\])? ((?:".*"\n?)+)', entry, re.M)
    return [
        "".join(ast.literal_eval(line) for line in m.group(2).splitlines() if line) for m in found
    ]


def test_the_spanish_catalogue_is_complete_and_compiled():
    po = PO.read_text(encoding="utf-8")
    assert "#, fuzzy" not in po
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if "" in _po_strings(e, "msgstr")]
    assert untranslated == []
    with MO.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)._catalog
    ids = {_po_strings(e, "msgid")[0] for e in entries}
    compiled_ids = {
        (key[0] if isinstance(key, tuple) else key).split("\x04")[-1] for key in compiled
    }
    # Every entry of the .po is in the .mo: `manage.py compilemessages` was run after editing.
    missing = {i for i in ids if i and i not in compiled_ids}
    assert missing == set()


LANGUAGE_PAGE = reverse("guides:language")


def test_an_admin_sets_the_default_language(tenant_admin_client, tenant_a, tenant_b):
    response = tenant_admin_client.post(LANGUAGE_PAGE, {"guide_language": "es"}, follow=True)
    assert "Guides now default to Español." in response.content.decode()
    tenant_a.refresh_from_db()
    tenant_b.refresh_from_db()
    assert (tenant_a.guide_language, tenant_b.guide_language) == ("es", "en")


def test_an_unknown_language_is_refused(tenant_admin_client, tenant_a):
    response = tenant_admin_client.post(LANGUAGE_PAGE, {"guide_language": "xx"})
    assert "Select a valid choice" in response.content.decode()
    tenant_a.refresh_from_db()
    assert tenant_a.guide_language == "en"


def test_a_read_only_member_sees_the_language_but_cannot_change_it(member_client, tenant_a):
    html = member_client.get(LANGUAGE_PAGE).content.decode()
    assert "Only an admin of Acme can change this." in html and "disabled" in html
    assert member_client.post(LANGUAGE_PAGE, {"guide_language": "es"}).status_code == 403
    tenant_a.refresh_from_db()
    assert tenant_a.guide_language == "en"


def test_an_outsider_changes_only_their_own_tenant(outsider_client, tenant_a, tenant_b):
    outsider_client.post(LANGUAGE_PAGE, {"guide_language": "es"})
    tenant_a.refresh_from_db()
    tenant_b.refresh_from_db()
    assert (tenant_a.guide_language, tenant_b.guide_language) == ("en", "es")


def test_signing_in_is_required(client):
    assert client.get(LANGUAGE_PAGE).status_code == 302
