"""Migrated databases for the benchmarks, without running every migration each time.

A fresh `manage.py migrate` of Guide costs about 8 s of CPU; the short benchmarks in the suite
need five of them. The first run migrates a template (a PostgreSQL database on the shared
server, or a SQLite file in the cache folder) named after a digest of every migration file and
of the settings that choose the apps; later runs copy it: `CREATE DATABASE ... TEMPLATE` on the
shared server, `pg_dump | psql` into a private cluster, a file copy for SQLite. A changed
migration changes the digest, so a stale template is never used (and older ones are dropped).
The template holds no django-q2 schedule: each copy is migrated once more (nothing to apply,
about 1 s), so post_migrate makes the schedules with this run's settings and times.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

import harness as h

CACHE = Path("/tmp/guide-bench-migrated")
TEMPLATE_PREFIX = "guide_tpl_"
UNSCHEDULE = "DELETE FROM django_q_schedule"


def migrate(env: dict[str, str]) -> None:
    """Bring env's DATABASE_URL (empty or absent) to today's migrations."""
    url = env["DATABASE_URL"]
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two benchmarks at once build a template once
        if url.startswith("sqlite"):
            _sqlite(env, Path(url.removeprefix("sqlite:///")))
        else:
            _postgres(env, url)
    h.manage(env, "migrate", "--noinput")


def digest(env: dict[str, str]) -> str:
    """Every migration file's path and contents, and the setting that chooses the apps."""
    sandbox = env.get("ASHBY_SANDBOX", "")
    return h.source_hash("*/migrations/*.py") + ("s" if sandbox == "true" else "g")


def _sqlite(env: dict[str, str], target: Path) -> None:
    template = CACHE / f"{digest(env)}.sqlite3"
    if not template.exists():
        partial = template.with_suffix(".partial")
        for stale in (partial, Path(f"{partial}-wal"), Path(f"{partial}-shm")):
            stale.unlink(missing_ok=True)
        h.manage({**env, "DATABASE_URL": f"sqlite:///{partial}"}, "migrate", "--noinput")
        import sqlite3

        db = sqlite3.connect(partial)
        with db:
            db.execute(UNSCHEDULE)
        # Guide's SQLite runs in WAL mode: fold the log into the file, so a copy of the file
        # alone is the whole database.
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA journal_mode=DELETE")
        db.close()
        partial.rename(template)
    for stale in (target, Path(f"{target}-wal"), Path(f"{target}-shm")):
        stale.unlink(missing_ok=True)
    shutil.copyfile(template, target)


def _postgres(env: dict[str, str], url: str) -> None:
    server, name = url.rsplit("/", 1)
    template = _template(env)
    if server == h.SHARED_PG and name != "postgres":
        h.drop_database(name)
        _execute(server, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return
    dump = subprocess.run(
        ["pg_dump", "--no-owner", f"{h.SHARED_PG}/{template}"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["psql", "--quiet", "--set", "ON_ERROR_STOP=1", url],
        input=dump.stdout,
        check=True,
        capture_output=True,
    )


def _template(env: dict[str, str]) -> str:
    name = TEMPLATE_PREFIX + digest(env)
    if not _exists(name):
        for old in _templates():
            _execute(h.SHARED_PG, f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
        partial = name + "_partial"
        h.fresh_database(partial)
        h.manage({**env, "DATABASE_URL": f"{h.SHARED_PG}/{partial}"}, "migrate", "--noinput")
        _execute(f"{h.SHARED_PG}/{partial}", UNSCHEDULE, database="")
        _execute(h.SHARED_PG, f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
    return name


def _exists(name: str) -> bool:
    return name in _templates()


def _templates() -> list[str]:
    import psycopg

    with psycopg.connect(f"{h.SHARED_PG}/postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [TEMPLATE_PREFIX + "%"]
        ).fetchall()
    return [row[0] for row in rows]


def _execute(server: str, sql: str, database: str = "/postgres") -> None:
    import psycopg

    with psycopg.connect(f"{server}{database}", autocommit=True) as conn:
        conn.execute(sql)
