"""A /metrics scrape: the counts of every process (integrations/metrics.py) and the states
read now, from where every process sees the same answer:

- each queue's backlog, from the broker (tenants/queue_backlog.py: two bounded reads);
- the partner pause and the tenants waiting for the request budget, from the budget's store
  (Redis, or the database).

A source that does not answer is left out of that scrape (and logged): the rest is served,
and `guide_metrics_source_up{source}` says which answered.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

from django.conf import settings
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric

from integrations import budget, metrics
from tenants import metrics_files
from tenants.queue_backlog import backlogs

logger = logging.getLogger(__name__)


class _FilesCollector:
    """Every process's counts, from the multiprocess directory (dead processes' files folded
    into the archive first, so a scrape reads a bounded number of files)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def collect(self) -> Iterator[Metric]:
        try:
            metrics_files.compact(self.directory)
        except OSError:
            logger.warning("Metrics: could not fold the files of ended processes", exc_info=True)
        return iter(metrics_files.collect(self.directory))


class _StateCollector:
    """States read at scrape time."""

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "guide_metrics_source_up",
            "1 when the source of the states below answered this scrape, 0 otherwise.",
            labels=["source"],
        )
        for source, read in (("queue", _queue_metrics), ("budget", _budget_metrics)):
            try:
                found = list(read())
            except Exception:
                logger.warning("Metrics: %s did not answer", source, exc_info=True)
                up.add_metric([source], 0)
                continue
            up.add_metric([source], 1)
            yield from found
        yield up


def _queue_metrics() -> Iterator[Metric]:
    depth = GaugeMetricFamily(
        "guide_queue_depth", "Tasks waiting in the queue, not yet taken.", labels=["queue"]
    )
    age = GaugeMetricFamily(
        "guide_queue_oldest_age_seconds",
        "Age of the oldest task waiting in the queue (0 when none waits).",
        labels=["queue"],
    )
    for backlog in backlogs():
        depth.add_metric([backlog.queue], backlog.waiting)
        if backlog.oldest_age is not None:
            age.add_metric([backlog.queue], backlog.oldest_age)
    yield depth
    yield age


def _budget_metrics() -> Iterator[Metric]:
    now = time.time()
    waits = budget.budget_waits(now)
    until = waits.partner_paused_until
    yield GaugeMetricFamily(
        "guide_budget_partner_pause_remaining_seconds",
        "Seconds until the partner-wide pause ends (0: not paused).",
        value=max(0.0, until.timestamp() - now) if until else 0.0,
    )
    yield GaugeMetricFamily(
        "guide_budget_tenants_waiting",
        "Tenants waiting a second or more for a turn of the request budget now.",
        value=len(waits.tenants),
    )


def scrape() -> bytes:
    """The text of one scrape, in Prometheus' exposition format."""
    directory = settings.PROMETHEUS_MULTIPROC_DIR
    if metrics.MULTIPROCESS and directory:
        registry = CollectorRegistry(auto_describe=False)
        registry.register(_FilesCollector(directory))
    else:
        registry = metrics.REGISTRY
    state = CollectorRegistry(auto_describe=False)
    state.register(_StateCollector())
    return generate_latest(registry) + generate_latest(state)
