"""Gunicorn's settings for Guide, read by `gunicorn guide_project.wsgi` run from this folder
(gunicorn loads ./gunicorn.conf.py by itself; command-line flags still win).

With PROMETHEUS_MULTIPROC_DIR set (README, "Metrics"), the directory is made at start and
each worker's counts are folded into the directory's archive when it exits, so /metrics keeps
them and never reads a growing pile of files (tenants/metrics_files.py).
"""

from __future__ import annotations

import os


def _metrics_directory() -> str:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def on_starting(server) -> None:
    directory = _metrics_directory()
    if directory:
        from tenants import metrics_files

        os.makedirs(directory, exist_ok=True)
        metrics_files.compact(directory)  # what processes of an earlier start left


def child_exit(server, worker) -> None:
    directory = _metrics_directory()
    if directory:
        from tenants import metrics_files

        metrics_files.process_dead(worker.pid, directory)
