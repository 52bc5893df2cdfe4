"""Structural accessibility checks of the guide and staff pages: one h1, headings in order,
every image with alt text, every form control with a label, a language on <html>."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.guides import factories as f

pytestmark = pytest.mark.django_db


class Outline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.headings: list[int] = []
        self.images_without_alt = 0
        self.control_ids: list[str] = []
        self.label_fors: set[str] = set()
        self.lang = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        if len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            self.headings.append(int(tag[1]))
        if tag == "img" and not attrs.get("alt"):
            self.images_without_alt += 1
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden",):
            self.control_ids.append(attrs.get("id", ""))
        if tag == "label" and attrs.get("for"):
            self.label_fors.add(attrs["for"])


def outline_of(response) -> Outline:
    assert response.status_code == 200
    parser = Outline()
    parser.feed(response.content.decode())
    return parser


def assert_well_formed(parser: Outline) -> None:
    assert parser.lang == "en"
    assert parser.headings.count(1) == 1 and parser.headings[0] == 1
    for before, after in zip(parser.headings, parser.headings[1:], strict=False):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    assert parser.images_without_alt == 0
    unlabelled = [i for i in parser.control_ids if i not in parser.label_fors]
    assert unlabelled == []


def test_the_guide_page_is_well_structured(client, tenant_a, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: f.at("2026-03-01 12:00"))
    tenant_a.logo_url = "https://cdn.example.com/logo.png"
    tenant_a.save()
    guide, app = f.candidate_with_guide(tenant_a)
    app.recruiter = f.interviewer(tenant_a, "Rita", "Cruz")
    app.save()
    people = [
        f.interviewer(tenant_a, "Grace", "Hopper", photo_url="https://img.example.com/g.jpg"),
        f.interviewer(tenant_a, "Alan", "Turing"),
    ]
    sched = f.schedule(tenant_a, app)
    f.event(tenant_a, sched, f.at("2026-03-05 15:00"), interviewers=people)
    f.event(tenant_a, sched, f.at("2026-02-05 15:00"), interviewers=people)
    parser = outline_of(client.get(reverse("guides:public", args=[guide.token])))
    assert_well_formed(parser)
    assert 4 in parser.headings  # "Meet your interviewers" sits under its interview


def test_the_staff_pages_are_well_structured(tenant_admin_client, tenant_a):
    guide, app = f.candidate_with_guide(tenant_a)
    person = f.interviewer(tenant_a, "Grace", "Hopper")
    for url in [
        reverse("guides:list"),
        reverse("guides:interviewers"),
        reverse("guides:interviewer_edit", args=[person.pk]),
        reverse("guides:jobs"),
        reverse("guides:job_stages", args=[app.job.pk]),
    ]:
        assert_well_formed(outline_of(tenant_admin_client.get(url)))
