"""Short versions of the load and fault benchmarks (bench/, docs/benchmarks.md), sized for
CI's time: each runs the script as a newcomer would, with smaller numbers, and the script
itself checks its outcome (exit 1 and a FAIL line on any problem).

They need PostgreSQL (the PostgreSQL pass) and Redis; locally, without Redis, they skip.
Each script picks free ports (8110-8119; many_tenants.py 8151-8159), a free Redis database
(9-14, claimed atomically) and a free port for its private PostgreSQL, so a developer's run
and the lead's do not collide.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def needs_redis() -> None:
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2).ping()
    except redis.RedisError:
        if os.environ.get("CI") == "true":
            pytest.fail("Redis is not reachable at 127.0.0.1:6379: CI needs it.")
        pytest.skip("Redis is not reachable at 127.0.0.1:6379")


def bench(script: str, *args: str, timeout: float = 300) -> str:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    result = subprocess.run(
        [sys.executable, f"bench/{script}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "FAIL" not in output
    return output


def test_a_burst_of_signed_deliveries_is_processed_exactly_once_in_order(needs_redis):
    output = bench(
        "webhook_burst.py",
        *("--deliveries", "200", "--concurrency", "20"),
    )
    assert "OK" in output
    assert "process_delivery runs per cluster" in output


def test_a_sync_through_ashby_faults_gets_the_same_data(needs_redis):
    output = bench(
        "sync_faults.py",
        *("--scenario", "faults", "--candidates", "40", "--latency-ms", "5"),
    )
    assert "OK: the same data as the clean sync" in output


def test_deliveries_during_a_database_outage_arrive_once_it_is_back(needs_redis):
    output = bench(
        "pg_outage.py",
        *("--changes", "6", "--candidates", "15", "--outage-seconds", "2"),
    )
    assert "OK" in output


def test_deliveries_received_while_redis_is_cut_are_applied_once_it_is_back(needs_redis):
    output = bench(
        "redis_outage.py",
        *(
            "--before",
            "3",
            "--during",
            "6",
            "--after",
            "3",
            "--database",
            "guide_bench_redis_short",
        ),
    )
    assert "OK: every delivery stored during the outage was processed once" in output
    applied = re.search(r"the outage's deliveries applied (\d+)-(\d+) s after Redis", output)
    assert applied, output[-2000:]
    # Marked when their enqueue failed, they are swept as soon as Redis answers, not after
    # the two minutes an unmarked delivery waits (SWEEP_AFTER).
    assert int(applied.group(2)) < 60


def test_many_tenants_connecting_at_once_all_sync_and_get_their_webhooks(needs_redis):
    output = bench("many_tenants.py", "--short", "--database", "guide_bench_short")
    assert "OK" in output
    assert "every tenant's full sync:" in output
    assert "calls during a partner pause:" in output
    assert "backlog: 80/80 deliveries drained" in output
