"""Prometheus' multiprocess mode: the metrics of every process on a machine, in one directory.

Gunicorn's workers and django-q2's workers are separate processes, each counting in memory of
its own; the one answering a scrape would see only its own counts. With
PROMETHEUS_MULTIPROC_DIR set, prometheus-client keeps each process's counters and histograms
in a small memory-mapped file of that directory (`counter_<pid>.db`, `histogram_<pid>.db`),
and a scrape adds up every file: the counts of all the machine's processes, live or dead.

A process that ended leaves its file behind, and django-q2 replaces each worker every few
hundred tasks, so files would pile up and every scrape would read more of them. `compact`
folds the files of processes that ended into one archive file per kind (their counts kept,
so totals never go down), run by each scrape and by gunicorn when a worker exits
(gunicorn.conf.py). A process is judged ended by its pid: the directory must be shared only
by processes that see each other's pids (one machine, one container).

No Django here: gunicorn's master process (gunicorn.conf.py) and bin/run_local.py use it too.
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import logging
import os
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import multiprocess, values
from prometheus_client.mmap_dict import MmapedDict

logger = logging.getLogger(__name__)

ENV = "PROMETHEUS_MULTIPROC_DIR"
ADDITIVE = ("counter", "histogram")  # kinds whose values simply add up across processes
ARCHIVE = "archive"  # <kind>_archive.db: the folded counts of processes that ended
COMPACT_AT_MOST = 500  # files folded per call, so one scrape stays short


def configure(directory: str) -> bool:
    """Count in `directory` from now on (created if missing): sets PROMETHEUS_MULTIPROC_DIR
    and switches prometheus-client to its multiprocess values, which it otherwise chooses
    once, at import. Call before any metric is made. False (nothing done) without one."""
    if not directory:
        return False
    Path(directory).mkdir(parents=True, exist_ok=True)
    os.environ[ENV] = directory
    if values.ValueClass is values.MutexValue:
        values.ValueClass = values.MultiProcessValue()
    return True


def process_dead(pid: int, directory: str) -> None:
    """Gunicorn's child_exit: drop the worker's live gauges and fold its counts."""
    multiprocess.mark_process_dead(pid, directory)
    compact(directory)


def collect(directory: str):
    """Every process's metrics in `directory`, added up (a consistent read: never while a
    compaction moves counts from one file to another)."""
    with _locked(directory, fcntl.LOCK_SH):
        files = glob.glob(os.path.join(directory, "*.db"))
        return list(multiprocess.MultiProcessCollector.merge(files, accumulate=True))


def compact(directory: str) -> int:
    """Fold the counter and histogram files of processes that ended into the archive files;
    returns how many were folded. Safe to run from several processes at once."""
    folded = 0
    with _locked(directory, fcntl.LOCK_EX):
        for kind in ADDITIVE:
            folded += _fold(directory, kind)
    return folded


def _fold(directory: str, kind: str) -> int:
    ended = [path for path, pid in _process_files(directory, kind) if not _alive(pid)]
    ended = ended[:COMPACT_AT_MOST]
    if not ended:
        return 0
    archive = os.path.join(directory, f"{kind}_{ARCHIVE}.db")
    totals: dict[str, float] = defaultdict(float)
    for path in ([archive] if os.path.exists(archive) else []) + ended:
        for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(path):
            totals[key] += value
    staged = archive + ".new"  # not *.db: a scrape never reads it half written
    with contextlib.suppress(FileNotFoundError):
        os.remove(staged)
    written = MmapedDict(staged)
    try:
        for key, value in totals.items():
            written.write_value(key, value, 0.0)
    finally:
        written.close()
    os.replace(staged, archive)
    for path in ended:
        os.remove(path)
    return len(ended)


def _process_files(directory: str, kind: str) -> Iterator[tuple[str, int]]:
    for path in glob.glob(os.path.join(directory, f"{kind}_*.db")):
        suffix = os.path.basename(path)[len(kind) + 1 : -len(".db")]
        if suffix.isdigit():
            yield path, int(suffix)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


@contextlib.contextmanager
def _locked(directory: str, mode: int) -> Iterator[None]:
    with open(os.path.join(directory, ".lock"), "a") as lock:
        fcntl.flock(lock, mode)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
