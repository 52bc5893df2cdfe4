"""The Guides page says whether and when each candidate opened their guide; the guide page
records an open cheaply (one UPDATE at most every few minutes, none for link previews)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guides.models import Guide
from tests.guides import factories as f

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Safari/604.1"
LIST = reverse("guides:list")


@pytest.fixture
def clock(monkeypatch):
    now = {"value": f.at("2026-03-01 12:00")}
    monkeypatch.setattr(timezone, "now", lambda: now["value"])
    return now


def _open(client, guide, agent=BROWSER, **extra):
    url = reverse("guides:public", args=[guide.token])
    return client.get(url, HTTP_USER_AGENT=agent, **extra)


def test_an_open_is_recorded_once_per_interval(client, tenant_a, clock):
    guide, _ = f.candidate_with_guide(tenant_a)
    _open(client, guide)
    guide.refresh_from_db()
    assert guide.first_opened_at == guide.last_opened_at == clock["value"]
    assert guide.open_count == 1
    first = clock["value"]
    clock["value"] = first + dt.timedelta(minutes=2)
    _open(client, guide)  # within five minutes: not a new open
    clock["value"] = first + dt.timedelta(hours=3)
    _open(client, guide)
    guide.refresh_from_db()
    assert guide.open_count == 2 and guide.first_opened_at == first
    assert guide.last_opened_at == first + dt.timedelta(hours=3)


@pytest.mark.parametrize(
    "agent",
    ["Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "WhatsApp/2.23", "", "curl/8.0"],
)
def test_link_previews_and_robots_are_not_opens(client, tenant_a, agent):
    guide, _ = f.candidate_with_guide(tenant_a)
    _open(client, guide, agent=agent)
    client.head(reverse("guides:public", args=[guide.token]), HTTP_USER_AGENT=BROWSER)
    guide.refresh_from_db()
    assert guide.open_count == 0 and guide.last_opened_at is None


def test_an_open_costs_at_most_one_query_and_a_repeat_none(client, tenant_a, clock):
    guide, _ = f.candidate_with_guide(tenant_a)
    with CaptureQueriesContext(connection) as first:
        _open(client, guide)
    with CaptureQueriesContext(connection) as repeat:
        _open(client, guide)
    assert len(first) == len(repeat) + 1 and len(first) <= 6
    assert first.captured_queries[-1]["sql"].startswith("UPDATE")


def test_the_guides_page_shows_opened_and_filters_on_it(
    tenant_admin_client, client, tenant_a, clock
):
    ada, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    f.candidate_with_guide(tenant_a, "Bob Builder")
    _open(client, ada)
    html = tenant_admin_client.get(LIST).content.decode()
    assert html.count("Not opened yet</span>") == 1
    assert "1 time</span>" in html and "last <time" in html and "Mar 1, 07:00 EST" in html
    opened = tenant_admin_client.get(LIST, {"opened": "yes"}).content.decode()
    assert "Ada Lovelace" in opened and "Bob Builder" not in opened
    never = tenant_admin_client.get(LIST, {"opened": "no"}).content.decode()
    assert "Bob Builder" in never and "Ada Lovelace" not in never
    bad = tenant_admin_client.get(LIST, {"opened": "maybe"}).content.decode()
    assert "Choose Opened or Not opened yet." in bad


def test_a_staff_preview_is_not_an_open(tenant_admin_client, tenant_a):
    guide, _ = f.candidate_with_guide(tenant_a)
    tenant_admin_client.get(reverse("guides:preview", args=[guide.pk]), HTTP_USER_AGENT=BROWSER)
    assert Guide.objects.get(pk=guide.pk).open_count == 0


def test_an_open_records_the_language_the_guide_was_read_in(client, tenant_a, clock):
    guide, _ = f.candidate_with_guide(tenant_a)
    _open(client, guide, HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    guide.refresh_from_db()
    assert guide.last_language == "es" and guide.open_count == 1
    clock["value"] += dt.timedelta(minutes=1)
    with CaptureQueriesContext(connection) as same:
        _open(client, guide, HTTP_ACCEPT_LANGUAGE="es")
    with CaptureQueriesContext(connection) as switched:
        _open(client, guide, HTTP_ACCEPT_LANGUAGE="es", QUERY_STRING="lang=en")
    # switching language within the interval: still one UPDATE, not another open
    assert len(switched) == len(same) + 1
    guide.refresh_from_db()
    assert guide.last_language == "en" and guide.open_count == 1
