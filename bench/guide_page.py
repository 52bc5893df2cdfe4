"""Benchmark: render the candidate's guide page with 1, 20 and 100 interviews (3 interviewers
each, with uploaded photos, titles and bios) and print the number of queries and the median
render time, for a tenant with no settings and for one with every guide setting (logo,
colour, texts, stage texts by name, a hidden interview kind); and the queries of a
candidate's first open (recorded: one UPDATE).

    DATABASE_URL=sqlite:////tmp/bench.sqlite3 .venv/bin/python bench/guide_page.py

It builds its own tenant and data in a fresh test database (created and destroyed here).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide_project.settings_test")

import django  # noqa: E402

django.setup()

from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from guides.models import GuideSettings  # noqa: E402
from tenants.models import Tenant  # noqa: E402
from tests.guides import factories as f  # noqa: E402

RUNS = 30


def build(tenant: Tenant, interviews: int):
    guide, app = f.candidate_with_guide(tenant, f"Bench {interviews}", timezone="Europe/Paris")
    people = [
        f.interviewer(
            tenant,
            f"P{n}",
            str(interviews),
            photo=f"interviewers/{tenant.pk}/benchphoto{interviews:04d}{n}.jpg",  # as uploaded
            title="Staff Engineer",
            pronouns="they/them",
            bio="Builds the payments platform.",
            linkedin_url="https://www.linkedin.com/in/someone",
        )
        for n in range(3)
    ]
    sched = f.schedule(tenant, app)
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    for n in range(interviews):
        f.event(tenant, sched, start + dt.timedelta(hours=n), interviewers=people)
    debrief = f.interview(tenant, "Debrief")
    debrief.hidden_from_candidates = True
    debrief.save()
    f.event(tenant, sched, start, the_interview=debrief, interviewers=people)
    return guide


def with_settings(tenant: Tenant) -> Tenant:
    """Every guide setting a tenant can have (the logo as stored, without reading the file)."""
    tenant.brand_color = "#0b7285"
    tenant.save()
    texts = {
        "onsite": {"title": "Meet the team", "description": "Four short talks.", "hidden": False},
        "offer": {"title": "", "description": "We call you.", "hidden": False},
        "hired": {"title": "", "description": "", "hidden": True},
    }
    GuideSettings.objects.create(
        tenant=tenant,
        logo="logos/bench.jpg",
        company_intro="We build rockets. " * 20,
        what_to_expect="Three weeks, three conversations. " * 10,
        stage_texts=texts,
    )
    return tenant


def measure(client: Client, url: str) -> tuple[int, float]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    count = len(queries)  # now: later requests reset the connection's query log
    timings = []
    for _ in range(RUNS):
        began = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - began)
    return count, statistics.median(timings) * 1000


def main() -> None:
    warnings.filterwarnings("ignore", message="No directory at")
    # As Django's test runner does: keep one connection for the whole run (the test database
    # lives on it, and a reconnect per request is not what we measure).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        bare = Tenant.objects.create(name="Bench", slug="bench")
        branded = with_settings(Tenant.objects.create(name="Branded", slug="branded"))
        client = Client()
        print(f"database: {connection.vendor}; median of {RUNS} requests")
        print(
            f"{'settings':>8} {'interviews':>10} {'interviewers':>12} {'queries':>8} {'median ms':>10}"
        )
        for label, tenant in (("none", bare), ("all", branded)):
            for count in (1, 20, 100):
                guide = build(tenant, count)
                url = reverse("guides:public", args=[guide.token])
                queries, ms = measure(client, url)
                print(f"{label:>8} {count:>10} {count * 3:>12} {queries:>8} {ms:>10.1f}")
        guide = build(branded, 20)
        browser = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1")
        with CaptureQueriesContext(connection) as first:
            browser.get(reverse("guides:public", args=[guide.token]))
        with CaptureQueriesContext(connection) as again:
            browser.get(reverse("guides:public", args=[guide.token]))
        print(
            f"a candidate's first open: {len(first)} queries; again within 5 minutes: {len(again)}"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
