"""The support home's figures, aggregated in the database: a constant number of queries whatever
the number of tenants or deliveries.

- `delivery_hours`: deliveries per hour by outcome over the last 48 hours, and the webhook lag
  (received to processed) p50 / p99 per hour. On PostgreSQL one GROUP BY date_trunc('hour')
  with PERCENTILE_CONT, reading the (tenant, -received_at) index once per tenant
  (`tenant_id = ANY(ARRAY(SELECT id ...))`: PostgreSQL 15 cannot skip-scan the index's first
  column otherwise); elsewhere (SQLite, the tests) the same figures worked out in Python.
- `recent_runs`: the last syncs with their durations.
- `totals`: tenants, connected, syncs running.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, Q

from integrations.models import AshbyConnection, SyncRun, WebhookDelivery
from tenants.models import Tenant
from tenants.sql import qn

HOURS = 48
PENDING = ("received", "processing", "retrying")
OUTCOMES = ("processed", "ignored", "failed", "pending")  # the chart's series, bottom up


@dataclass
class Hour:
    start: datetime  # UTC, on the hour
    counts: dict[str, int] = field(default_factory=dict)  # outcome -> deliveries
    lag_p50: float | None = None  # seconds from received to processed
    lag_p99: float | None = None


def hour_starts(now: datetime, hours: int = HOURS) -> list[datetime]:
    """The starts of the last `hours` hours, the current (partial) one last."""
    current = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return [current - timedelta(hours=hours - 1 - i) for i in range(hours)]


def delivery_hours(now: datetime, tenant_id: int | None = None) -> list[Hour]:
    """One `Hour` per hour of the last 48 (hours without deliveries included, as zeros)."""
    starts = hour_starts(now)
    if connection.vendor == "postgresql":
        found = _hours_in_sql(starts[0], tenant_id)
    else:
        found = _hours_in_python(starts[0], tenant_id)
    return [found.get(start) or Hour(start, dict.fromkeys(OUTCOMES, 0)) for start in starts]


# Only identifiers go into the text (the models' own, quoted); every value is a parameter.
# date_bin (PostgreSQL 14+) buckets by plain arithmetic from an hour-aligned UTC origin, and
# the percentiles are taken of the intervals themselves: both several times cheaper than
# date_trunc (which consults the session's time zone) and extract(epoch ...) on every row.
HOURS_SQL = (
    "SELECT date_bin('1 hour', received_at, %s) AS hour,"
    " count(*) FILTER (WHERE status = 'processed'),"
    " count(*) FILTER (WHERE status = 'ignored'),"
    " count(*) FILTER (WHERE status = 'failed'),"
    " count(*) FILTER (WHERE status IN ('received', 'processing', 'retrying')),"
    " percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY processed_at - received_at)"
    " FILTER (WHERE processed_at IS NOT NULL)"
    " FROM {deliveries} WHERE tenant_id {tenants} AND received_at >= %s GROUP BY 1"
)


def _hours_in_sql(since: datetime, tenant_id: int | None) -> dict[datetime, Hour]:
    every_tenant = f"= ANY(ARRAY(SELECT id FROM {qn(Tenant._meta.db_table)}))"  # noqa: S608
    sql = HOURS_SQL.format(
        deliveries=qn(WebhookDelivery._meta.db_table),
        tenants="= %s" if tenant_id else every_tenant,
    )
    params = [since, tenant_id, since] if tenant_id else [since, since]
    # The sort by hour of 48 hours of deliveries (86,000 rows in the benchmark) spills to disk
    # with the default work_mem of 4 MB; this statement alone may use more.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        hour.astimezone(UTC): Hour(
            hour.astimezone(UTC), dict(zip(OUTCOMES, counts, strict=True)), *_seconds(lags)
        )
        for hour, *counts, lags in rows
    }


def _seconds(lags: list[timedelta] | None) -> tuple[float | None, float | None]:
    """(p50, p99) in seconds; None for an hour where nothing was processed."""
    if not lags:
        return None, None
    p50, p99 = lags
    return p50.total_seconds(), p99.total_seconds()


def _hours_in_python(since: datetime, tenant_id: int | None) -> dict[datetime, Hour]:
    rows = WebhookDelivery.objects.filter(received_at__gte=since)
    if tenant_id:
        rows = rows.filter(tenant_id=tenant_id)
    counts: dict[datetime, dict[str, int]] = defaultdict(lambda: dict.fromkeys(OUTCOMES, 0))
    lags: dict[datetime, list[float]] = defaultdict(list)
    for received, status, processed in rows.values_list("received_at", "status", "processed_at"):
        start = received.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        counts[start]["pending" if status in PENDING else status] += 1
        if processed is not None:
            lags[start].append((processed - received).total_seconds())
    return {
        start: Hour(start, c, percentile(lags[start], 0.5), percentile(lags[start], 0.99))
        for start, c in counts.items()
    }


def percentile(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's PERCENTILE_CONT: linear interpolation between the two nearest values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Run:
    pk: int
    status: str
    started_at: datetime
    seconds: float
    tenant_name: str


def recent_runs(now: datetime, tenant_id: int | None = None, limit: int = 40) -> list[Run]:
    """The last finished syncs of the last 48 hours, oldest first, with their durations. Newest
    first by id, which follows the time a run was asked for: the primary key's index read
    backwards stops after `limit` rows."""
    runs = SyncRun.objects.filter(
        requested_at__gte=now - timedelta(hours=HOURS),
        started_at__isnull=False,
        finished_at__isnull=False,
    )
    if tenant_id:
        runs = runs.filter(connection__tenant_id=tenant_id)
    rows = runs.order_by("-id").values_list(
        "pk", "status", "started_at", "finished_at", "connection__tenant__name"
    )[:limit]
    found = [
        Run(pk, status, started, (finished - started).total_seconds(), name)
        for pk, status, started, finished, name in rows
    ]
    return sorted(found, key=lambda run: run.started_at)


def totals() -> dict[str, int]:
    """Tenants, tenants connected to the ATS, syncs queued or running (the partial index of
    the one-active-run constraint)."""
    tenants = Tenant.objects.aggregate(
        tenants=Count("pk"),
        connected=Count(
            "ashby_connection", filter=Q(ashby_connection__status=AshbyConnection.Status.CONNECTED)
        ),
    )
    return {**tenants, "syncs_running": SyncRun.objects.filter(status__in=SyncRun.ACTIVE).count()}
