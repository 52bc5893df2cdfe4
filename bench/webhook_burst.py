"""Load: a burst of signed webhook deliveries into Guide as production runs it.

    .venv/bin/python bench/webhook_burst.py                       # 5,000 at concurrency 50
    .venv/bin/python bench/webhook_burst.py --deliveries 200 --concurrency 20   # the suite's

gunicorn (4 workers x 4 threads) serves Guide on 127.0.0.1:--port with PostgreSQL (a fresh
database on the shared server, dropped at the end) and two realtime `qcluster` processes (2
workers each) on the Redis broker (REDIS_URL=redis://127.0.0.1:6379/--redis-db), as production
scales out. The burst, shuffled so events arrive out of order:

- distinct valid events (70%): jobUpdate and applicationUpdate, several versions of each
  job and application, each version newer (updatedAt) than the one before;
- duplicates (20%): exact re-sends of valid deliveries (same body, same signature);
- wrong signatures (10%): new events (with the newest updatedAt of all, so applying one
  would show) signed with a wrong secret.

Checks, each failing the run (exit 1): no 5xx; every valid and duplicate delivery answered
200 and every wrongly signed one 401; every distinct valid event stored once and processed
exactly once (one processing attempt); both clusters ran deliveries; and the final jobs and
applications equal the newest version of each (the events applied in order).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import random
import statistics
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
import migrated  # noqa: E402

FIXTURES = h.ROOT / "tests" / "fixtures" / "ashby" / "webhooks"
STATUSES = ["Active", "Active", "Lead", "Archived", "Hired"]


@dataclass
class Send:
    url: str
    body: bytes
    signature: str
    kind: str  # valid, duplicate, bad


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def fixture(action: str) -> dict:
    return json.loads((FIXTURES / f"{action}__default.json").read_text())


class Events:
    """Versions of jobs and applications; the newest version of each is the expected state."""

    def __init__(self, rng: random.Random, jobs: int, applications: int) -> None:
        self.rng = rng
        self.base = datetime(2026, 11, 1, 8, tzinfo=UTC)
        self.job_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(jobs)]
        self.app_ids = [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(applications)]
        self.versions: dict[str, int] = {}
        self.expected: dict[str, dict] = {}

    def _tick(self, key: str) -> datetime:
        version = self.versions[key] = self.versions.get(key, 0) + 1
        return self.base + timedelta(minutes=version)

    def job_update(self, job_id: str, *, final: bool = True) -> dict:
        payload = fixture("jobUpdate")
        job = payload["data"]["job"]
        updated = self._tick(job_id) if final else self.base + timedelta(days=365)
        job.update(id=job_id, title=f"Job {job_id[:8]} v{updated:%H%M}", updatedAt=iso(updated))
        job.update(defaultInterviewPlanId=None, interviewPlanIds=[])
        if final:
            self.expected[job_id] = {"title": job["title"]}
        return payload

    def application_update(self, app_id: str, *, final: bool = True) -> dict:
        payload = fixture("applicationUpdate")
        app = payload["data"]["application"]
        updated = self._tick(app_id) if final else self.base + timedelta(days=365)
        status = self.rng.choice(STATUSES)
        app.update(id=app_id, status=status, updatedAt=iso(updated))
        app["candidate"]["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, app_id))
        if final:
            self.expected[app_id] = {"status": status}
        return payload

    def any(self, *, final: bool = True) -> dict:
        if self.rng.random() < 0.5:
            return self.job_update(self.rng.choice(self.job_ids), final=final)
        return self.application_update(self.rng.choice(self.app_ids), final=final)


def build_burst(args, urls: dict[str, str], secrets: dict[str, str]) -> list[Send]:
    rng = random.Random(args.seed)
    events = Events(rng, jobs=max(5, args.deliveries // 100), applications=args.deliveries // 50)
    n_dup = int(args.deliveries * args.duplicates)
    n_bad = int(args.deliveries * args.bad_signatures)
    n_valid = args.deliveries - n_dup - n_bad
    sends = []
    for _ in range(n_valid):
        payload = events.any()
        payload["webhookActionId"] = str(uuid.UUID(int=rng.getrandbits(128)))
        body = json.dumps(payload, separators=(",", ":")).encode()
        action = payload["action"]
        sends.append(Send(urls[action], body, sign(secrets[action], body), "valid"))
    valid = list(sends)
    sends += [Send(s.url, s.body, s.signature, "duplicate") for s in rng.choices(valid, k=n_dup)]
    for _ in range(n_bad):
        payload = events.any(final=False)  # newest of all: would show if ever applied
        payload["webhookActionId"] = str(uuid.UUID(int=rng.getrandbits(128)))
        body = json.dumps(payload, separators=(",", ":")).encode()
        sends.append(Send(urls[payload["action"]], body, sign("wrong-secret", body), "bad"))
    rng.shuffle(sends)  # out of order: versions of one record arrive in any order
    return sends, events


def post_all(sends: list[Send], concurrency: int) -> list[tuple[Send, int, float]]:
    sessions: dict[int, requests.Session] = {}

    def post(send: Send) -> tuple[Send, int, float]:
        import threading

        session = sessions.setdefault(threading.get_ident(), requests.Session())
        headers = {"Content-Type": "application/json", "Ashby-Signature": send.signature}
        began = time.perf_counter()
        try:
            status = session.post(send.url, data=send.body, headers=headers, timeout=30).status_code
        except requests.RequestException:
            status = 0
        return send, status, time.perf_counter() - began

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        return list(pool.map(post, sends))


def prepare(args) -> tuple[dict, dict[str, str], dict[str, str], str]:
    db_name = f"guide_bench_burst_{args.port}"
    database_url = h.fresh_database(db_name)
    redis_url = args.redis_url
    env = h.guide_env(
        database_url,
        REDIS_URL=redis_url,
        Q_WORKERS="2",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{args.port}",
    )
    migrated.migrate(env)
    h.setup_django(env)
    from integrations.models import WebhookSubscription
    from integrations.webhook_rows import receiver_url
    from tenants.models import Tenant

    tenant = Tenant.objects.create(name="Burst", slug="burst")
    urls, secrets = {}, {}
    for action in ("jobUpdate", "applicationUpdate"):
        secret = uuid.uuid4().hex * 2
        row = WebhookSubscription.objects.create(tenant=tenant, event=action, secret=secret)
        urls[action], secrets[action] = receiver_url(row), secret
    return env, urls, secrets, db_name


def check_final_data(events: Events) -> list[str]:
    from guides.models import Application, Job

    problems = []
    jobs = dict(Job.objects.values_list("external_id", "title"))
    apps = dict(Application.objects.values_list("external_id", "status"))
    for key, expected in events.expected.items():
        got = {"title": jobs.get(key)} if "title" in expected else {"status": apps.get(key)}
        if got != expected:
            problems.append(f"{key}: expected {expected}, found {got}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--duplicates", type=float, default=0.2)
    parser.add_argument("--bad-signatures", type=float, default=0.1)
    parser.add_argument("--port", type=int, default=None, help="default: a free one of 8110-8119")
    parser.add_argument(
        "--redis-db", type=int, default=None, help="default: a free one of 9, 10, 12-14"
    )
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--drain-timeout", type=float, default=600)
    parser.add_argument("--keep-database", action="store_true")
    args = parser.parse_args()
    args.port = args.port or h.free_port(range(8110, 8120))
    args.redis_url = h.claim_redis_db(args.redis_db)

    env, urls, secrets, db_name = prepare(args)
    processes = [h.gunicorn(env, args.port)]
    processes += [h.qcluster(env, "one", "realtime"), h.qcluster(env, "two", "realtime")]
    try:
        return run(args, env, urls, secrets, processes)
    finally:
        h.stop_all()
        from django.db import connections

        connections.close_all()
        if not args.keep_database:
            h.drop_database(db_name)
        h.release_redis_db(args.redis_url)


def run(args, env, urls, secrets, processes) -> int:
    from django.db.models import Count

    from integrations.models import WebhookDelivery

    sends, events = build_burst(args, urls, secrets)
    n_valid = sum(1 for s in sends if s.kind == "valid")
    print(f"Burst: {len(sends)} deliveries at concurrency {args.concurrency} ({n_valid} valid)")
    began = time.perf_counter()
    results = post_all(sends, args.concurrency)
    sent_in = time.perf_counter() - began
    drained_in = h.wait_until(
        "every valid delivery processed",
        lambda: (
            WebhookDelivery.objects.filter(status="processed").count() >= n_valid
            or not all(p.poll() is None for p in processes)
        ),
        args.drain_timeout,
    )
    problems = []
    by_kind: dict[str, list[int]] = {}
    for send, status, _ in results:
        by_kind.setdefault(send.kind, []).append(status)
    if any(status >= 500 or status == 0 for _, status, _ in results):
        problems.append("5xx or no answer: " + str(sorted({s for _, s, _ in results})))
    for kind, expected in (("valid", 200), ("duplicate", 200), ("bad", 401)):
        wrong = [s for s in by_kind.get(kind, []) if s != expected]
        if wrong:
            problems.append(f"{len(wrong)} {kind} deliveries not answered {expected}: {wrong[:5]}")
    stored = WebhookDelivery.objects.count()
    statuses = dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("id")))
    attempts = dict(WebhookDelivery.objects.values_list("attempts").annotate(n=Count("id")))
    if stored != n_valid or statuses != {"processed": n_valid} or attempts != {1: n_valid}:
        problems.append(f"stored {stored}, statuses {statuses}, attempts {attempts}")
    store = redis.Redis.from_url(env["REDIS_URL"])
    spread = {
        tag: int(store.hget(f"bench:tasks:{tag}", "process_delivery") or 0)
        for tag in ("one", "two")
    }
    if min(spread.values()) == 0:
        problems.append(f"the work was not spread over both clusters: {spread}")
    problems += check_final_data(events)[:20]

    latencies = sorted(t for _, _, t in results)
    pct = statistics.quantiles(latencies, n=100)
    print(f"  sent in {sent_in:.1f}s: {len(sends) / sent_in:.0f} requests/s")
    print(
        f"  latency ms: p50 {pct[49] * 1000:.0f}, p95 {pct[94] * 1000:.0f}, p99 {pct[98] * 1000:.0f}"
    )
    print(f"  answers: { {k: sorted(set(v)) for k, v in by_kind.items()} }")
    print(f"  all {n_valid} processed {drained_in:.1f}s after the last answer")
    print(f"  deliveries stored {stored}, statuses {statuses}, attempts {attempts}")
    print(f"  process_delivery runs per cluster: {spread}")
    print(f"  records checked against the newest version: {len(events.expected)}")
    return h.verdict(problems)


if __name__ == "__main__":
    sys.exit(main())
