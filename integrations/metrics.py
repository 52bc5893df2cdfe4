"""What operators watch, in Prometheus' format: the metrics and the one-line calls that
count them. docs/metrics.md lists every name, label and what it answers.

Counters and histograms are counted where things happen (the receiver, the delivery loop, the
sync, the client to the ATS, the request budget), in whichever process does it: gunicorn's
workers, django-q2's workers. With PROMETHEUS_MULTIPROC_DIR set every process writes its
counts to a file of that directory and a scrape adds them all up (tenants/metrics_files.py);
without it a scrape sees only the answering process's counts (a single-process server). What
is a state rather than an event (a queue's backlog, the partner pause) is read when scraped
(integrations/metrics_state.py).

Every call here is safe to make anywhere: a failure to count is logged (at most once a
minute per kind), never raised, so a metric can never break a request or a task. A call costs
a few microseconds (a dict lookup and a write to a memory-mapped file).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Callable, Iterator
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram

from integrations import registry
from tenants import metrics_files

logger = logging.getLogger(__name__)

# Before any metric is made: prometheus-client picks its kind of values then.
MULTIPROCESS = metrics_files.configure(settings.PROMETHEUS_MULTIPROC_DIR)
REGISTRY = CollectorRegistry(auto_describe=True)

_LAG_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 120, 300, 900, 3600)
_SLICE_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)
_RUN_BUCKETS = (1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400)
_REQUEST_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30)

RECEIVED = Counter(
    "guide_webhook_deliveries_received",
    "Webhook deliveries answered 200, by event and what the receiver did with them "
    "(stored, duplicate, ignored: sent to another event's URL, ping).",
    ["event", "outcome"],
    registry=REGISTRY,
)
REFUSED = Counter(
    "guide_webhook_deliveries_refused",
    "Requests to a webhook URL refused, by HTTP status (401: bad signature, 400: not a "
    "delivery, 404: unknown URL, 413: too large, 503: the database did not answer).",
    ["status"],
    registry=REGISTRY,
)
PROCESSED = Counter(
    "guide_webhook_deliveries_processed",
    "Processing attempts of stored deliveries, by event and result (applied, ignored: no "
    "handler, retrying: failed and tried again later, failed: given up).",
    ["event", "result"],
    registry=REGISTRY,
)
LAG = Histogram(
    "guide_webhook_lag_seconds",
    "From a delivery's receipt to its changes applied (replays left out).",
    buckets=_LAG_BUCKETS,
    registry=REGISTRY,
)
SYNC_SLICES = Counter(
    "guide_sync_slices",
    "Turns of a sync task on a bulk worker, by the run's status after the turn.",
    ["status"],
    registry=REGISTRY,
)
SYNC_SLICE_SECONDS = Histogram(
    "guide_sync_slice_seconds",
    "How long one turn of a sync task held its worker.",
    buckets=_SLICE_BUCKETS,
    registry=REGISTRY,
)
SYNC_RUNS = Counter(
    "guide_sync_runs",
    "Sync runs ended, by status (succeeded, failed, cancelled).",
    ["status"],
    registry=REGISTRY,
)
SYNC_RUN_SECONDS = Histogram(
    "guide_sync_run_seconds",
    "From a sync run's start to its end.",
    buckets=_RUN_BUCKETS,
    registry=REGISTRY,
)
ATS_REQUESTS = Counter(
    "guide_ats_requests",
    "Requests to the ATS's API, each attempt, by outcome (ok, rate_limited, refused, "
    "server_error, timeout, unreachable, error; not_sent: the request budget's turn was "
    "further off than the caller waits).",
    ["outcome"],
    registry=REGISTRY,
)
ATS_REQUEST_SECONDS = Histogram(
    "guide_ats_request_seconds",
    "How long one request to the ATS took, from sending to its answer.",
    buckets=_REQUEST_BUCKETS,
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "guide_ats_rate_limited",
    "Rate-limit answers (429) from the ATS, by scope: partner (all of Guide throttled) or "
    "account (one API key).",
    ["scope"],
    registry=REGISTRY,
)
BUDGET_WAIT = Counter(
    "guide_budget_wait_seconds",
    "Seconds callers spent waiting for a turn of the shared request budget, by reason "
    "(partner: the partner-wide pause, account, busy, rate).",
    ["reason"],
    registry=REGISTRY,
)
PARTNER_PAUSES = Counter(
    "guide_budget_partner_pauses",
    "Partner-wide pauses begun (every process stops calling the ATS).",
    registry=REGISTRY,
)

_RESULTS = {"processed": "applied", "ignored": "ignored", "retrying": "retrying"}
_warned: dict[str, float] = {}


def _never_raises(func: Callable) -> Callable:
    @functools.wraps(func)
    def safe(*args, **kwargs):
        try:
            func(*args, **kwargs)
        except Exception as exc:
            _warn(func.__name__, exc)

    return safe


def _warn(name: str, exc: Exception) -> None:
    now = time.monotonic()
    if now - _warned.get(name, -60.0) >= 60.0:
        _warned[name] = now
        logger.warning("Metric %s not counted", name, exc_info=exc)


@functools.lru_cache(maxsize=1024)  # the labels are bounded; this spares labels()' lock
def _child(metric, *labels: str):
    return metric.labels(*labels)


def _event(action: str) -> str:
    """The event's label: one the integration knows, or "other" (a label per unknown name
    would let a sender grow the metrics without bound)."""
    return action if action in registry.EVENTS or action == registry.PING else "other"


@_never_raises
def delivery_received(action: str, outcome: str) -> None:
    _child(RECEIVED, _event(action), str(outcome)).inc()


@_never_raises
def delivery_refused(status: int) -> None:
    _child(REFUSED, str(status)).inc()


@_never_raises
def delivery_processed(
    action: str, status: str, *, received_at: datetime | None = None, replayed: bool = False
) -> None:
    """One attempt's end, by the delivery's status after it; the lag when it was applied."""
    _child(PROCESSED, _event(action), _RESULTS.get(status, "failed")).inc()
    if status == "processed" and received_at is not None and not replayed:
        LAG.observe(max(0.0, (timezone.now() - received_at).total_seconds()))


@_never_raises
def sync_slice(status: str, seconds: float) -> None:
    _child(SYNC_SLICES, str(status)).inc()
    SYNC_SLICE_SECONDS.observe(seconds)


@_never_raises
def sync_runs_ended(status: str, *, started_at: datetime | None = None, count: int = 1) -> None:
    _child(SYNC_RUNS, str(status)).inc(count)
    if started_at is not None:
        SYNC_RUN_SECONDS.observe(max(0.0, (timezone.now() - started_at).total_seconds()))


@contextlib.contextmanager
def ats_request(classify: Callable[[BaseException], str]) -> Iterator[None]:
    """Count one request to the ATS and time it; `classify(exc)` names the outcome of a
    failure. What the block raises goes on unchanged."""
    started = time.monotonic()
    try:
        yield
    except BaseException as exc:
        _ats_request_done(classify, exc, time.monotonic() - started)
        raise
    _ats_request_done(classify, None, time.monotonic() - started)


@_never_raises
def _ats_request_done(classify: Callable, exc: BaseException | None, seconds: float) -> None:
    _child(ATS_REQUESTS, "ok" if exc is None else classify(exc)).inc()
    ATS_REQUEST_SECONDS.observe(seconds)


@_never_raises
def ats_not_sent() -> None:
    _child(ATS_REQUESTS, "not_sent").inc()


@_never_raises
def rate_limited(scope: str) -> None:
    _child(RATE_LIMITED, scope).inc()


@_never_raises
def budget_waited(reason: str, seconds: float) -> None:
    _child(BUDGET_WAIT, reason).inc(max(0.0, seconds))


@_never_raises
def partner_paused() -> None:
    PARTNER_PAUSES.inc()
