"""Benchmark: how fast a backlog of webhook deliveries drains (issue 18, point 5).

    .venv/bin/python bench/delivery_backlog.py --backlog 3000 [--runs 2] \
        [--database postgres://.../guide_backlog_bench] [--redis redis://127.0.0.1:6379/12] \
        [--port 8106] [--q-workers 2]

The set-up of bench/receiver_bench.py (its functions are reused): gunicorn, PostgreSQL, and a
realtime `qcluster` (--q-workers workers, at nice 10) on Redis; one tenant with 200 candidates,
applications and guides. Every gunicorn worker and the qcluster are warmed up with 500
deliveries, processed before anything is measured. Then, per run:

1. the qcluster is paused (SIGSTOP: its workers and the tasks already queued wait);
2. --backlog signed candidateStageChange deliveries (each a real, newer stage change) are
   POSTed at concurrency 16: stored and queued, none applied;
3. the qcluster resumes and drains the backlog. Reported: deliveries per second, from the
   first to the last `processed_at` of the backlog (written in the transaction that applies
   each), and the CPU milliseconds per delivery of this benchmark's qcluster processes and of
   the PostgreSQL server (every backend on the machine: other work on it counts too).

Only 127.0.0.1 is contacted; every wait is bounded.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness as h  # noqa: E402
import receiver_bench as rb  # noqa: E402
from http_load import cpu_seconds, run_level  # noqa: E402

SPAN = """
import json
from django.db.models import Count, Max, Min, Q
from integrations.models import WebhookDelivery
rows = WebhookDelivery.objects.filter(pk__gt=AFTER)
print(json.dumps({
    **rows.aggregate(
        total=Count("pk"), processed=Count("pk", filter=Q(status="processed")),
        pending=Count("pk", filter=Q(status__in=["received", "retrying", "processing"]))),
    **{k: v.isoformat() if v else None for k, v in rows.aggregate(
        first=Min("processed_at"), last=Max("processed_at")).items()},
    "max_id": WebhookDelivery.objects.aggregate(m=Max("pk"))["m"] or 0,
}))
"""


def span(env, after: int) -> dict:
    """The deliveries after id `after`: how many, how many processed or pending, and the
    first and last processed_at."""
    out = h.manage(env, "shell", "-c", SPAN.replace("AFTER", str(after)))
    return json.loads(out.strip().splitlines()[-1])


def group_cpu(pgid: int) -> float:
    """CPU seconds used so far by the processes of one process group (this qcluster's),
    with its children that ended (django-q2 recycles a worker after `recycle` tasks)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = 0.0
    for pid in os.listdir("/proc"):
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid:
            used += sum(int(n) for n in fields[11:15]) / tick
    return used


def wait_drained(env, queue: subprocess.Popen, after: int, limit: float = 600) -> dict:
    """Poll (bounded) until no delivery after id `after` is pending."""
    deadline = time.monotonic() + limit
    while True:
        if queue.poll() is not None:
            sys.exit(f"The qcluster stopped (exit {queue.returncode}); see {h.LOGS}.")
        state = span(env, after)
        if state["pending"] == 0 or time.monotonic() > deadline:
            return state
        time.sleep(2)


def one_run(env, args, deliveries: rb.Deliveries, queue: subprocess.Popen) -> dict:
    after = span(env, 0)["max_id"]
    os.killpg(queue.pid, signal.SIGSTOP)
    run_level(args.port, 16, [deliveries.raw() for _ in range(args.backlog)])
    cpu_before, q_before = cpu_seconds(), group_cpu(queue.pid)
    os.killpg(queue.pid, signal.SIGCONT)
    state = wait_drained(env, queue, after)
    cpu_used, q_used = cpu_seconds() - cpu_before, group_cpu(queue.pid) - q_before
    first, last = (rb.datetime.fromisoformat(state[k]) for k in ("first", "last"))
    seconds = (last - first).total_seconds()
    return {
        **state,
        "rate": state["processed"] / seconds if seconds else 0.0,
        "seconds": seconds,
        "qcluster_ms": q_used / max(state["total"], 1) * 1000,
        # polling this script's `manage shell` is not postgres work of the drain, but small
        "postgres_ms": cpu_used["postgres"] / max(state["total"], 1) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    rb.server_arguments(parser, "guide_backlog_bench", 12, 8106)
    parser.add_argument("--q-workers", type=int, default=2, help="qcluster workers")
    parser.add_argument("--q-nice", type=int, default=10)
    parser.add_argument("--applications", type=int, default=200)
    parser.add_argument("--backlog", type=int, default=3000, help="deliveries per run")
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    args.threads = 1
    env = rb.guide_env(args)
    rb.create_database(args.database)
    rb.empty_queue(args.redis)
    h.manage(env, "migrate", "--noinput")
    token, secret = rb.seed(env, args.applications)
    deliveries = rb.Deliveries(secret, args.applications)
    deliveries.path = f"/webhooks/ashby/{token}/"
    processes = rb.start(env, args)
    try:
        run_level(args.port, 16, [deliveries.raw() for _ in range(500)])  # warm-up
        wait_drained(env, processes[1], 0)
        print(
            f"{os.cpu_count()} CPUs, load before: {os.getloadavg()}; qcluster workers "
            f"{args.q_workers} at nice {args.q_nice}; backlog {args.backlog} per run"
        )
        for n in range(1, args.runs + 1):
            r = one_run(env, args, deliveries, processes[1])
            print(
                f"run {n}: {r['processed']} of {r['total']} processed in {r['seconds']:.1f} s "
                f"= {r['rate']:.0f} deliveries/s; CPU per delivery: qcluster "
                f"{r['qcluster_ms']:.2f} ms, postgres (all) {r['postgres_ms']:.2f} ms; "
                f"load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    finally:
        rb.stop(processes)


if __name__ == "__main__":
    main()
