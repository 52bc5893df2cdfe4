"""Shared plumbing of the load and fault benchmarks: production-settings environments,
gunicorn and qcluster processes, PostgreSQL databases (on the shared server, or a private
throwaway cluster that may be stopped), the Ashby sandbox as its own server, and polling.

Everything listens on 127.0.0.1 only; every loop is bounded by a deadline.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
TEST_FERNET_KEY = "feRno68qtZ-Sm836THoO_GbI2wuzOl8kz5Fk7_Xqc6E="
SHARED_PG = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
LOGS = ROOT / "test-artifacts" / "bench"


def guide_env(database_url: str, **extra: str) -> dict[str, str]:
    """The environment of a production-settings Guide process (DEBUG off, plain http)."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "GUIDE_ENV_FILE": "",
        "DJANGO_SETTINGS_MODULE": "guide_project.settings",
        "DEBUG": "false",
        "SECRET_KEY": "bench-secret-key-" + "k" * 50,
        "GUIDE_ENCRYPTION_KEYS": TEST_FERNET_KEY,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "ASHBY_SANDBOX": "false",
        "LOG_LEVEL": "WARNING",
        "CONN_MAX_AGE": "60",
        # The figures before the shared budget were taken uncapped; a benchmark of the budget
        # sets its own cap.
        "GUIDE_ASHBY_MAX_RPS": "0",
    }
    env.update(extra)
    return env


def sandbox_env(db_path: Path, **extra: str) -> dict[str, str]:
    """The Ashby sandbox as its own server, on its own SQLite file (never Guide's database)."""
    return guide_env(
        f"sqlite:///{db_path}",
        ASHBY_SANDBOX="true",
        SANDBOX_RATE_LIMIT_PER_MINUTE="100000000",
        SANDBOX_WEBHOOK_SENDER="manual",
        **extra,
    )


def setup_django(env: dict[str, str]) -> None:
    """Configure this (driver) process like the servers, then django.setup()."""
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def manage(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    return _run(env, ["manage.py", *args], f"manage.py {' '.join(args[:2])}", timeout)


def sandbox_ops(env: dict[str, str], *args: str, timeout: float = 600) -> str:
    """bench/sandbox_ops.py COMMAND ARGS with the sandbox's environment; its stdout."""
    script = str(ROOT / "bench" / "sandbox_ops.py")
    return _run(env, [script, *args], f"sandbox_ops {args[0]}", timeout)


def _run(env: dict[str, str], args: list[str], what: str, timeout: float) -> str:
    result = subprocess.run(
        [PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        sys.exit(f"{what} failed:\n{result.stderr[-3000:]}")
    return result.stdout


def _log(name: str):
    LOGS.mkdir(parents=True, exist_ok=True)
    return (LOGS / f"{name}.log").open("w")


STARTED: list[subprocess.Popen] = []


def start(name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A server process in its own process group (so stopping it stops its children)."""
    process = subprocess.Popen(
        args,
        cwd=ROOT,
        env=env,
        stdout=_log(name),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    STARTED.append(process)
    return process


def stop_all() -> None:
    """Stop every process this benchmark started and that still runs: all are asked at once
    (a qcluster takes seconds to stop gracefully), then each is waited for."""
    for process in reversed(STARTED):
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)  # the leader stops its children
    for process in reversed(STARTED):
        stop(process)


# Whatever way a benchmark ends (a failed check's sys.exit included), its servers go with it.
atexit.register(stop_all)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    """Stop a process started by `start` (and its children), by its own process group."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def gunicorn(env: dict[str, str], port: int, *, workers: int = 4, threads: int = 4, name="web"):
    args = [str(BIN / "gunicorn"), "guide_project.wsgi:application"]
    args += ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)]
    args += ["--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"]
    process = start(name, args, env)
    wait_http(f"http://127.0.0.1:{port}/healthz", process)
    return process


def qcluster(env: dict[str, str], tag: str, queue: str) -> subprocess.Popen:
    """`manage.py qcluster` serving `queue` ("realtime": deliveries, "bulk": syncs), through
    bench/tagged_qcluster.py, which counts the tasks its workers run in Redis
    (bench:tasks:<tag>) so a benchmark can see how work was spread."""
    script = str(ROOT / "bench" / "tagged_qcluster.py")
    return start(f"qcluster-{tag}", [PYTHON, script, tag, queue], env)


def wait_http(url: str, process: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            sys.exit(f"{url}: the server exited ({process.returncode}); see {LOGS}")
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 (127.0.0.1 only)
                return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{url} did not answer within {timeout:.0f}s")


def verdict(problems: list[str], ok: str = "OK") -> int:
    """Print each problem as a `FAIL:` line, then `ok` or how many there were; returns the
    script's exit status (1 on any problem)."""
    for problem in problems:
        print("FAIL:", problem)
    print(ok if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def wait_until(what: str, check: Callable[[], bool], timeout: float, every: float = 0.5) -> float:
    """Poll `check` until true; returns the seconds it took, exits when the deadline passes."""
    began = time.monotonic()
    while time.monotonic() - began < timeout:
        if check():
            return time.monotonic() - began
        time.sleep(every)
    sys.exit(f"Timed out after {timeout:.0f}s waiting for: {what}")


# --- PostgreSQL ------------------------------------------------------------------------------


def fresh_database(name: str, server: str = SHARED_PG) -> str:
    """Drop and create database `name` on `server`; returns its URL."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{server}/{name}"


def source_hash(*patterns: str) -> str:
    """A short hash of the files matching `patterns` under the project (their contents), to
    tell whether something built from them (a migrated template, a seeded file) is current."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(p for pattern in patterns for p in ROOT.glob(pattern)):
        digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()[:10]


def migrated_database(name: str, env_for: Callable[[str], dict[str, str]]) -> str:
    """Database `name` on the shared server, at today's migrations, copied from a migrated
    template (bench/migrated.py); its URL."""
    import migrated

    url = f"{SHARED_PG}/{name}"
    migrated.migrate(env_for(url))
    return url


def drop_database(name: str, server: str = SHARED_PG) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def free_port(candidates: range) -> int:
    """The first port of `candidates` nothing listens on (on 127.0.0.1), so two runs on one
    machine (a developer's and the lead's) do not collide."""
    import socket

    for port in candidates:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    sys.exit(f"No free port in {candidates.start}-{candidates.stop - 1}")


# 11 is bench/receiver_bench.py's default and 15 the production-path test's: not offered here.
REDIS_DBS = (9, 10, 12, 13, 14)


def claim_redis_db(wanted: int | None, candidates: tuple[int, ...] = REDIS_DBS) -> str:
    """A Redis database for this run: `wanted`, or the first of `candidates` that is empty and
    that no other run has claimed (an atomic SET NX marker, expiring after an hour), emptied.
    Two runs on one machine never share a queue."""
    import redis

    for number in [wanted] if wanted is not None else candidates:
        url = f"redis://127.0.0.1:6379/{number}"
        store = redis.Redis.from_url(url)
        if wanted is None:
            if not store.set("bench:claimed", os.getpid(), nx=True, ex=3600):
                continue
            if store.dbsize() > 1:  # someone else's data, unmarked: leave it alone
                store.delete("bench:claimed")
                continue
        store.flushdb()
        store.set("bench:claimed", os.getpid(), ex=3600)
        return url
    sys.exit(f"Every Redis database of {candidates} is in use")


def release_redis_db(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


class PrivatePostgres:
    """A throwaway PostgreSQL cluster (initdb in a temporary folder, as the postgres user, on
    its own port) that a benchmark may stop and start: the machine's shared server, which
    other people's tests use, is never touched."""

    def __init__(self, port: int = 5439) -> None:
        found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        if not found:
            sys.exit("No PostgreSQL binaries under /usr/lib/postgresql/*/bin")
        self.bin = found[-1].parent
        self.port = free_port(range(port, port + 10))  # another run may hold 5439 right now
        self.folder = Path(tempfile.mkdtemp(prefix="guide-bench-pg-"))
        self.data = self.folder / "data"
        self.url = f"postgres://postgres@127.0.0.1:{self.port}"

    def _as_postgres(self, *args: str) -> None:
        command = [str(a) for a in args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def init(self) -> PrivatePostgres:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        self._as_postgres(self.bin / "initdb", "-D", self.data, "-U", "postgres", "-A", "trust")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.folder} -c fsync=off"
        self._options = options
        return self

    def start(self) -> None:
        log = self.folder / "server.log"
        self._as_postgres(
            self.bin / "pg_ctl", "-D", self.data, "-l", log, "-o", self._options, "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)
