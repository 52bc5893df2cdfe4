""" "Sync now" and the live progress on the Integrations panel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from integrations import sync_runs as sync_service
from integrations.models import AshbyConnection, SyncRun, SyncState
from tests.integrations.test_sync_engine import API_KEY

SYNC_NOW = reverse("integrations:sync_now")
STATUS = reverse("integrations:sync_status")
PAGE = reverse("integrations:integrations")


@pytest.fixture
def ashby(tenant_a) -> AshbyConnection:
    connection = AshbyConnection(tenant=tenant_a, key_title="Guide")
    connection.api_key = API_KEY
    connection.save()
    return connection


@pytest.fixture(autouse=True)
def no_enqueue(monkeypatch):
    enqueued: list[int] = []
    monkeypatch.setattr(sync_service, "_enqueue", lambda run_pk, conn_pk: enqueued.append(run_pk))
    return enqueued


def _running(ashby: AshbyConnection) -> SyncRun:
    now = timezone.now()
    return SyncRun.objects.create(
        connection=ashby,
        status=SyncRun.Status.RUNNING,
        started_at=now,
        heartbeat_at=now,
        current_resource="candidates",
        progress={
            "departments": {"fetched": 3, "created": 3, "updated": 0, "deleted": 0, "pages": 1},
            "candidates": {
                "fetched": 1200,
                "created": 1100,
                "updated": 100,
                "deleted": 0,
                "pages": 12,
            },
        },
    )


@pytest.mark.django_db
def test_an_admin_starts_a_sync(
    tenant_admin_client, ashby, no_enqueue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = tenant_admin_client.post(SYNC_NOW, follow=True)

    assert response.redirect_chain[-1][0] == PAGE
    run = SyncRun.objects.get(connection=ashby)
    assert run.status == SyncRun.Status.QUEUED and run.reason == "Sync now by alice"
    assert no_enqueue == [run.pk]
    assert "Sync started." in response.content.decode()


@pytest.mark.django_db
def test_sync_now_while_a_sync_runs_is_folded_into_it(tenant_admin_client, ashby, no_enqueue):
    running = _running(ashby)

    response = tenant_admin_client.post(SYNC_NOW, follow=True)

    assert list(SyncRun.objects.values_list("pk", flat=True)) == [running.pk]
    assert no_enqueue == []
    assert "already running" in response.content.decode()


@pytest.mark.django_db
def test_a_read_only_member_cannot_start_a_sync(member_client, ashby):
    response = member_client.post(SYNC_NOW)

    assert response.status_code == 403
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_an_outsider_cannot_start_our_sync(outsider_client, ashby):
    response = outsider_client.post(SYNC_NOW, follow=True)

    assert response.status_code == 200
    assert "Connect Ashby first." in response.content.decode()
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_sync_now_is_refused_while_the_connection_needs_attention(tenant_admin_client, ashby):
    ashby.mark_needs_attention("Key revoked")

    response = tenant_admin_client.post(SYNC_NOW, follow=True)

    assert "needs attention" in response.content.decode()
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_sync_now_only_accepts_post(tenant_admin_client, ashby):
    assert tenant_admin_client.get(SYNC_NOW).status_code == 405


@pytest.mark.django_db
def test_the_status_of_a_running_sync_has_its_progress(member_client, ashby):
    run = _running(ashby)

    response = member_client.get(STATUS)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    data = response.json()
    assert data["active"] is True
    assert data["run"]["id"] == run.pk and data["run"]["status"] == "running"
    assert data["run"]["current"] == "Candidates"
    assert 0 < data["run"]["percent"] < 100
    assert data["run"]["totals"]["fetched"] == 1203
    assert 'role="progressbar"' in data["html"]
    assert f'aria-valuenow="{data["run"]["percent"]}"' in data["html"]
    assert "Candidates" in data["html"]


@pytest.mark.django_db
def test_after_a_sync_the_panel_shows_the_last_result_and_the_next_run(tenant_admin_client, ashby):
    SyncRun.objects.create(
        connection=ashby,
        status=SyncRun.Status.FAILED,
        started_at=timezone.now() - timedelta(minutes=3),
        finished_at=timezone.now() - timedelta(minutes=2),
        error="candidates: Ashby is unreachable or failed to answer.",
        progress={"candidates": {"fetched": 10, "created": 10, "error": "Ashby is unreachable"}},
    )
    SyncState.objects.create(connection=ashby, resource="candidates", sync_token="secret-ish-token")

    page = tenant_admin_client.get(PAGE).content.decode()
    data = tenant_admin_client.get(STATUS).json()

    assert data["active"] is False and data["next_run"]
    assert "<dt>Last sync</dt>" in page and '<span class="badge bad">Failed</span>' in page
    assert "candidates: Ashby is unreachable" in page
    assert "Next scheduled sync" in page
    assert "Sync now" in page
    assert 'id="sync-status"' in page and "js/sync-status.js" in page
    assert "secret-ish-token" not in page + data["html"]
    assert API_KEY not in page + data["html"]


@pytest.mark.django_db
def test_the_status_is_that_of_the_viewers_own_tenant(outsider_client, ashby):
    _running(ashby)

    data = outsider_client.get(STATUS).json()

    assert data == {
        "connected": False,
        "active": False,
        "run": None,
        "next_run": None,
        "html": data["html"],
    }
    assert "Candidates" not in data["html"]


@pytest.mark.django_db
def test_the_status_needs_a_signed_in_member(client, ashby):
    response = client.get(STATUS)

    assert response.status_code == 302 and "login" in response["Location"]
