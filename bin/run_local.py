"""Run the web server and the two django-q2 clusters (realtime: webhook deliveries; bulk: the
syncs) together; one Ctrl-C stops all three, and so does a SIGTERM or SIGHUP sent to this
process alone (a supervisor, `kill`).

Used by `make run`. Plain subprocesses, so nothing beyond Django and django-q2 is needed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
QUEUES = ("realtime", "bulk")  # tenants/queue.py: REALTIME, BULK


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _cluster(name: str) -> subprocess.Popen:
    """One django-q2 cluster serving the queue `name` (Q_CLUSTER_NAME, as in production)."""
    return subprocess.Popen(
        [PYTHON, "manage.py", "qcluster"], env={**os.environ, "Q_CLUSTER_NAME": name}
    )


def _metrics_directory() -> str:
    """The directory where the web server and both clusters count /metrics together
    (PROMETHEUS_MULTIPROC_DIR): the one given, emptied, since everything starts now; else a
    fresh one, removed at the end."""
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not given:
        return tempfile.mkdtemp(prefix="guide-metrics-")
    Path(given).mkdir(parents=True, exist_ok=True)
    for old in Path(given).glob("*.db"):
        old.unlink()
    return given


def main() -> int:
    # Stop the children on SIGTERM/SIGHUP too; by default those end this process at once and
    # leave the web server and the worker running.
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGHUP, _interrupt)
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", default="8000")
    args = parser.parse_args()
    address = f"127.0.0.1:{args.port}"
    given_metrics_directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_directory()
    print(f"\nGuide is starting on http://{address}/  (sign in as admin / admin; local demo only)")
    print(f"The Ashby sandbox (API keys, webhooks, activity): http://{address}/sandbox/ashby/")
    print(
        f"Metrics for Prometheus: http://{address}/metrics, with the header "
        "'Authorization: Bearer <GUIDE_METRICS_TOKEN from .env>'"
    )
    print("Press Ctrl-C once to stop the web server and the workers.\n", flush=True)
    procs = [subprocess.Popen([PYTHON, "manage.py", "runserver", address, "--noreload"])]
    procs += [_cluster(name) for name in QUEUES]
    try:
        while all(p.poll() is None for p in procs):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for p in procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
        if not given_metrics_directory:
            shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
