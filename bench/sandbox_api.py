"""Benchmark: seed the Ashby sandbox with N candidates, then time its list endpoints.

    DATABASE_URL=sqlite:////tmp/sandbox-bench.sqlite3 .venv/bin/python bench/sandbox_api.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide_sandbox .venv/bin/python \
        bench/sandbox_api.py --candidates 100000

It works in a fresh test database (created and destroyed here) and prints: the seed time,
then for each list endpoint the median time of its first page, the median and worst page of a
whole pass (candidate.list and application.list: every page, keyset pagination), and an
incremental pass after 50 changes. Requests go through Django's test client (view + database,
no network).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide_project.settings_test")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from ashby_sandbox import activity  # noqa: E402
from ashby_sandbox import models as m  # noqa: E402
from ashby_sandbox.keys import GUIDE_PERMISSIONS, create_key  # noqa: E402
from ashby_sandbox.seed import seed  # noqa: E402

ENDPOINTS = [
    ("candidate.list", {}),
    ("application.list", {}),
    ("job.list", {}),
    ("interviewSchedule.list", {}),
    ("user.list", {"includeDeactivated": True}),
    ("interview.list", {"includeNonSharedInterviews": True}),
]


def post(client: Client, auth: str, endpoint: str, body: dict) -> tuple[dict, float]:
    began = time.perf_counter()
    response = client.post(
        f"/sandbox/ashby/api/{endpoint}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    elapsed = (time.perf_counter() - began) * 1000
    data = response.json()
    assert data["success"], data
    return data, elapsed


def full_pass(client, auth, endpoint, body) -> tuple[int, list[float], str]:
    count, timings = 0, []
    while True:
        data, ms = post(client, auth, endpoint, body)
        timings.append(ms)
        count += len(data["results"])
        if not data["moreDataAvailable"]:
            return count, timings, data["syncToken"]
        body = {**body, "cursor": data["nextCursor"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    settings_overrides = {
        "SANDBOX_RATE_LIMIT_PER_MINUTE": 10**9,
        "SANDBOX_WEBHOOK_SENDER": "manual",
    }
    from django.conf import settings

    for name, value in settings_overrides.items():
        setattr(settings, name, value)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        began = time.perf_counter()
        seed(args.candidates, seed=args.seed)
        seed_s = time.perf_counter() - began
        counts = {
            "candidates": m.Candidate.objects.count(),
            "applications": m.Application.objects.count(),
            "schedules": m.InterviewSchedule.objects.count(),
            "events": m.InterviewEvent.objects.count(),
        }
        print(f"database: {connection.vendor}")
        print(f"seed {args.candidates} candidates: {seed_s:.1f} s  {counts}")
        secret = create_key("bench", [*GUIDE_PERMISSIONS, "hiringProcessMetadataRead"]).secret
        auth = "Basic " + base64.b64encode(f"{secret}:".encode()).decode()
        client = Client()
        print(f"{'endpoint':24} {'first page ms':>14} {'pages':>6} {'median ms':>10} {'max ms':>8}")
        tokens = {}
        for endpoint, body in ENDPOINTS:
            firsts = [post(client, auth, endpoint, body)[1] for _ in range(5)]
            if endpoint in ("candidate.list", "application.list"):
                count, timings, token = full_pass(client, auth, endpoint, body)
                tokens[endpoint] = token
                pages, median, worst = len(timings), statistics.median(timings), max(timings)
                print(
                    f"{endpoint:24} {statistics.median(firsts):14.1f} {pages:6d} "
                    f"{median:10.1f} {worst:8.1f}   ({count} records)"
                )
            else:
                print(f"{endpoint:24} {statistics.median(firsts):14.1f}")
        apps = m.Application.objects.filter(status="Active", job__confidential=False).exclude(
            stage__type="Offer"
        )
        for app in list(apps.order_by("?")[:50]):
            activity.move_stage(app.id)
        began = time.perf_counter()
        count, timings, _ = full_pass(
            client, auth, "application.list", {"syncToken": tokens["application.list"]}
        )
        total = (time.perf_counter() - began) * 1000
        print(f"incremental application.list after 50 changes: {count} records, {total:.1f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
