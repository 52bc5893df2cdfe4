"""Benchmark: many tenants connecting at once, in production mode (issue 18, point 7).

    .venv/bin/python bench/many_tenants.py                      # 100 tenants, one of 20,000
    .venv/bin/python bench/many_tenants.py --single-queue       # both kinds of task on one queue
    .venv/bin/python bench/many_tenants.py --short              # the suite's version

The Ashby sandbox runs as its own gunicorn (one process, so its partner-wide rate limit is one
window), on its own SQLite file seeded once per size (reused) with --tenants organisations:
one of --big candidates, the others --small (a range) each; every key answers after
--latency-ms and belongs to the partner "Guide", whose keys share
SANDBOX_PARTNER_RATE_LIMIT_PER_MINUTE (--partner-per-minute; default 90% of Guide's budget,
so Guide running flat out meets a partner-scope 429 near the end of each minute). The sandbox
logs every request's arrival (SANDBOX_REQUEST_LOG), so requests, 429s and calls made during a
partner pause are counted from Ashby's side.

Guide runs as in production: gunicorn, PostgreSQL (--database, recreated), Redis, a realtime
and a bulk `qcluster` (bench/tagged_qcluster.py), GUIDE_ASHBY_MAX_RPS=--max-rps. With
--single-queue one cluster serves both kinds of task (as many workers as the two had).
Every tenant connects at once (connect_ashby, as the Connect dialog calls it); meanwhile a
steady --webhook-rate of signed candidateStageChange deliveries goes to the receiver for
random stored applications of every tenant, for --duration seconds. Then the realtime
cluster is paused while --backlog deliveries arrive, and resumed: the drain rate.

Reported: time to every tenant's first guide and full sync, the same for the big company,
webhook freshness (sent -> delivery applied) p50/p99 during the big sync and after,
requests to Ashby against the budget, 429s, calls during a partner pause, the drain rate,
and each process's peak RSS. The script checks its own outcome (FAIL lines, exit 1) on what
must hold whatever the machine: every sync succeeded, every delivery was applied once.
Targets (issue 18), compared in the report: freshness p99 < 2 s during the syncs; the big
company's first guide < 10 s after Connect and its full sync < 3 min; no call during a
partner pause; each worker < 300 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
import many_tenants_parts as parts  # noqa: E402
import many_tenants_report as reporting  # noqa: E402

SHORT = {
    "tenants": 4,
    "big": 300,
    "small": (30, 60),
    "latency_ms": 20,
    "duration": 6.0,
    "webhook_rate": 8.0,
    "backlog": 80,
    "max_rps": 40.0,
    "timeout": 120.0,
}


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add = parser.add_argument
    add("--tenants", type=int, default=100, help="organisations in the sandbox, one per tenant")
    add("--big", type=int, default=20000, help="candidates of the big company")
    add("--small", type=lambda t: tuple(int(n) for n in t.split(",")), default=(200, 2000))
    add("--latency-ms", type=int, default=150, help="the sandbox's latency per call")
    add("--duration", type=float, default=180.0, help="seconds of the webhook stream")
    add("--webhook-rate", type=float, default=5.0, help="deliveries per second in the stream")
    add("--backlog", type=int, default=1000, help="deliveries of the drain measurement")
    add("--max-rps", type=float, default=20.0, help="GUIDE_ASHBY_MAX_RPS")
    add("--partner-per-minute", type=int, help="the sandbox's partner limit (default 90%%)")
    add("--realtime-workers", type=int, default=2)
    add("--bulk-workers", type=int, default=2)
    add("--single-queue", action="store_true", help="one cluster serves both kinds of task")
    add("--timeout", type=float, default=1200.0, help="seconds to wait for every sync")
    add("--database", default="guide_bench", help="PostgreSQL database (recreated)")
    add("--redis-db", type=int, help="Redis database (default: a free one of harness')")
    add("--seed", type=int, default=1)
    add("--short", action="store_true", help="a small, quick version (the suite's)")
    args = parser.parse_args()
    if args.short:
        for name, value in SHORT.items():
            setattr(args, name, value)
    if "bench" not in args.database:
        sys.exit("Refusing to recreate a database whose name does not contain 'bench'.")
    if args.partner_per_minute is None:
        args.partner_per_minute = int(args.max_rps * 60 * 0.9)
    return args


def company_sizes(args) -> list[int]:
    rng = random.Random(args.seed)
    low, high = args.small
    return [args.big] + [rng.randint(low, high) for _ in range(args.tenants - 1)]


def prepare_sandbox(args, port: int, log: Path):
    """The seeded sandbox file (once per size), fresh keys, and its server."""
    sizes = company_sizes(args)
    # Seeded again when the size or the sandbox's schema or seeder changes.
    code = h.source_hash("ashby_sandbox/migrations/*.py", "ashby_sandbox/seed*.py")
    tag = f"{args.tenants}-{args.big}-{args.small[0]}-{args.small[1]}-{args.seed}-{code}"
    db_path = Path(f"/tmp/bench-many-{tag}.sqlite3")
    env = h.sandbox_env(
        db_path,
        SANDBOX_PARTNER_RATE_LIMIT_PER_MINUTE=str(args.partner_per_minute),
        SANDBOX_REQUEST_LOG=str(log),
    )
    marker = db_path.with_suffix(".seeded")
    names = [f"Company {n:03d}" for n in range(len(sizes))]
    if not marker.exists():
        db_path.unlink(missing_ok=True)
        parts.say(f"seeding the sandbox: {sum(sizes):,} candidates in {len(sizes)} companies")
        h.manage(env, "migrate", "--noinput")
        spec = [
            {"name": name, "candidates": size, "seed": 100 + n}
            for n, (name, size) in enumerate(zip(names, sizes, strict=True))
        ]
        began = time.monotonic()
        h.sandbox_ops(env, "seed-organisations", json.dumps(spec), timeout=3600)
        parts.say(f"seeded in {time.monotonic() - began:.0f} s")
        marker.write_text("ok")
    spec = {"names": names, "latency_ms": args.latency_ms, "partner": "Guide"}
    secrets = json.loads(h.sandbox_ops(env, "keys", json.dumps(spec)).strip().splitlines()[-1])
    log.unlink(missing_ok=True)
    server = h.start(
        "many-sandbox",
        [h.PYTHON, "-m", "gunicorn", "guide_project.wsgi", "-b", f"127.0.0.1:{port}"]
        + ["-w", "1", "--threads", "48", "--timeout", "300", "--graceful-timeout", "3"]
        + ["--log-level", "warning"],
        env,
    )
    h.wait_http(f"http://127.0.0.1:{port}/healthz", server)
    return server, [(name, size, secrets[name]) for name, size in zip(names, sizes, strict=True)]


def guide_env(args, db_url: str, redis_url: str, web: int, sandbox: int) -> dict[str, str]:
    workers = args.realtime_workers + (args.bulk_workers if args.single_queue else 0)
    return h.guide_env(
        db_url,
        REDIS_URL=redis_url,
        PUBLIC_BASE_URL=f"http://127.0.0.1:{web}",
        ASHBY_API_URL=f"http://127.0.0.1:{sandbox}/sandbox/ashby/api",
        GUIDE_ASHBY_MAX_RPS=str(args.max_rps),
        Q_REALTIME_WORKERS=str(workers),
        Q_BULK_WORKERS=str(args.bulk_workers),
        BENCH_SINGLE_QUEUE="1" if args.single_queue else "0",
    )


def start_guide(args, env: dict[str, str], port: int) -> dict[str, object]:
    """gunicorn and the clusters; returns them by role (for RSS and the pause)."""
    roles = {"web (gunicorn)": h.gunicorn(env, port, workers=3, threads=4, name="many-web")}
    roles["realtime cluster"] = h.qcluster(env, "realtime", "realtime")
    if not args.single_queue:
        roles["bulk cluster"] = h.qcluster(env, "bulk", "bulk")
    return roles


def main() -> int:
    args = options()
    web_port = h.free_port(range(8151, 8160))
    sandbox_port = h.free_port(range(web_port + 1, 8160))
    redis_url = h.claim_redis_db(args.redis_db)
    request_log = h.LOGS / f"many-sandbox-requests-{os.getpid()}.jsonl"
    h.LOGS.mkdir(parents=True, exist_ok=True)
    mode = "single queue" if args.single_queue else "split queues"
    parts.say(f"{mode}; load before: {parts.uptime()}")
    sandbox, companies = prepare_sandbox(args, sandbox_port, request_log)
    db_url = h.migrated_database(
        args.database, lambda url: guide_env(args, url, redis_url, web_port, sandbox_port)
    )
    env = guide_env(args, db_url, redis_url, web_port, sandbox_port)
    h.setup_django(env)
    if args.single_queue:
        import tagged_qcluster

        tagged_qcluster.single_queue()
    parts.fresh_schedules()
    tenants = parts.create_tenants(companies)
    parts.say(f"{len(tenants)} tenants created; starting gunicorn and the clusters")
    roles = start_guide(args, env, web_port)
    roles["sandbox (gunicorn)"] = sandbox
    memory = parts.Memory(roles)
    parts.say("every tenant connects now")
    try:
        result = parts.run(args, tenants, web_port, roles, memory)
    finally:
        memory.stop()
        parts.resume(roles["realtime cluster"])
        for role, process in roles.items():  # idle by now: no graceful 20 s wait each
            if "cluster" in role:
                h.stop(process, signal.SIGKILL)
        h.stop_all()
        h.release_redis_db(redis_url)
        parts.say("every process stopped")
    result["sandbox"] = reporting.sandbox_side(request_log, args.max_rps)
    result["memory"] = memory.peaks()
    reporting.report(args, mode, result)
    return h.verdict(reporting.problems(result), "OK")


if __name__ == "__main__":
    sys.exit(main())
