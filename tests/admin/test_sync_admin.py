"""Sync runs and state in the support console, and the connection's sync actions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Task

from integrations import sync_runs as sync_service
from integrations.models import AshbyConnection, AuditEvent, SyncRun, SyncState
from tests.admin.conftest import run_action

pytestmark = pytest.mark.django_db

CONNECTIONS = reverse("admin:integrations_ashbyconnection_changelist")
RUNS = reverse("admin:integrations_syncrun_changelist")


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """The runs request_sync would hand to django-q2 (recorded, not run)."""
    runs: list[int] = []
    monkeypatch.setattr(sync_service, "_enqueue", lambda run_pk, conn_pk: runs.append(run_pk))
    return runs


@pytest.fixture
def states(connection) -> list[SyncState]:
    return [
        SyncState.objects.create(
            connection=connection,
            resource=resource,
            sync_token=f"token-of-{resource}",
            last_synced_at=timezone.now(),
        )
        for resource in ("candidates", "applications", "jobs")
    ]


def test_sync_now_queues_a_run(
    support_client, connection, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(support_client, CONNECTIONS, "sync_now", connection.pk)
    run = SyncRun.objects.get(connection=connection)
    assert (run.status, run.full, run.reason) == ("queued", False, "support: sync now")
    assert enqueued == [run.pk]
    assert f"Queued a sync for Acme (run {run.pk})." in response.content.decode()


def test_sync_now_while_a_run_is_under_way_says_so(support_client, connection, enqueued):
    running = SyncRun.objects.create(
        connection=connection, status="running", heartbeat_at=timezone.now()
    )
    response = run_action(support_client, CONNECTIONS, "sync_now", connection.pk)
    assert SyncRun.objects.count() == 1
    assert f"Acme&#x27;s sync run {running.pk} is already running" in response.content.decode()


def test_full_resync_drops_the_sync_tokens_and_queues_a_full_run(
    support_client, connection, states, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(
            support_client, CONNECTIONS, "full_resync", connection.pk, confirmed=True
        )
    assert set(SyncState.objects.values_list("sync_token", flat=True)) == {""}
    run = SyncRun.objects.get(connection=connection)
    assert (run.status, run.full) == ("queued", True)
    assert enqueued == [run.pk]
    assert f"Queued a full sync for Acme (run {run.pk}); 3 sync tokens dropped." in (
        response.content.decode()
    )
    event = AuditEvent.objects.order_by("-id").first()
    assert (event.action, event.outcome) == ("full_resync_requested", "done")


def test_full_resync_upgrades_a_queued_run(support_client, connection, states, enqueued):
    queued = SyncRun.objects.create(connection=connection, status="queued")
    run_action(support_client, CONNECTIONS, "full_resync", connection.pk, confirmed=True)
    queued.refresh_from_db()
    assert queued.full is True
    assert SyncRun.objects.count() == 1


def test_full_resync_is_refused_while_a_run_is_running(
    support_client, connection, states, enqueued
):
    SyncRun.objects.create(connection=connection, status="running", heartbeat_at=timezone.now())
    response = run_action(support_client, CONNECTIONS, "full_resync", connection.pk, confirmed=True)
    assert "Acme has a sync running: run Full resync again" in response.content.decode()
    assert set(SyncState.objects.values_list("sync_token", flat=True)) != {""}
    assert AuditEvent.objects.order_by("-id").first().outcome == "refused"


def test_full_resync_is_refused_for_a_disabled_connection(
    support_client, connection, states, enqueued
):
    AshbyConnection.objects.filter(pk=connection.pk).update(status="disabled")
    run_action(support_client, CONNECTIONS, "full_resync", connection.pk, confirmed=True)
    assert not SyncRun.objects.exists()
    assert "" not in set(SyncState.objects.values_list("sync_token", flat=True))


def finished_run(connection, **extra) -> SyncRun:
    now = timezone.now()
    defaults = dict(
        status="failed",
        started_at=now - timedelta(minutes=2),
        finished_at=now,
        task_id="a1b2c3d4e5f60718293a4b5c6d7e8f90",
        progress={
            "candidates": {
                "fetched": 120,
                "created": 100,
                "updated": 20,
                "deleted": 0,
                "skipped": 0,
                "pages": 2,
                "error": "",
            },
            "applications": {
                "fetched": 7,
                "created": 7,
                "updated": 0,
                "deleted": 0,
                "skipped": 0,
                "pages": 1,
                "error": "Ashby answered 500 twice",
            },
        },
        error="Ashby answered 500 twice",
    )
    return SyncRun.objects.create(connection=connection, **{**defaults, **extra})


def test_the_run_page_shows_progress_per_resource_and_links_the_task(support_client, connection):
    run = finished_run(connection)
    Task.objects.create(
        id=run.task_id,
        name="sync-1-1",
        func="integrations.tasks.run_sync",
        started=timezone.now(),
        stopped=timezone.now(),
        success=False,
    )
    html = support_client.get(
        reverse("admin:integrations_syncrun_change", args=[run.pk])
    ).content.decode()
    assert "<td>candidates</td><td>120</td><td>100</td><td>20</td>" in html
    assert "Ashby answered 500 twice" in html
    assert reverse("admin:django_q_failure_change", args=[run.task_id]) in html
    listing = support_client.get(RUNS).content.decode()
    assert "127 / 107 / 20 / 0" in listing
    assert reverse("admin:django_q_failure_change", args=[run.task_id]) in listing


def test_the_stale_filter_lists_runs_without_a_heartbeat(support_client, connection, tenant_b):
    old = timezone.now() - timedelta(hours=3)
    stale = SyncRun.objects.create(
        connection=connection, status="running", heartbeat_at=old, reason="stale one"
    )
    finished_run(connection, reason="finished one")
    html = support_client.get(RUNS, {"stale": "yes"}).content.decode()
    assert "stale one" in html and "finished one" not in html
    assert stale.pk


def test_the_error_filter_lists_failed_runs(support_client, connection):
    finished_run(connection, reason="broken one")
    finished_run(connection, status="succeeded", error="", reason="good one", task_id="")
    html = support_client.get(RUNS, {"has_error": "yes"}).content.decode()
    assert "broken one" in html and "good one" not in html


def test_sync_state_shows_whether_a_token_is_set_never_the_token(support_client, states):
    html = support_client.get(reverse("admin:integrations_syncstate_changelist")).content.decode()
    assert "candidates" in html
    assert "token-of-" not in html
    page = support_client.get(reverse("admin:integrations_syncstate_change", args=[states[0].pk]))
    assert "token-of-" not in page.content.decode()


def test_the_connection_list_shows_the_last_sync_and_its_error(support_client, connection):
    finished_run(connection)
    html = support_client.get(CONNECTIONS).content.decode()
    assert "Failed" in html
    assert "Ashby answered 500 twice" in html


def test_the_connection_page_links_to_its_runs_and_state(
    support_client, connection, states, tenant_b
):
    from tests.admin.world import populate

    finished_run(connection)
    populate(tenant_b, name="Bea Bravo")  # another tenant's runs and states
    page = support_client.get(
        reverse("admin:integrations_ashbyconnection_change", args=[connection.pk])
    ).content.decode()
    for name, expected in (("syncrun", 1), ("syncstate", 3)):
        url = (
            reverse(f"admin:integrations_{name}_changelist")
            + f"?connection__id__exact={connection.pk}"
        )
        assert url.replace("&", "&amp;") in page or url in page
        response = support_client.get(url)
        assert response.status_code == 200
        assert response.context["cl"].result_count == expected
