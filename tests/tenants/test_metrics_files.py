"""Prometheus' multiprocess mode: several processes' counts add up in one read, and the files
of processes that ended are folded into the archive without changing any total.

Real processes (plain Python, no Django: a fraction of a second each) count into a temporary
directory, as gunicorn's and django-q2's workers do.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tenants import metrics_files

ROOT = Path(__file__).resolve().parents[2]

COUNT = """
import sys
from tenants import metrics_files
metrics_files.configure(sys.argv[1])
from prometheus_client import Counter, Histogram
done = Counter("jobs", "Jobs done", ["kind"], registry=None)
took = Histogram("job_seconds", "Job time", buckets=(1, 10), registry=None)
for _ in range(int(sys.argv[2])):
    done.labels("a").inc()
    took.observe(0.5)
done.labels("b").inc(2.5)
took.observe(5)
if len(sys.argv) > 3:  # stay alive until told to end, like a running worker
    print("counted", flush=True)
    sys.stdin.readline()
"""


def _count(directory: Path, times: int) -> None:
    subprocess.run([sys.executable, "-c", COUNT, str(directory), str(times)], cwd=ROOT, check=True)


def _totals(directory: Path) -> dict[tuple, float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in metrics_files.collect(str(directory))
        for s in family.samples
    }


def _db_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.glob("*.db"))


def test_the_counts_of_several_processes_add_up(tmp_path):
    _count(tmp_path, 3)
    _count(tmp_path, 4)

    totals = _totals(tmp_path)
    assert totals[("jobs_total", (("kind", "a"),))] == 7
    assert totals[("jobs_total", (("kind", "b"),))] == 5
    assert totals[("job_seconds_count", ())] == 9
    assert totals[("job_seconds_bucket", (("le", "1.0"),))] == 7
    assert totals[("job_seconds_bucket", (("le", "10.0"),))] == 9
    assert totals[("job_seconds_sum", ())] == 3.5 + 10


def test_ended_processes_are_folded_into_the_archive_and_no_total_changes(tmp_path):
    _count(tmp_path, 3)
    _count(tmp_path, 4)
    before = _totals(tmp_path)
    assert len(_db_files(tmp_path)) == 4  # a counter and a histogram file per process

    assert metrics_files.compact(str(tmp_path)) == 4
    assert _db_files(tmp_path) == ["counter_archive.db", "histogram_archive.db"]
    assert _totals(tmp_path) == before

    _count(tmp_path, 1)  # a later process: folded onto the archive
    assert metrics_files.compact(str(tmp_path)) == 2
    after = _totals(tmp_path)
    assert after[("jobs_total", (("kind", "a"),))] == 8
    assert after[("job_seconds_count", ())] == 11
    assert metrics_files.compact(str(tmp_path)) == 0


def test_a_running_process_keeps_its_file_and_its_later_counts(tmp_path):
    _count(tmp_path, 2)  # ended
    running = subprocess.Popen(
        [sys.executable, "-c", COUNT, str(tmp_path), "5", "stay"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert running.stdout.readline().strip() == "counted"
        assert metrics_files.compact(str(tmp_path)) == 2  # only the ended one's files
        assert f"counter_{running.pid}.db" in _db_files(tmp_path)
        assert _totals(tmp_path)[("jobs_total", (("kind", "a"),))] == 7
    finally:
        running.stdin.close()
        running.wait(timeout=10)
    metrics_files.process_dead(running.pid, str(tmp_path))  # what gunicorn does on exit
    assert _db_files(tmp_path) == ["counter_archive.db", "histogram_archive.db"]
    assert _totals(tmp_path)[("jobs_total", (("kind", "a"),))] == 7


def test_configure_without_a_directory_changes_nothing(monkeypatch):
    monkeypatch.delenv(metrics_files.ENV, raising=False)
    assert metrics_files.configure("") is False
    assert metrics_files.ENV not in os.environ
