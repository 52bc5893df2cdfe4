"""bin/run_local.py (`make run`): stopping it stops the web server and the two clusters it
started (realtime and bulk)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(n) for n in (task / "children").read_text().split()]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _all_three_started(pid: int) -> bool:
    """The server and both clusters are running their own programs: a child read between
    fork and exec still shows the runner's environment, without the metrics directory."""
    children = _children(pid)
    return len(children) == 3 and all(_metrics_directory(c) for c in children)


def _metrics_directory(pid: int) -> str:
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    found = [v for v in environ if v.startswith(b"PROMETHEUS_MULTIPROC_DIR=")]
    return found[0].split(b"=", 1)[1].decode() if found else ""


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads child processes from /proc")
def test_a_sigterm_to_the_runner_alone_stops_the_server_and_both_clusters(tmp_path):
    """(SIGHUP takes the same handler.) About 10 s: the qcluster stops gracefully."""
    env = {
        **os.environ,
        "GUIDE_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "guide_project.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DEBUG": "true",
        "SECRET_KEY": "run-local-test-" + "x" * 40,
        "GUIDE_ENCRYPTION_KEYS": "feRno68qtZ-Sm836THoO_GbI2wuzOl8kz5Fk7_Xqc6E=",
        "REDIS_URL": "",
    }
    runner = subprocess.Popen(
        [sys.executable, "bin/run_local.py", "--port", str(_free_port())],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not _all_three_started(runner.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        children = _children(runner.pid)
        assert len(children) == 3
        # All three count metrics in one directory the runner made (docs/metrics.md).
        directories = {_metrics_directory(c) for c in children}
        assert len(directories) == 1
        (directory,) = directories
        assert directory and Path(directory).is_dir()
        time.sleep(1)  # let all three start their own signal handling

        runner.send_signal(signal.SIGTERM)

        assert runner.wait(timeout=20) == 0
        deadline = time.monotonic() + 10
        while any(_alive(c) for c in children) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [c for c in children if _alive(c)]
        assert not Path(directory).exists()  # a directory of its own is removed at the end
    finally:
        with contextlib.suppress(ProcessLookupError):  # whatever is left of its group
            os.killpg(runner.pid, signal.SIGKILL)
