"""Benchmark: a full, then an incremental, sync of one tenant from the Ashby sandbox over HTTP.

    DATABASE_URL=sqlite:////tmp/bench-guide.sqlite3 .venv/bin/python bench/sync_bench.py --candidates 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide_bench .venv/bin/python bench/sync_bench.py --candidates 20000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide_bench .venv/bin/python bench/sync_bench.py --candidates 20000 --latency-ms 150

The sandbox runs as its own server process (gunicorn, on --port) with its own SQLite file,
seeded once per (--candidates, --seed) and reused unless --reseed (each run changes 1% of it,
so figures for the record use --reseed); its rate limit is lifted so the figures
measure Guide and the sandbox, not a throttle. This process is the Guide worker: it migrates
and empties DATABASE_URL, then runs `integrations.sync_runs.run_sync_to_end`: the slices the tasks
would run, one after another.

Reported per sync: records fetched (list items plus the events embedded in schedules), wall
time, time spent waiting on HTTP (measured around every request, apart), Guide's own time
(wall minus HTTP wait) and the records per second of each, queries per page for each resource
(mean and max over its pages), and the worker's peak RSS. Then 1% of the candidates'
applications move stage and 1% of the schedules are rescheduled in the sandbox, and an
incremental sync runs.

With --latency-ms the sandbox answers every call that much later (its key's fault injection),
as Ashby's real latency would; the figures then show what fetching side by side (the tenant's
GUIDE_ASHBY_TENANT_CONCURRENCY) and the order of the passes give: the time from the start of
the sync to its first guide (the first page that made guides, timed when it was stored) and to
its end. With concurrent fetches the HTTP wait overlaps itself and Guide's work, so "Guide's
own" time (wall minus HTTP wait) is then only a lower bound.

Targets (issue 5): >= 2,000 records/s of Guide's own processing time; peak RSS < 300 MB;
queries per page independent of page size (compare --page-size 10 and 100).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
import migrated  # noqa: E402

ROOT = h.ROOT
PYTHON = h.PYTHON


def prepare_sandbox(args) -> tuple[subprocess.Popen, str, dict[str, str]]:
    db_path = Path(
        args.sandbox_db or f"/tmp/guide-bench-sandbox-{args.candidates}-{args.seed}.sqlite3"
    )
    env = h.sandbox_env(db_path)
    marker = db_path.with_suffix(".seeded")
    if args.reseed or not marker.exists():
        for stale in (db_path, marker):
            stale.unlink(missing_ok=True)
        print(f"Seeding the sandbox with {args.candidates} candidates (once)...", flush=True)
        migrated.migrate(env)
        started = time.monotonic()
        h.manage(
            env, "sandbox_seed", "--candidates", str(args.candidates), "--seed", str(args.seed)
        )
        print(f"  seeded in {time.monotonic() - started:.0f}s", flush=True)
        marker.write_text("ok")
    faults = ["--latency-ms", str(args.latency_ms)] if args.latency_ms else []
    key = h.manage(
        env, "sandbox_key", "--name", f"bench-{time.time():.0f}", "--permissions", "guide", *faults
    )
    key = key.strip().splitlines()[-1]
    server = h.start(
        "sync-sandbox",
        [PYTHON, "-m", "gunicorn", "guide_project.wsgi", "-b", f"127.0.0.1:{args.port}"]
        + ["-w", str(args.sandbox_workers), "--threads", "4", "--timeout", "300"]
        + ["--log-level", "warning"],
        env,
    )
    h.wait_http(f"http://127.0.0.1:{args.port}/healthz", server)
    return server, key, env


def change_one_percent(env: dict[str, str], share: float) -> int:
    """Move `share` of the applications to their next stage and reschedule `share` of the
    schedules, inside the sandbox (its own process and database)."""
    code = f"""
import datetime as dt
from ashby_sandbox import activity, models as m
# Applications Guide can see (not on a confidential job) that can move one stage on.
movable = m.Application.objects.filter(
    status="Active", job__confidential=False, stage__type__in=["Lead", "PreInterviewScreen", "Active"]
)
scheduled = m.InterviewSchedule.objects.filter(status="Scheduled", application__job__confidential=False)
n_apps = max(1, int(m.Application.objects.count() * {share}))
n_scheds = max(1, int(m.InterviewSchedule.objects.count() * {share}))
moved = 0
for app_id in movable.order_by("updated_seq").values_list("id", flat=True)[: n_apps * 2]:
    if moved == n_apps:
        break
    try:
        activity.move_stage(app_id)
        moved += 1
    except activity.ActivityError:
        pass
start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
sched_ids = list(scheduled.order_by("updated_seq").values_list("id", flat=True)[:n_scheds])
for sched_id in sched_ids:
    activity.reschedule_interview(sched_id, start)
print(moved, len(sched_ids))
print(moved + len(sched_ids))
"""
    return int(h.manage(env, "shell", "-c", code).strip().splitlines()[-1])


def setup_guide(api_url: str, page_size: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide_project.settings")
    os.environ["GUIDE_ENV_FILE"] = ""
    os.environ["ASHBY_API_URL"] = api_url
    os.environ["ASHBY_SANDBOX"] = "false"
    os.environ.setdefault("SECRET_KEY", "bench-guide-secret-key-" + "y" * 40)
    os.environ.setdefault("GUIDE_ENCRYPTION_KEYS", h.TEST_FERNET_KEY)
    os.environ["GUIDE_SYNC_PAGE_SIZE"] = str(page_size)
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)


class Meter:
    """HTTP wait time (around each request) and queries per page per resource."""

    def __init__(self) -> None:
        self.http_seconds = 0.0
        self.requests = 0
        self.queries: dict[str, list[int]] = defaultdict(list)
        self.embedded = 0  # interview events embedded in the schedules fetched
        self.started = 0.0
        self.first_guide: float | None = None  # seconds from the start to the first guides

    def session(self):
        import requests

        meter = self

        class TimedSession(requests.Session):
            def request(self, *args, **kwargs):
                started = time.perf_counter()
                try:
                    return super().request(*args, **kwargs)
                finally:
                    meter.http_seconds += time.perf_counter() - started
                    meter.requests += 1

        return TimedSession()

    def instrument(self) -> None:
        """Count the queries of every page's store (the per-page work)."""
        from django.db import connection

        from integrations.ashby import resources as sync_resources

        def counting(name, store):
            def wrapped(ctx, records, counts):
                calls = [0]

                def count(execute, sql, params, many, context):
                    calls[0] += 1
                    return execute(sql, params, many, context)

                with connection.execute_wrapper(count):
                    store(ctx, records, counts)
                self.queries[name].append(calls[0])
                self.embedded += sum(len(r.get("interviewEvents") or []) for r in records)

            return wrapped

        sync_resources.RESOURCES = tuple(
            sync_resources.Resource(
                r.name,
                r.endpoint,
                r.body,
                counting(r.name, r.store),
                r.model,
                r.on_missing,
                r.fetch,
            )
            for r in sync_resources.RESOURCES
        )
        if hasattr(sync_resources, "BY_NAME"):  # the engine of issue 18 looks resources up
            sync_resources.BY_NAME = {r.name: r for r in sync_resources.RESOURCES}
        self.time_first_guide()

    def time_first_guide(self) -> None:
        """Note when the first page that made guides was stored (ensure_guides' first
        creation, in that page's transaction, committed with it)."""
        from integrations.ashby import storing

        ensure = storing.ensure_guides
        meter = self

        def timed(tenant, candidate_ids):
            created = ensure(tenant, candidate_ids)
            if created and meter.first_guide is None:
                meter.first_guide = time.perf_counter() - meter.started
            return created

        storing.ensure_guides = timed


def run_once(label: str, connection_id: int, key: str, meter: Meter) -> dict:
    from guides import models as g
    from integrations import sync_runs
    from integrations.ashby.client import AshbyClient
    from integrations.models import SyncRun

    # The code before issue 18 ran a whole sync in one call.
    run_sync_to_end = getattr(sync_runs, "run_sync_to_end", sync_runs.run_queued_sync)

    meter.http_seconds, meter.requests, meter.embedded = 0.0, 0, 0
    meter.first_guide = None
    meter.queries.clear()
    client = AshbyClient(key, session=meter.session())
    started, cpu_started = time.perf_counter(), time.process_time()
    meter.started = started
    run = run_sync_to_end(connection_id, client=client)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    assert run is not None and run.status == SyncRun.Status.SUCCEEDED, run and run.error
    fetched = run.total("fetched")
    records = fetched + meter.embedded
    own = max(wall - meter.http_seconds, 1e-9)
    return {
        "label": label,
        "fetched": fetched,
        "records": records,
        "written": run.total("created") + run.total("updated"),
        "pages": run.total("pages"),
        "requests": meter.requests,
        "wall": wall,
        "first_guide": meter.first_guide,
        "slices": getattr(run, "slices", 1),
        "http": meter.http_seconds,
        "own": own,
        "own_rate": records / own,
        "cpu": cpu,
        "cpu_rate": records / max(cpu, 1e-9),
        "load": os.getloadavg()[0],
        "e2e_rate": records / wall,
        "queries": {name: (sum(q) / len(q), max(q)) for name, q in meter.queries.items() if q},
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "progress": {
            name: {
                k: v for k, v in counts.items() if k in ("fetched", "created", "updated", "deleted")
            }
            for name, counts in run.progress.items()
            if counts.get("fetched")
        },
        "rows": {
            "candidates": g.Candidate.objects.count(),
            "applications": g.Application.objects.count(),
            "schedules": g.InterviewSchedule.objects.count(),
            "events": g.InterviewEvent.objects.count(),
            "guides": g.Guide.objects.count(),
        },
    }


def report(result: dict) -> None:
    print(f"\n## {result['label']} sync")
    print(
        f"records {result['records']} ({result['fetched']} list items"
        f"{', plus embedded events' if result['records'] != result['fetched'] else ''}), "
        f"{result['written']} rows created/updated, {result['pages']} pages, {result['requests']} requests"
    )
    first = result["first_guide"]
    print(
        f"first guides {first:.1f}s after the start, " if first is not None else "no new guide, ",
        f"complete after {result['wall']:.1f}s ({result['slices']} slice(s))",
        sep="",
    )
    print(
        f"wall {result['wall']:.1f}s, HTTP wait {result['http']:.1f}s, Guide's own {result['own']:.1f}s"
    )
    print(
        f"Guide's own rate {result['own_rate']:,.0f} records/s; end-to-end {result['e2e_rate']:,.0f} records/s"
    )
    print(
        f"worker CPU {result['cpu']:.1f}s ({result['cpu_rate']:,.0f} records/s of CPU); "
        f"load average {result['load']:.1f} on {os.cpu_count()} cores"
    )
    print(f"peak RSS {result['peak_rss_mb']:.0f} MB; rows now {result['rows']}")
    print(f"per resource: {result['progress']}")
    print(
        "queries per page (mean / max): "
        + ", ".join(f"{name} {mean:.1f}/{top}" for name, (mean, top) in result["queries"].items())
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--candidates", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, default=8103)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="the sandbox's added latency per call"
    )
    parser.add_argument(
        "--sandbox-workers", type=int, default=1, help="gunicorn processes of the sandbox"
    )
    parser.add_argument(
        "--changed", type=float, default=0.01, help="share changed before the incremental sync"
    )
    parser.add_argument(
        "--sandbox-db", help="the sandbox's SQLite file (default under /tmp, reused)"
    )
    parser.add_argument(
        "--reseed", action="store_true", help="seed the sandbox afresh (each run changes it)"
    )
    args = parser.parse_args()

    server, key, env = prepare_sandbox(args)
    try:
        setup_guide(f"http://127.0.0.1:{args.port}/sandbox/ashby/api", args.page_size)
        from django.conf import settings
        from django.db import connection

        from integrations.models import AshbyConnection
        from tenants.services import create_tenant

        print(
            f"Guide database: {connection.vendor}; page size {args.page_size}; "
            f"sandbox latency {args.latency_ms} ms a call; "
            f"GUIDE_ASHBY_TENANT_CONCURRENCY {settings.GUIDE_ASHBY_TENANT_CONCURRENCY}, "
            f"GUIDE_ASHBY_MAX_RPS {settings.GUIDE_ASHBY_MAX_RPS}; load {os.getloadavg()}"
        )
        print(f"baseline RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        tenant, _ = create_tenant("Bench", admin_username="bench-admin")
        ashby = AshbyConnection(tenant=tenant, key_title="bench")
        ashby.api_key = key
        ashby.save()
        meter = Meter()
        meter.instrument()

        report(run_once("full", ashby.pk, key, meter))
        changed = change_one_percent(env, args.changed)
        print(f"\n{changed} records changed in the sandbox")
        report(run_once("incremental", ashby.pk, key, meter))
    finally:
        h.stop(server)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
