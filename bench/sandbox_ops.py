"""What a benchmark asks of the Ashby sandbox running as its own process (its own SQLite
database, configured by the environment): run with the sandbox's environment.

    python bench/sandbox_ops.py create-webhooks '[{"event": ..., "url": ..., "secret": ...}]'
    python bench/sandbox_ops.py activity COUNT SEED     # move stages and reschedule interviews
    python bench/sandbox_ops.py deliveries              # JSON: every delivery and its attempts
    python bench/sandbox_ops.py seed-organisations '[{"name": ..., "candidates": N, "seed": S}]'
    python bench/sandbox_ops.py keys '{"names": [...], "latency_ms": 150, "partner": "Guide"}'
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def create_webhooks(spec: str) -> None:
    from ashby_sandbox.webhook_sender import create_webhook

    for hook in json.loads(spec):
        created = create_webhook(
            webhook_type=hook["event"],
            request_url=hook["url"],
            secret_token=hook["secret"],
            name=f"Guide - {hook['event']}",
        )
        if not created.enabled:
            sys.exit(f"the ping of {hook['event']} failed: the webhook was saved disabled")


def activity(count: str, seed: str) -> None:
    from ashby_sandbox import activity as ops
    from ashby_sandbox import models as m

    rng = random.Random(int(seed))
    apps = list(m.Application.objects.filter(is_deleted=False, status="Active").values_list("id"))
    schedules = list(m.InterviewSchedule.objects.exclude(status="Cancelled").values_list("id"))
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=3)
    for n in range(int(count)):
        if n % 2 == 0 and schedules:
            (schedule_id,) = rng.choice(schedules)
            ops.reschedule_interview(schedule_id, start + dt.timedelta(minutes=15 * n))
        else:
            (application_id,) = rng.choice(apps)
            try:
                ops.move_stage(application_id)
            except ops.ActivityError:
                continue  # at the plan's last stage


def deliveries() -> None:
    from ashby_sandbox import models as m

    rows = []
    for d in m.Delivery.objects.exclude(action="ping").prefetch_related("attempt_log"):
        codes = [a.status_code or 0 for a in d.attempt_log.all()]
        rows.append([str(d.webhook_action_id), d.action, d.state, codes])
    print(json.dumps(rows))


def seed_organisations(spec: str) -> None:
    """Each organisation of `spec` seeded in its own scope (one process for all of them)."""
    from ashby_sandbox import organisations, seed
    from ashby_sandbox.models import Organization

    for org in json.loads(spec):
        with organisations.scope(Organization.named(org["name"])):
            seed.seed(org["candidates"], seed=org["seed"])


def keys(spec: str) -> None:
    """A key with Guide's permissions for each named organisation; prints {name: secret}."""
    from ashby_sandbox import organisations
    from ashby_sandbox.keys import GUIDE_PERMISSIONS, create_key
    from ashby_sandbox.models import Organization

    options = json.loads(spec)
    secrets = {}
    for name in options["names"]:
        with organisations.scope(Organization.named(name)):
            secrets[name] = create_key(
                f"Guide bench {name}",
                GUIDE_PERMISSIONS,
                partner=options.get("partner", ""),
                latency_ms=options.get("latency_ms", 0),
            ).secret
    print(json.dumps(secrets))


COMMANDS = {
    "create-webhooks": create_webhooks,
    "activity": activity,
    "deliveries": deliveries,
    "seed-organisations": seed_organisations,
    "keys": keys,
}

if __name__ == "__main__":
    import django

    django.setup()
    command, *rest = sys.argv[1:]
    COMMANDS[command](*rest)
