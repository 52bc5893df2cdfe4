"""Fault: PostgreSQL stops while Ashby is delivering webhooks, then comes back.

    .venv/bin/python bench/pg_outage.py                  # 60 changes before, 60 during
    .venv/bin/python bench/pg_outage.py --changes 6 --candidates 15 --outage-seconds 2   # the suite's

Guide's database is a private, throwaway PostgreSQL cluster (initdb in a temporary folder,
started with pg_ctl on 127.0.0.1:--pg-port as the postgres user), so stopping it touches no
one else's tests; the shared server on 5432 is never stopped. Guide: gunicorn on
127.0.0.1:--port and two `qcluster`s (realtime, bulk) on the Redis broker. Ashby: the sandbox as its own
gunicorn server (its own SQLite file) plus its webhook sender (`sandbox_deliver --loop`),
with Ashby's retry schedule sped up (SANDBOX_WEBHOOK_TIME_SCALE).

1. Guide syncs the sandbox organisation; the admin's webhooks are created in the sandbox
   (each answers its ping).
2. --changes stage moves and reschedules in the sandbox; all delivered and processed.
3. PostgreSQL stops (pg_ctl stop -m fast). --changes more; the receiver answers 503.
4. PostgreSQL starts again. Ashby's retries deliver everything.

Checks (exit 1 otherwise): answers during the outage were 503 (never another 5xx, never a
crash); every sandbox delivery ends delivered; every one of them is stored once in Guide (by
webhookActionId and action) and processed (none left received or processing; a handler's
own later retry, e.g. an interview whose application no sync has brought yet, is reported).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
import migrated  # noqa: E402


def ops(env, *args: str) -> str:
    return h.sandbox_ops(env, *args)


def sandbox_deliveries(env) -> list[list]:
    return json.loads(ops(env, "deliveries"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--candidates", type=int, default=60)
    parser.add_argument("--port", type=int, default=None, help="default: a free one of 8110-8119")
    parser.add_argument("--sandbox-port", type=int, default=None)
    parser.add_argument("--pg-port", type=int, default=5439)
    parser.add_argument(
        "--redis-db", type=int, default=None, help="default: a free one of 9, 10, 12-14"
    )
    parser.add_argument("--outage-seconds", type=float, default=8)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    args.port = args.port or h.free_port(range(8110, 8120))
    args.sandbox_port = args.sandbox_port or h.free_port(range(args.port + 1, 8120))
    args.redis_url = h.claim_redis_db(args.redis_db)

    pg = h.PrivatePostgres(args.pg_port)
    try:
        pg.init().start()
        return run(args, pg)
    finally:
        h.stop_all()
        from django.db import connections

        connections.close_all()
        pg.destroy()
        h.release_redis_db(args.redis_url)


def start_sandbox(args, guide_url: str) -> dict[str, str]:
    db_path = Path(f"/tmp/guide-bench-outage-sandbox-{args.sandbox_port}.sqlite3")
    db_path.unlink(missing_ok=True)
    env = h.sandbox_env(db_path, SANDBOX_WEBHOOK_TIME_SCALE="0.05")
    migrated.migrate(env)
    h.manage(env, "sandbox_seed", "--candidates", str(args.candidates), "--seed", "4")
    h.gunicorn(env, args.sandbox_port, workers=2, threads=4, name="sandbox")
    return env


def run(args, pg) -> int:
    redis_url = args.redis_url
    guide_url = f"http://127.0.0.1:{args.port}"
    env = h.guide_env(
        f"{pg.url}/postgres",
        REDIS_URL=redis_url,
        Q_WORKERS="2",
        PUBLIC_BASE_URL=guide_url,
        ASHBY_API_URL=f"http://127.0.0.1:{args.sandbox_port}/sandbox/ashby/api",
    )
    migrated.migrate(env)
    sandbox = start_sandbox(args, guide_url)
    h.setup_django(env)
    h.gunicorn(env, args.port, workers=2, threads=4)
    h.qcluster(env, "realtime", "realtime")
    h.qcluster(env, "bulk", "bulk")

    from sync_faults import sync_until_done

    from integrations.models import AshbyConnection, WebhookDelivery
    from integrations.webhook_rows import ensure_subscriptions, receiver_url
    from tenants.models import Tenant

    key = h.manage(sandbox, "sandbox_key", "--name", "outage").strip().splitlines()[-1]
    tenant = Tenant.objects.create(name="Outage", slug="outage")
    connection = AshbyConnection.objects.create(
        tenant=tenant, api_key_encrypted=key, key_last4=key[-4:], key_title="outage"
    )
    runs, seconds = sync_until_done(connection, args.timeout)
    print(f"synced in {seconds:.1f}s ({runs} run)")
    hooks = [
        {"event": s.event, "url": receiver_url(s), "secret": s.secret}
        for s in ensure_subscriptions(tenant)
    ]
    ops(sandbox, "create-webhooks", json.dumps(hooks))
    h.start("sender", [h.PYTHON, "manage.py", "sandbox_deliver", "--loop", "900"], sandbox)

    ops(sandbox, "activity", str(args.changes), "1")
    h.wait_until(
        "the first changes delivered",
        lambda: all(d[2] == "succeeded" for d in sandbox_deliveries(sandbox)),
        args.timeout,
        every=1,
    )
    before = len(sandbox_deliveries(sandbox))
    print(f"before the outage: {before} deliveries, all delivered")

    from django.db import connections

    connections.close_all()
    pg.stop()
    outage_began = time.monotonic()
    ops(sandbox, "activity", str(args.changes), "2")
    h.wait_until(
        "deliveries refused during the outage",
        lambda: sum(1 for d in sandbox_deliveries(sandbox) if d[3]) > before,
        args.timeout,
        every=1,
    )
    time.sleep(max(0.0, args.outage_seconds - (time.monotonic() - outage_began)))
    pg.start()
    print(f"PostgreSQL was down {time.monotonic() - outage_began:.1f}s")

    back = h.wait_until(
        "every delivery delivered after the outage",
        lambda: all(d[2] == "succeeded" for d in sandbox_deliveries(sandbox)),
        args.timeout,
        every=1,
    )
    deliveries = sandbox_deliveries(sandbox)
    # Every stored delivery picked up and processed at least once. A handler may still ask
    # for a retry later (an interview of an application no sync has brought yet): that is
    # the processing's own backoff, not something the outage lost.
    h.wait_until(
        "Guide processed every delivery",
        lambda: not WebhookDelivery.objects.filter(status__in=["received", "processing"]).exists(),
        args.timeout,
    )
    return report(deliveries, back)


def report(deliveries: list[list], back: float) -> int:
    from django.db.models import Count

    from integrations.models import WebhookDelivery

    problems = []
    codes: dict[int, int] = {}
    for _, _, _, attempts in deliveries:
        for code in attempts:
            codes[code] = codes.get(code, 0) + 1
    bad = {c: n for c, n in codes.items() if c not in (200, 503)}
    if bad:
        problems.append(f"answers other than 200 and 503: {bad}")
    if not codes.get(503):
        problems.append("no 503 during the outage")
    sent = {(action_id, action) for action_id, action, _, _ in deliveries}
    stored = list(WebhookDelivery.objects.values_list("webhook_action_id", "action"))
    if len(stored) != len(set(stored)) or set(stored) != sent:
        problems.append(f"sent {len(sent)} distinct, stored {len(stored)} ({len(set(stored))})")
    statuses = dict(WebhookDelivery.objects.values_list("status").annotate(n=Count("id")))
    print(f"answers seen by Ashby: {dict(sorted(codes.items()))}")
    print(f"all {len(deliveries)} delivered {back:.1f}s after PostgreSQL came back")
    print(f"stored in Guide: {len(stored)}, by status {statuses}")
    return h.verdict(problems)


if __name__ == "__main__":
    sys.exit(main())
