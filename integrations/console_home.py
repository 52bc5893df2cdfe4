"""The support home (the console's index): who needs help right now, the totals across tenants,
and the charts. `home_context(request)` is what the console site renders; `tenant_charts(tenant)`
gives one tenant's charts to any page (the tenant page embeds them).

Every figure comes from a fixed set of queries (console_checks, console_stats): the page costs
the same with 1 or 1,000 tenants needing attention (tests/admin/test_support_home.py,
bench/admin_lists.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from integrations import budget, console_checks, console_stats
from integrations.console_checks import Attention
from integrations.models import WebhookDelivery
from tenants.admin_kit import changelist_url
from tenants.charts import Bucket, Chart, Series, lines, stacked_bars
from tenants.models import Tenant

OUTCOME_SERIES = [
    Series("processed", "Applied"),
    Series("ignored", "Ignored"),
    Series("failed", "Failed"),
    Series("pending", "Waiting or retrying"),
]
LAG_SERIES = [Series("p50", "Median (p50)"), Series("p99", "p99")]
SHOWN = 50  # tenants listed; past that the page says how many more (an outage hits them all)
RUN_SERIES = [Series("succeeded", "Succeeded"), Series("failed", "Failed")]


@dataclass
class TenantAttention:
    tenant: Tenant
    items: list[Attention] = field(default_factory=list)

    @property
    def page(self) -> str:
        return reverse("admin:tenants_tenant_change", args=[self.tenant.pk])


def home_context(request: HttpRequest) -> dict[str, Any]:
    """The support home's context: the attention list, the totals and the charts (all tenants,
    or one with ?tenant=<id>)."""
    now = timezone.now()
    focus = _focus(request)
    attention, count, by_check = needing_attention(now, focus.pk if focus else None, SHOWN)
    hours = console_stats.delivery_hours(now, focus.pk if focus else None)
    runs = console_stats.recent_runs(now, focus.pk if focus else None)
    return {
        "attention": attention,
        "attention_count": count,
        "attention_hidden": count - len(attention),
        "by_check": [] if focus else [c for c in by_check if c["tenants"]],
        "focus": focus,
        "totals": None if focus else _totals(now, hours, by_check),
        "charts": _charts(hours, runs, focus),
        "zone_name": timezone.get_current_timezone_name(),
        "now": now,
        "tenant_bad_id": request.GET.get("tenant") and focus is None,
        "partner_paused_until": budget.budget_waits().partner_paused_until,
    }


def _focus(request: HttpRequest) -> Tenant | None:
    raw = request.GET.get("tenant", "")
    if not raw.isdigit():
        return None
    return Tenant.objects.filter(pk=int(raw)).first()


def needing_attention(
    now: datetime, tenant_id: int | None = None, shown: int | None = None
) -> tuple[list[TenantAttention], int, list[dict[str, Any]]]:
    """The first `shown` tenants needing attention with every check's findings (one query per
    check, one for their names), those with the most reasons first; how many tenants need
    attention in all; and how many tenants each check found."""
    by_tenant: dict[int, list[Attention]] = {}
    by_check = []
    for title, check in console_checks.CHECKS:
        found = check(now, tenant_id)
        for item in found:
            by_tenant.setdefault(item.tenant_id, []).append(item)
        tenants = len({item.tenant_id for item in found})
        by_check.append({"title": title, "check": check.__name__, "tenants": tenants})
    first = sorted(by_tenant, key=lambda pk: (-len(by_tenant[pk]), pk))[:shown]
    tenants = Tenant.objects.only("pk", "name").in_bulk(first)
    grouped = [TenantAttention(tenants[pk], by_tenant[pk]) for pk in first]
    grouped.sort(key=lambda t: (-len(t.items), t.tenant.name.lower()))
    return grouped, len(by_tenant), by_check


def _totals(
    now: datetime, hours: list[console_stats.Hour], by_check: list[dict[str, Any]]
) -> dict[str, Any]:
    last_day = hours[-24:]
    deliveries = {o: sum(h.counts.get(o, 0) for h in last_day) for o in console_stats.OUTCOMES}
    waiting = console_checks.backlog(now)
    return {
        **console_stats.totals(),
        "last_sync_failed": next(c["tenants"] for c in by_check if c["check"] == "failed_syncs"),
        "deliveries": sum(deliveries.values()),
        "applied": deliveries["processed"],
        "failed": deliveries["failed"],
        "backlog": sum(n for _, n, _ in waiting),
        "backlog_oldest": min((oldest for *_, oldest in waiting), default=None),
        "failed_url": changelist_url(WebhookDelivery, status__exact="failed"),
    }


def tenant_charts(tenant: Tenant) -> dict[str, SafeString]:
    """One tenant's charts (deliveries, lag, syncs) as SVG figures, for the tenant page."""
    now = timezone.now()
    hours = console_stats.delivery_hours(now, tenant.pk)
    runs = console_stats.recent_runs(now, tenant.pk)
    return _charts(hours, runs, tenant)


def _charts(
    hours: list[console_stats.Hour], runs: list[console_stats.Run], tenant: Tenant | None
) -> dict[str, SafeString]:
    whose = f" of {tenant.name}" if tenant else ", all tenants"
    zone = timezone.get_current_timezone_name()
    return {
        "deliveries": stacked_bars(
            Chart(
                f"Deliveries per hour by outcome{whose} (last 48 hours, {zone})",
                "Stacked bars: for each hour, the webhook deliveries received, split by what "
                "processing did with them.",
                OUTCOME_SERIES,
                [Bucket(_hour_label(h.start), dict(h.counts)) for h in hours],
            )
        ),
        "lag": lines(
            Chart(
                f"Webhook lag{whose}: received to processed (last 48 hours, {zone})",
                "Two lines: per hour, the median and the 99th percentile of the seconds from "
                "a delivery's arrival to the end of its processing.",
                LAG_SERIES,
                [Bucket(_hour_label(h.start), _lag_values(h)) for h in hours],
                unit=" s",
                fmt=_seconds,
            )
        ),
        "syncs": _sync_chart(runs, whose, zone, show_tenant=tenant is None),
    }


def _sync_chart(runs: list[console_stats.Run], whose: str, zone: str, show_tenant: bool):
    buckets = [
        Bucket(
            _run_label(run, show_tenant),
            {"failed" if run.status == "failed" else "succeeded": round(run.seconds, 1)},
            link=reverse("admin:integrations_syncrun_change", args=[run.pk]),
            tick=_time_label(run.started_at),
        )
        for run in runs
    ]
    return stacked_bars(
        Chart(
            f"Sync durations{whose} (the last {len(runs)} in 48 hours, {zone})",
            "One bar per sync, oldest first: its length in seconds, red when it failed.",
            RUN_SERIES,
            buckets,
            unit=" s",
            fmt=_seconds,
        )
    )


def _lag_values(hour: console_stats.Hour) -> dict[str, float]:
    values = {"p50": hour.lag_p50, "p99": hour.lag_p99}
    return {k: round(v, 2) for k, v in values.items() if v is not None}


def _hour_label(start: datetime) -> str:
    return _time_label(start)


def _time_label(when: datetime) -> str:
    return timezone.localtime(when).strftime("%a %H:%M")


def _run_label(run: console_stats.Run, show_tenant: bool) -> str:
    when = _time_label(run.started_at)
    return f"{when}, {run.tenant_name}" if show_tenant else when


def _seconds(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:,.0f}"
