"""The phases and measurements of bench/many_tenants.py: tenants, Connect for all at once,
the webhook stream, the backlog, memory sampling, the sandbox's request log, the report."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import http.client
import json
import os
import random
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import harness as h

FIXTURE = (
    h.ROOT / "tests" / "fixtures" / "ashby" / "webhooks" / "candidateStageChange__default.json"
)


STARTED = time.monotonic()


def say(text: str) -> None:
    """A progress line, stamped with the seconds since the benchmark started."""
    print(f"[{time.monotonic() - STARTED:6.1f} s] {text}", flush=True)


def uptime() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


# --- tenants and Connect ---------------------------------------------------------------------


def fresh_schedules() -> None:
    """Schedules due one interval from now, as `migrate` leaves them on a new database (the
    template's were due an interval after it was built: the periodic sync tick would fire
    at once, in the middle of the first syncs)."""
    from datetime import timedelta

    from django.utils import timezone
    from django_q.models import Schedule

    for pk, minutes in Schedule.objects.values_list("pk", "minutes"):
        due = timezone.now() + timedelta(minutes=minutes or 1)
        Schedule.objects.filter(pk=pk).update(next_run=due)


def create_tenants(companies) -> list[dict]:
    """A tenant per company with its admin and webhook rows; the key to connect with."""
    from django.contrib.auth import get_user_model

    from integrations.webhook_rows import ensure_subscriptions
    from tenants.services import create_tenant

    tenants = []
    for n, (name, size, key) in enumerate(companies):
        tenant, _ = create_tenant(name, admin_username=f"bench-admin-{n:03d}")
        hook = next(s for s in ensure_subscriptions(tenant) if s.event == "candidateStageChange")
        user = get_user_model().objects.get(username=f"bench-admin-{n:03d}")
        tenants.append(
            {"id": tenant.pk, "name": name, "size": size, "key": key, "user": user.pk}
            | {"path": f"/webhooks/ashby/{hook.token}/", "secret": hook.secret}
        )
    return tenants


def connect(tenant: dict) -> None:
    """Connect as the dialog does; the moment it began is the tenant's time zero."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from integrations.ashby.connect import connect_ashby
    from tenants.models import Tenant

    tenant["connect_at"] = time.time()
    try:
        connect_ashby(
            Tenant.objects.get(pk=tenant["id"]),
            api_key=tenant["key"],
            user=get_user_model().objects.get(pk=tenant["user"]),
        )
        tenant["connected_at"] = time.time()
    except Exception as exc:  # noqa: BLE001 (reported as a problem, with its words)
        tenant["connect_error"] = f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()


def syncs_done(tenants: list[dict]) -> bool:
    from integrations.models import SyncRun

    ids = [t["id"] for t in tenants]
    active = SyncRun.objects.filter(connection__tenant_id__in=ids, status__in=SyncRun.ACTIVE)
    finished = SyncRun.objects.filter(connection__tenant_id__in=ids).exclude(
        status__in=SyncRun.ACTIVE
    )
    connected = sum(1 for t in tenants if "connected_at" in t)
    return not active.exists() and finished.values("connection").distinct().count() >= connected


def outcomes(tenants: list[dict]) -> None:
    """Each tenant's first guide, and its full sync: every sync run since Connect succeeded,
    done when the last resource finished its full pass (SyncState.last_full_sync_at; a
    sync in slices or phases may be several runs, and the periodic tick adds more)."""
    from django.db.models import Max, Min

    from guides.models import Guide
    from integrations.models import SyncRun, SyncState

    first_guides = dict(
        Guide.objects.values("tenant_id")
        .annotate(first=Min("created_at"))
        .values_list("tenant_id", "first")
    )
    full = dict(
        SyncState.objects.values("connection__tenant_id")
        .annotate(done=Max("last_full_sync_at"))
        .values_list("connection__tenant_id", "done")
    )
    for tenant in tenants:
        runs = SyncRun.objects.filter(connection__tenant_id=tenant["id"]).order_by("requested_at")
        failed = [(r.status, r.error) for r in runs if r.status != SyncRun.Status.SUCCEEDED]
        tenant["sync_ok"], tenant["sync_problem"] = bool(runs) and not failed, failed[:1]
        tenant["synced"] = full[tenant["id"]].timestamp() if full.get(tenant["id"]) else None
        first = first_guides.get(tenant["id"])
        tenant["first_guide"] = first.timestamp() if first else None


# --- the webhook stream --------------------------------------------------------------------


class Targets:
    """Stored applications to deliver stage changes for, per tenant, with their plan's stages."""

    def __init__(self, tenants: list[dict]) -> None:
        self.tenants = {t["id"]: t for t in tenants}
        self.apps: dict[int, list[dict]] = {}
        self.stages: dict[int, list[dict]] = {}
        self.refreshed = 0.0

    def refresh(self) -> None:
        from guides import models as g

        for tenant_id in self.tenants:
            if len(self.apps.get(tenant_id, ())) >= 20:
                continue
            rows = g.Application.objects.filter(
                tenant_id=tenant_id,
                candidate__external_updated_at__isnull=False,
                current_stage__isnull=False,
                job__isnull=False,
            ).values(
                "external_id",
                "candidate__external_id",
                "candidate__name",
                "job__external_id",
                "job__title",
                "current_stage__plan_id",
            )[:20]
            self.apps[tenant_id] = list(rows)
        plans = {a["current_stage__plan_id"] for apps in self.apps.values() for a in apps}
        for row in g.InterviewStage.objects.filter(plan_id__in=plans - set(self.stages)).values(
            "plan_id", "plan__external_id", "external_id", "title", "stage_type", "order"
        ):
            self.stages.setdefault(row["plan_id"], []).append(row)
        self.refreshed = time.monotonic()

    def pick(self, rng: random.Random) -> tuple[dict, dict, dict] | None:
        if time.monotonic() - self.refreshed > 3:
            self.refresh()
        ready = [t for t, apps in self.apps.items() if apps]
        if not ready:
            return None
        tenant_id = rng.choice(ready)
        app = rng.choice(self.apps[tenant_id])
        stages = self.stages.get(app["current_stage__plan_id"])
        return (self.tenants[tenant_id], app, rng.choice(stages)) if stages else None


def delivery(tenant: dict, app: dict, stage: dict) -> tuple[str, bytes, dict[str, str]]:
    """A signed candidateStageChange moving `app` to `stage`, as Ashby sends it."""
    payload = json.loads(FIXTURE.read_text())
    payload["webhookActionId"] = str(uuid.uuid4())
    application = payload["data"]["application"]
    for gone in ("creditedToUser", "hiringTeam"):
        application.pop(gone, None)
    application["id"] = app["external_id"]
    application["updatedAt"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    application["candidate"].update(id=app["candidate__external_id"], name=app["candidate__name"])
    application["job"] = {"id": app["job__external_id"], "title": app["job__title"]}
    application["currentInterviewStage"].update(
        id=stage["external_id"],
        title=stage["title"],
        type=stage["stage_type"] or "Active",
        orderInInterviewPlan=stage["order"],
        interviewPlanId=stage["plan__external_id"],
    )
    body = json.dumps(payload, separators=(",", ":")).encode()
    digest = hmac.new(tenant["secret"].encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "Ashby-Signature": f"sha256={digest}"}
    return payload["webhookActionId"], body, headers


def post(port: int, path: str, body: bytes, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        conn.close()


class Stream(threading.Thread):
    """Deliveries at a steady rate across tenants, for `duration` seconds and at least until
    `syncs_over` is set (at most `limit` seconds): (action id, sent at, HTTP status)."""

    def __init__(self, targets: Targets, port: int, rate: float, duration: float, limit: float):
        super().__init__(daemon=True)
        self.targets, self.port, self.rate = targets, port, rate
        self.duration, self.limit = duration, limit
        self.syncs_over = threading.Event()
        self.sent: list[tuple[str, float, int]] = []
        self.idle_ticks = 0

    def going(self, elapsed: float) -> bool:
        return elapsed < self.limit and (elapsed < self.duration or not self.syncs_over.is_set())

    def run(self) -> None:
        from django.db import connection

        rng, began, n = random.Random(7), time.monotonic(), 0
        while self.going(time.monotonic() - began):
            time.sleep(max(0.0, began + n / self.rate - time.monotonic()))
            n += 1
            picked = self.targets.pick(rng)
            if picked is None:
                self.idle_ticks += 1
                continue
            action_id, body, headers = delivery(*picked)
            sent = time.time()
            self.sent.append((action_id, sent, post(self.port, picked[0]["path"], body, headers)))
        connection.close()


def applied(action_ids: list[str]) -> dict[str, tuple[str, float | None]]:
    from integrations.models import WebhookDelivery

    rows = WebhookDelivery.objects.filter(webhook_action_id__in=action_ids).values_list(
        "webhook_action_id", "status", "processed_at"
    )
    return {a: (s, p.timestamp() if p else None) for a, s, p in rows}


def wait_applied(action_ids: list[str], timeout: float) -> dict[str, tuple[str, float | None]]:
    deadline = time.monotonic() + timeout
    while True:
        rows = applied(action_ids)
        done = [r for r in rows.values() if r[0] in ("processed", "ignored", "failed")]
        if len(done) >= len(action_ids) or time.monotonic() > deadline:
            return rows
        time.sleep(1)


# --- the phases ----------------------------------------------------------------------------


def run(args, tenants: list[dict], port: int, roles: dict, memory) -> dict:
    targets = Targets(tenants)
    stream = Stream(targets, port, args.webhook_rate, args.duration, args.timeout)
    began = time.time()
    stream.start()
    with ThreadPoolExecutor(max_workers=min(20, len(tenants))) as pool:
        list(pool.map(connect, tenants))
    say(f"every tenant's Connect returned after {time.time() - began:.1f} s")
    h.wait_until("every tenant's first sync", lambda: syncs_done(tenants), args.timeout, 1.0)
    syncs_over = time.time()
    stream.syncs_over.set()
    say(f"every sync over after {syncs_over - began:.1f} s; {uptime()}")
    stream.join(timeout=args.duration + 30)
    outcomes(tenants)
    rows = wait_applied([s[0] for s in stream.sent], 120)
    result = {"began": began, "syncs_over": syncs_over, "tenants": tenants, "load": uptime()}
    result |= {"stream": stream.sent, "stream_rows": rows, "idle_ticks": stream.idle_ticks}
    say(f"{len(stream.sent)} stream deliveries applied; the backlog")
    result["backlog"] = backlog(args, targets, port, roles["realtime cluster"])
    return result


def pause(process) -> None:
    os.killpg(process.pid, signal.SIGSTOP)


def resume(process) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGCONT)


def backlog(args, targets: Targets, port: int, cluster) -> dict:
    """Deliveries stored while the realtime cluster is paused, then drained: per second."""
    rng = random.Random(11)
    picks = [targets.pick(rng) for _ in range(args.backlog)]
    prepared = [(p[0]["path"], *delivery(*p)) for p in picks if p is not None]
    say(f"{len(prepared)} deliveries prepared; the realtime cluster paused while they arrive")
    pause(cluster)
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda d: post(port, d[0], d[2], d[3]), prepared))
    finally:
        resumed = time.time()
        resume(cluster)
    say("resumed")
    rows = wait_applied([d[1] for d in prepared], 600)
    say("drained; stopping every process")
    times = [p for s, p in rows.values() if s == "processed" and p]
    took = max(times) - resumed if times else float("nan")
    return {
        "sent": len(prepared),
        "accepted": statuses.count(200),
        "processed": len(times),
        "seconds": took,
        "rate": len(times) / took if times else 0.0,
    }


# --- memory --------------------------------------------------------------------------------


class Memory(threading.Thread):
    """Each process's peak resident memory, sampled every second, per role (process group)."""

    def __init__(self, roles: dict) -> None:
        super().__init__(daemon=True)
        self.roles = roles
        self.peak: dict[tuple[str, int], float] = {}
        self.halt = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.halt.wait(1.0):
            self.sample()

    def sample(self) -> None:
        groups = {p.pid: role for role, p in self.roles.items()}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                group = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2])
                if group in groups:
                    rss = rss_mb(entry / "status")
                    key = (groups[group], int(entry.name))
                    self.peak[key] = max(self.peak.get(key, 0.0), rss)

    def stop(self) -> None:
        self.halt.set()

    def peaks(self) -> dict[str, tuple[float, int]]:
        """Per role: the largest process's peak RSS in MB, and how many processes it had."""
        out: dict[str, tuple[float, int]] = {}
        for (role, _pid), mb in self.peak.items():
            top, count = out.get(role, (0.0, 0))
            out[role] = (max(top, mb), count + 1)
        return out


def rss_mb(status: Path) -> float:
    for line in status.read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
