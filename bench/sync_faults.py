"""Faults during a full sync: Ashby failing and slow, and the worker killed mid-sync.

    .venv/bin/python bench/sync_faults.py                  # both scenarios, 300 candidates
    .venv/bin/python bench/sync_faults.py --scenario faults --candidates 40 --latency-ms 5   # the suite's

The Ashby sandbox runs as its own gunicorn server (127.0.0.1:--port, its own SQLite file,
seeded once per --candidates). Guide runs on PostgreSQL (a fresh database on the shared
server, dropped at the end) with one bulk `qcluster` on the Redis broker (redis db --redis-db).
Three tenants sync the same sandbox organisation, each with its own key:

- clean: no faults; its data is the reference;
- faults: a key with the sandbox's fault injection (`sandbox_key --error-rate 0.1
  --rate-limit-rate 0.05 --latency-ms N`: 10% 5xx, 5% 429, every answer slowed);
- killed: the worker is killed (SIGKILL, its whole process group) once the sync has stored
  part of the data, and a new worker is started; Guide's scheduled sync would then find the
  run stale (GUIDE_SYNC_STALE_MINUTES, set to 1 here) and start one that resumes: the bench
  plays the scheduler, requesting a sync every few seconds, until a run succeeds.

Each tenant's synced data (every synced model, keyed by Ashby id, relations by Ashby id) must
equal the clean tenant's. Exit 1 on any difference or timeout.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
import migrated  # noqa: E402

SKIP_FIELDS = {"id", "tenant", "synced_at"}


def start_sandbox(args) -> tuple:
    db_path = Path(f"/tmp/guide-bench-faults-sandbox-{args.candidates}-{args.port}.sqlite3")
    env = h.sandbox_env(db_path)
    marker = db_path.with_suffix(".seeded")
    # Seeded by today's sandbox: its migrations and seeder are part of the marker.
    seeded_by = h.source_hash("ashby_sandbox/migrations/*.py", "ashby_sandbox/seed*.py")
    if not marker.exists() or marker.read_text() != seeded_by:
        db_path.unlink(missing_ok=True)
        migrated.migrate(env)
        h.manage(env, "sandbox_seed", "--candidates", str(args.candidates), "--seed", "5")
        marker.write_text(seeded_by)
    server = h.gunicorn(env, args.port, workers=3, threads=8, name="sandbox")
    return server, env


def sandbox_key(env, name: str, *faults: str) -> str:
    out = h.manage(env, "sandbox_key", "--name", name, "--permissions", "guide", *faults)
    return out.strip().splitlines()[-1]


def synced_models():
    from django.apps import apps

    return [
        m
        for m in apps.get_app_config("guides").get_models()
        if any(f.name == "external_id" for f in m._meta.fields)
    ]


def data_of(tenant) -> dict:
    """The tenant's synced data, independent of database ids."""
    result = {}
    for model in synced_models():
        rows = {}
        for row in model.objects.filter(tenant=tenant):
            values = {}
            for field in model._meta.concrete_fields:
                if field.name in SKIP_FIELDS:
                    continue
                if field.is_relation:
                    related = getattr(row, field.name)
                    values[field.name] = getattr(related, "external_id", None)
                else:
                    values[field.name] = field.value_from_object(row)
            for m2m in model._meta.many_to_many:
                values[m2m.name] = sorted(o.external_id for o in getattr(row, m2m.name).all())
            rows[row.external_id] = values
        result[model._meta.label] = rows
    return result


def diff(reference: dict, other: dict) -> list[str]:
    problems = []
    for label, rows in reference.items():
        theirs = other.get(label, {})
        if set(rows) != set(theirs):
            missing, extra = set(rows) - set(theirs), set(theirs) - set(rows)
            problems.append(f"{label}: {len(missing)} missing, {len(extra)} extra")
            continue
        changed = [key for key in rows if rows[key] != theirs[key]]
        if changed:
            key = changed[0]
            problems.append(f"{label}: {len(changed)} differ, e.g. {rows[key]} vs {theirs[key]}")
    return problems


def connect(name: str, key: str):
    from integrations.models import AshbyConnection
    from tenants.models import Tenant

    tenant = Tenant.objects.create(name=name, slug=name.lower())
    connection = AshbyConnection.objects.create(
        tenant=tenant,
        api_key_encrypted=key,
        key_title=name,
        key_last4=key[-4:],
        permissions=["candidatesRead", "jobsRead", "interviewsRead", "organizationRead"],
    )
    return tenant, connection


def latest_run(connection):
    from integrations.models import SyncRun

    return SyncRun.objects.filter(connection=connection).order_by("-requested_at", "-id").first()


def sync_until_done(connection, timeout: float, *, every: float = 5.0) -> tuple[int, float]:
    """Request syncs (as the schedule would) until one succeeds; returns (runs, seconds)."""
    from integrations.sync_runs import request_sync

    began = time.monotonic()
    request_sync(connection.pk, full=True, reason="bench")
    last_request = time.monotonic()
    while time.monotonic() - began < timeout:
        run = latest_run(connection)
        if run is not None and run.status == "succeeded":
            runs = connection.sync_runs.count()
            return runs, time.monotonic() - began
        if (
            run is not None
            and run.status in ("failed", "cancelled")
            or (time.monotonic() - last_request > every)
        ):
            request_sync(connection.pk, reason="bench retry")
            last_request = time.monotonic()
        time.sleep(0.5)
    sys.exit(f"{connection.tenant.name}: no successful sync within {timeout:.0f}s")


def kill_mid_sync(args, env, worker, connection) -> tuple:
    from guides.models import Candidate
    from integrations.sync_runs import request_sync

    request_sync(connection.pk, full=True, reason="bench")
    h.wait_until(
        "part of the data stored",
        lambda: Candidate.objects.filter(tenant=connection.tenant).count() >= 10,
        args.timeout,
        every=0.1,
    )
    stored = Candidate.objects.filter(tenant=connection.tenant).count()
    h.stop(worker, sig=signal.SIGKILL)
    run = latest_run(connection)
    print(f"  killed the worker with {stored} candidates stored (run {run.pk}: {run.status})")
    worker = h.qcluster(env, "restarted", "bulk")
    runs, seconds = sync_until_done(connection, args.timeout)
    return worker, runs, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", choices=["faults", "kill", "both"], default="both")
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--port", type=int, default=None, help="default: a free one of 8110-8119")
    parser.add_argument(
        "--redis-db", type=int, default=None, help="default: a free one of 9, 10, 12-14"
    )
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    args.port = args.port or h.free_port(range(8110, 8120))
    db_name = f"guide_bench_faults_{args.port}"
    redis_url = h.claim_redis_db(args.redis_db)
    sandbox, sandbox_environment = start_sandbox(args)
    env = h.guide_env(
        h.fresh_database(db_name),
        REDIS_URL=redis_url,
        Q_WORKERS="1",
        ASHBY_API_URL=f"http://127.0.0.1:{args.port}/sandbox/ashby/api",
        GUIDE_SYNC_STALE_MINUTES="1",
    )
    migrated.migrate(env)
    h.setup_django(env)
    worker = h.qcluster(env, "worker", "bulk")
    try:
        return run(args, env, sandbox_environment, worker)
    finally:
        from django.db import connections

        h.stop_all()
        connections.close_all()
        h.drop_database(db_name)
        h.release_redis_db(redis_url)


def run(args, env, sandbox_environment, worker) -> int:
    problems = []
    clean_tenant, clean = connect("Clean", sandbox_key(sandbox_environment, "clean"))
    runs, seconds = sync_until_done(clean, args.timeout)
    reference = data_of(clean_tenant)
    counts = {label.split(".")[1]: len(rows) for label, rows in reference.items()}
    print(f"clean: {runs} run(s), {seconds:.1f}s; records {counts}")

    if args.scenario in ("faults", "both"):
        faults = ["--error-rate", "0.1", "--rate-limit-rate", "0.05"]
        faults += ["--latency-ms", str(args.latency_ms)]
        tenant, connection = connect("Faults", sandbox_key(sandbox_environment, "faults", *faults))
        runs, seconds = sync_until_done(connection, args.timeout)
        print(f"faults (10% 5xx, 5% 429, +{args.latency_ms} ms): {runs} run(s), {seconds:.1f}s")
        problems += [f"faults: {p}" for p in diff(reference, data_of(tenant))]

    if args.scenario in ("kill", "both"):
        slow = ["--latency-ms", str(args.latency_ms)]
        tenant, connection = connect("Killed", sandbox_key(sandbox_environment, "killed", *slow))
        worker, runs, seconds = kill_mid_sync(args, env, worker, connection)
        statuses = list(connection.sync_runs.order_by("id").values_list("status", flat=True))
        print(f"killed: completed {seconds:.1f}s after the kill; runs {statuses}")
        problems += [f"killed: {p}" for p in diff(reference, data_of(tenant))]

    return h.verdict(problems, ok="OK: the same data as the clean sync")


if __name__ == "__main__":
    sys.exit(main())
