"""What the Integrations panel shows about syncing: the live progress of a running sync, or
the last result and when the next one runs. Plain data, for the template and the JSON poll."""

from __future__ import annotations

import logging
from typing import Any

from integrations import budget, registry
from integrations.models import AshbyConnection, SyncRun
from integrations.schedule import next_scheduled_sync
from tenants.models import Tenant

logger = logging.getLogger(__name__)

LABELS = {
    "departments": "Departments",
    "locations": "Locations",
    "users": "Interviewers",
    "interview_plans": "Interview plans",
    "interview_stages": "Interview stages",
    "jobs": "Jobs",
    "interviews": "Interviews",
    "candidates": "Candidates",
    "applications": "Applications",
    "interview_schedules": "Interview schedules",
}
COUNTS = ("fetched", "created", "updated", "deleted", "skipped", "pages")


def sync_status(tenant: Tenant) -> dict[str, Any]:
    """The tenant's sync status (JSON-ready with DjangoJSONEncoder). `active` says whether to keep polling."""
    connection = AshbyConnection.objects.filter(tenant=tenant).first()
    if connection is None:
        return {"connected": False, "active": False, "run": None, "next_run": None}
    run = connection.sync_runs.order_by("-requested_at", "-id").first()
    next_run = next_scheduled_sync(tenant.pk) if connection.is_usable else None
    active = bool(run and run.is_active)
    return {
        "connected": True,
        "usable": connection.is_usable,
        "active": active,
        "run": _run(run) if run else None,
        "next_run": next_run,
        "budget_wait": _budget_wait(tenant) if active else None,
    }


def _budget_wait(tenant: Tenant) -> dict[str, Any] | None:
    """What the running sync waits for in Guide's shared request budget, if anything."""
    wait = budget.waiting_for(tenant.pk)
    if wait is None:
        return None
    return {
        "reason": wait.reason,
        "text": wait.reason_text,
        "since": wait.since,
        "until": wait.until,
    }


def _run(run: SyncRun) -> dict[str, Any]:
    resources = [_resource(name, run) for name in registry.RESOURCE_NAMES if name in run.progress]
    return {
        "id": run.pk,
        "status": run.status,
        "status_label": run.get_status_display(),
        "full": run.full,
        "requested_at": run.requested_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "current": LABELS.get(run.current_resource, run.current_resource),
        # Several passes may be under way at once (fetched side by side).
        "under_way": [r["label"] for r in resources if not r["done"]] if run.is_active else [],
        # Between two slices a running sync waits its turn behind other tenants' work.
        "between_slices": run.status == SyncRun.Status.RUNNING and not run.in_slice,
        "slices": run.slices,
        "percent": _percent(run),
        "totals": {key: run.total(key) for key in COUNTS},
        "resources": resources,
        "error": run.error,
    }


def _resource(name: str, run: SyncRun) -> dict[str, Any]:
    counts = run.progress.get(name) or {}
    return {
        "name": name,
        "label": LABELS.get(name, name),
        **{key: int(counts.get(key) or 0) for key in COUNTS},
        "error": counts.get("error") or "",
        "notes": list(counts.get("notes") or []),
        "done": bool(counts.get("done")),
    }


def _percent(run: SyncRun) -> int:
    """Share of the passes done. Ashby gives no totals up front, so a pass counts as one
    step; a pass under way counts half (several may be under way at once)."""
    if run.status == SyncRun.Status.SUCCEEDED:
        return 100
    if not run.progress:
        return 0 if run.status == SyncRun.Status.QUEUED else 100
    if not run.is_active:
        return 100
    names = registry.RESOURCE_NAMES
    done = sum(
        1.0 if (run.progress.get(n) or {}).get("done") else 0.5 for n in names if n in run.progress
    )
    return min(99, int(100 * done / len(names)))
