"""Benchmark: the webhook receiver under gunicorn, PostgreSQL and django-q2 on Redis.

    .venv/bin/python bench/receiver_bench.py --requests 3000 --fresh 300 --fresh-rate 10 \
        [--pause-processing] [--database postgres://.../guide_webhooks_bench] \
        [--redis redis://127.0.0.1:6379/11] [--port 8105]

Guide runs as the README says to run it in production: gunicorn (--workers sync workers,
--threads for gthread) on 127.0.0.1:--port, PostgreSQL, and a `qcluster` consuming django-q2's
queue on Redis, started at --q-nice (the README's advice where it shares the web's CPU). The
bench database is recreated; one tenant, its ten webhook rows and --applications candidates
with an application each (and a guide) are created.

1. Acknowledgement: at each of --levels (1, 16, 64 concurrent clients), --requests signed
   candidateStageChange deliveries (a quarter at concurrency 1; each a distinct
   webhookActionId, a real stage change of a stored application) are POSTed to the receiver,
   and as many GET /healthz as the floor, in --rounds alternating batches so that both see the
   same background. The load generator is one asyncio loop sending prepared requests on new
   connections; a request is done when its answer's Content-Length bytes are in. Reported:
   p50 / p99 latency and requests per second of each, the receiver's share of the /healthz
   throughput, and the CPU milliseconds per request of each process kind (from /proc).
   With --pause-processing the qcluster is stopped (SIGSTOP) during these runs: the
   receiver's own cost, as when the qcluster has cores of its own; without it, the qcluster
   drains the growing backlog on the same cores meanwhile.
2. Processing throughput while that backlog drains.
3. Freshness: --fresh deliveries sent at a steady --fresh-rate per second; for each, from the
   delivery's received_at to its processed_at (written in the transaction that applies it),
   p50 / p99, waiting at most 60 s for the queue to drain.

Targets (issue 6): throughput >= 60% of /healthz; p99 ack < 50 ms at concurrency 16;
freshness p99 < 2 s. Only 127.0.0.1 is contacted; every loop is bounded.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
import migrated  # noqa: E402
from http_load import HOST, cpu_seconds, pct, raw_request, run_level  # noqa: E402

ROOT = h.ROOT
PYTHON = h.PYTHON
FIXTURE = ROOT / "tests" / "fixtures" / "ashby" / "webhooks" / "candidateStageChange__default.json"


def create_database(url: str) -> None:
    """Drop and create the bench database (its name must say bench)."""
    server, name = url.rsplit("/", 1)
    if "bench" not in name:
        sys.exit(f"Refusing to recreate {name!r}: the bench database's name must contain 'bench'.")
    h.fresh_database(name, server)


def empty_queue(url: str) -> None:
    """Empty the bench's own Redis database (tasks left by an interrupted run)."""
    import redis

    db = url.rstrip("/").rsplit("/", 1)[-1]
    if not db.isdigit() or db == "0":
        sys.exit("Give --redis a dedicated database index, e.g. redis://127.0.0.1:6379/11.")
    redis.Redis.from_url(url).flushdb()


def guide_env(args) -> dict[str, str]:
    return h.guide_env(
        args.database,
        REDIS_URL=args.redis,
        PUBLIC_BASE_URL=f"http://{HOST}:{args.port}",
        Q_WORKERS=str(args.q_workers),
    )


SEED = """
import json
from django.db import connection
from tenants.models import Tenant
from guides.models import Candidate, Application, InterviewPlan, InterviewStage, Guide
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhook_rows import ensure_subscriptions
from django_q.models import OrmQ, Task
with connection.cursor() as c:
    c.execute("TRUNCATE guides_tenant CASCADE")
Task.objects.all().delete()
tenant = Tenant.objects.create(name="Bench", slug="bench")
plan = InterviewPlan.objects.create(tenant=tenant, external_id="plan-1", title="Plan")
stages = [InterviewStage.objects.create(tenant=tenant, plan=plan, external_id=f"stage-{i}",
          title=f"Stage {i}", order=i) for i in range(3)]
for i in range(N):
    c = Candidate.objects.create(tenant=tenant, external_id=f"cand-{i}", name=f"Candidate {i}")
    Application.objects.create(tenant=tenant, external_id=f"app-{i}", candidate=c,
                               current_stage=stages[0])
    Guide.objects.create(tenant=tenant, candidate=c)
sub = next(s for s in ensure_subscriptions(tenant) if s.event == "candidateStageChange")
print(json.dumps({"token": sub.token, "secret": sub.secret}))
"""


def seed(env: dict[str, str], applications: int) -> tuple[str, str]:
    out = h.manage(env, "shell", "-c", SEED.replace("N)", f"{applications})"))
    row = json.loads(out.strip().splitlines()[-1])
    return row["token"], row["secret"]


def start(env: dict[str, str], args) -> list[subprocess.Popen]:
    """gunicorn and the qcluster, each in its own process group (harness.start: logs in
    test-artifacts/bench/, stopped when this script ends)."""
    threads = ["--threads", str(args.threads)] if args.threads > 1 else []
    web = h.start(
        "webhooks-web",
        [PYTHON, "-m", "gunicorn", "guide_project.wsgi", "-b", f"{HOST}:{args.port}"]
        + ["-w", str(args.workers), *threads, "--log-level", "warning"],
        env,
    )
    queue = h.start(
        "webhooks-qcluster",
        ["nice", "-n", str(args.q_nice), PYTHON, "manage.py", "qcluster"],
        {**env, "LOG_LEVEL": "INFO", "Q_CLUSTER_NAME": "realtime"},  # deliveries only
    )
    h.wait_http(f"http://{HOST}:{args.port}/healthz", web)
    return [web, queue]


def stop(processes: list[subprocess.Popen]) -> None:
    """Stop what this script started; a paused qcluster is woken first to take its SIGTERM."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGCONT)
    h.stop_all()


def request(port: int, method: str, path: str, body: bytes = b"", headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers or {})
        response = conn.getresponse()
        response.read()
        return response.status, response
    finally:
        conn.close()


class Deliveries:
    """Signed candidateStageChange bodies, each a newer change of one of the applications."""

    def __init__(self, secret: str, applications: int) -> None:
        self.template = json.loads(FIXTURE.read_text())
        self.secret = secret.encode()
        self.applications = applications
        self.count = 0
        # Newer than the seeded rows (stored without a time), and in the past: processing
        # refuses an updatedAt more than a day ahead of the clock (a fixed date in 2027 did).
        self.start = datetime.now(UTC) - timedelta(hours=1)

    def next(self) -> tuple[bytes, dict[str, str]]:
        self.count += 1
        n = self.count
        payload = json.loads(json.dumps(self.template))
        payload["webhookActionId"] = str(uuid.uuid4())
        app = payload["data"]["application"]
        app["id"] = f"app-{n % self.applications}"
        app["candidate"]["id"] = f"cand-{n % self.applications}"
        app["updatedAt"] = (self.start + timedelta(milliseconds=n)).isoformat()
        stage = app["currentInterviewStage"]
        stage.update(id=f"stage-{n % 3}", interviewPlanId="plan-1", orderInInterviewPlan=n % 3)
        body = json.dumps(payload, separators=(",", ":")).encode()
        digest = hmac.new(self.secret, body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "Ashby-Signature": f"sha256={digest}"}
        return body, headers

    def raw(self) -> bytes:
        """The next delivery as the bytes of one HTTP request."""
        body, headers = self.next()
        return raw_request("POST", self.path, body, headers)


FRESHNESS = """
import json
from integrations.models import WebhookDelivery
rows = list(WebhookDelivery.objects.filter(webhook_action_id__in=IDS)
            .values_list("status", "received_at", "processed_at"))
print(json.dumps([[s, r.isoformat(), p.isoformat() if p else None] for s, r, p in rows]))
"""


RATE = """
from django.db.models import Max, Min
from integrations.models import WebhookDelivery
done = WebhookDelivery.objects.filter(status="processed")
span = done.aggregate(first=Min("processed_at"), last=Max("processed_at"))
seconds = (span["last"] - span["first"]).total_seconds() if span["first"] else 0
print(f"{done.count() / seconds:.0f} deliveries/s over {done.count()}" if seconds else "n/a")
"""


def processing_rate(env) -> str:
    """Deliveries processed per second while the acknowledgement runs' backlog drained."""
    return h.manage(env, "shell", "-c", RATE).strip().splitlines()[-1]


PENDING = """
from integrations.models import WebhookDelivery
print(WebhookDelivery.objects.filter(status__in=["received", "retrying", "processing"]).count())
"""


def drain(env, queue: subprocess.Popen, limit: float = 300) -> None:
    """Wait (bounded) until the acknowledgement runs' deliveries are all processed."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if queue.poll() is not None:
            sys.exit(f"The qcluster stopped (exit {queue.returncode}); see {h.LOGS}.")
        pending = int(h.manage(env, "shell", "-c", PENDING).strip().splitlines()[-1])
        if pending == 0:
            return
        print(f"  waiting for {pending} deliveries to be processed...", flush=True)
        time.sleep(3)


def freshness(env, port, deliveries: Deliveries, count: int, rate: float):
    """`count` deliveries sent at `rate` per second (a steady flow, as from one busy Ashby
    account); for each, received_at -> processed_at once processed."""
    ids: list[str] = []
    started = time.monotonic()
    for n in range(count):
        time.sleep(max(0.0, started + n / rate - time.monotonic()))
        body, headers = deliveries.next()
        ids.append(json.loads(body)["webhookActionId"])
        request(port, "POST", deliveries.path, body, headers)
    deadline = time.monotonic() + 60
    while True:
        out = h.manage(env, "shell", "-c", FRESHNESS.replace("IDS", json.dumps(ids)))
        rows = json.loads(out.strip().splitlines()[-1])
        done = [r for r in rows if r[0] in ("processed", "failed", "ignored")]
        if len(done) == len(ids) or time.monotonic() > deadline:
            break
        time.sleep(1)
    ages = [
        (datetime.fromisoformat(p) - datetime.fromisoformat(r)).total_seconds()
        for s, r, p in rows
        if s == "processed" and p
    ]
    return ages, len(ids) - len(ages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database", default="postgres://postgres@127.0.0.1:5432/guide_webhooks_bench"
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/11")
    parser.add_argument("--port", type=int, default=8105)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per gunicorn worker (gthread when > 1)"
    )
    parser.add_argument(
        "--q-nice",
        type=int,
        default=10,
        help="niceness of the qcluster (the README's advice when it shares the web's cores)",
    )
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per level")
    parser.add_argument(
        "--levels",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[1, 16, 64],
        help="concurrency levels, in order (default 1,16,64)",
    )
    parser.add_argument("--q-workers", type=int, default=2, help="qcluster workers")
    parser.add_argument("--requests", type=int, default=2000, help="per concurrency level and kind")
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--fresh", type=int, default=300, help="deliveries for freshness")
    parser.add_argument("--fresh-rate", type=float, default=10.0, help="per second")
    parser.add_argument(
        "--pause-processing",
        action="store_true",
        help="pause the qcluster during the acknowledgement runs (receiver cost alone)",
    )
    args = parser.parse_args()
    if not args.database.startswith("postgres"):
        sys.exit("The benchmark needs PostgreSQL (--database postgres://...).")
    env = guide_env(args)
    create_database(args.database)
    empty_queue(args.redis)
    migrated.migrate(env)
    token, secret = seed(env, args.applications)
    deliveries = Deliveries(secret, args.applications)
    deliveries.path = f"/webhooks/ashby/{token}/"
    processes = start(env, args)
    try:
        report(env, args, deliveries, processes)
    except KeyboardInterrupt:
        print("interrupted")
    finally:
        stop(processes)


def report(env, args, deliveries: Deliveries, processes: list[subprocess.Popen]) -> None:
    health = raw_request("GET", "/healthz")
    # Warm up every worker (connections, imports, the remembered row) before measuring.
    run_level(args.port, 16, [deliveries.raw() for _ in range(1000)])
    run_level(args.port, 16, [health] * 1000)
    if args.pause_processing:  # the qcluster's group waits (SIGSTOP) until the backlog phase
        os.killpg(processes[1].pid, signal.SIGSTOP)
    print(
        f"processing {'paused' if args.pause_processing else 'running'} during the ack runs "
        f"(qcluster at nice {args.q_nice}), gunicorn workers={args.workers} "
        f"threads={args.threads}, qcluster workers={args.q_workers}, "
        f"{args.requests} requests per level and kind in {args.rounds} alternating rounds, "
        f"{os.cpu_count()} CPUs\n"
    )
    print(f"{'concurrency':>11} {'kind':>9} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'errors':>6}")
    for concurrency in args.levels:
        total = max(args.requests // (4 if concurrency == 1 else 1), concurrency * args.rounds)
        per_round = total // args.rounds
        results = {"healthz": ([], 0.0, 0), "receiver": ([], 0.0, 0)}
        cpu = {"healthz": Counter(), "receiver": Counter()}
        for _ in range(args.rounds):  # alternate, so both kinds see the same background
            batches = {
                "healthz": [health] * per_round,
                "receiver": [deliveries.raw() for _ in range(per_round)],
            }
            for kind, batch in batches.items():
                before = cpu_seconds()
                latencies, elapsed, errors = run_level(args.port, concurrency, batch)
                cpu[kind].update(cpu_seconds() - before)
                kept, spent, failed = results[kind]
                results[kind] = (kept + latencies, spent + elapsed, failed + errors)
        rates = {}
        for kind, (latencies, elapsed, errors) in results.items():
            rates[kind] = len(latencies) / elapsed
            print(
                f"{concurrency:>11} {kind:>9} {pct(latencies, 0.5) * 1000:>8.1f} "
                f"{pct(latencies, 0.99) * 1000:>8.1f} {rates[kind]:>8.0f} {errors:>6}"
            )
        print(
            f"{'':>11} {'ratio':>9} receiver / healthz throughput = "
            f"{rates['receiver'] / rates['healthz']:.0%}"
        )
        for kind, seconds in cpu.items():
            count = len(results[kind][0])
            spent = ", ".join(f"{name} {s / count * 1000:.2f}" for name, s in seconds.most_common())
            print(f"{'':>11} {kind:>9} CPU ms per request: {spent}")
    if args.pause_processing:
        os.killpg(processes[1].pid, signal.SIGCONT)
    drain(env, processes[1])
    print(f"\nprocessing throughput (qcluster, {args.q_workers} workers): {processing_rate(env)}")
    ages, missing = freshness(env, args.port, deliveries, args.fresh, args.fresh_rate)
    if ages:
        print(
            f"freshness over {len(ages)} deliveries sent at {args.fresh_rate:g}/s: "
            f"p50 {statistics.median(ages) * 1000:.0f} ms, p99 {pct(ages, 0.99) * 1000:.0f} ms"
            f"{f', {missing} not processed in time' if missing else ''}"
        )
    else:
        print("\nfreshness: no delivery was processed in time")


if __name__ == "__main__":
    main()
