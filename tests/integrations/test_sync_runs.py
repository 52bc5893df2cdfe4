"""One sync per tenant at a time: folding requests, claiming runs, stale runs, the schedule."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import responses
from django.db import IntegrityError, transaction
from django.db import connection as db_connection
from django.utils import timezone
from django_q.models import OrmQ, Schedule

from integrations import sync_runs as sync_service
from integrations.models import AshbyConnection, SyncRun
from integrations.schedule import SCHEDULE_NAME, ensure_sync_schedule
from integrations.sync_runs import reap_stale_runs, request_all_syncs, request_sync, run_queued_sync
from tests.integrations.sync_fake import FakeAshby, seed
from tests.integrations.test_sync_engine import API_KEY, client


@pytest.fixture
def ashby(tenant_a) -> AshbyConnection:
    connection = AshbyConnection(tenant=tenant_a, key_title="Guide")
    connection.api_key = API_KEY
    connection.save()
    return connection


@pytest.fixture
def no_enqueue(monkeypatch):
    """Record the tasks request_sync would enqueue instead of running them."""
    enqueued: list[int] = []
    monkeypatch.setattr(sync_service, "_enqueue", lambda run_pk, conn_pk: enqueued.append(run_pk))
    return enqueued


@pytest.mark.django_db
def test_a_second_request_is_folded_into_the_queued_one(
    ashby, no_enqueue, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = request_sync(ashby.pk, reason="Sync now")
        second = request_sync(ashby.pk, reason="scheduled")

    assert second.pk == first.pk
    assert SyncRun.objects.filter(connection=ashby).count() == 1
    assert no_enqueue == [first.pk]


@pytest.mark.django_db
def test_a_full_request_upgrades_the_queued_run(ashby, no_enqueue):
    request_sync(ashby.pk)
    folded = request_sync(ashby.pk, full=True)

    assert folded.full is True
    assert SyncRun.objects.get().full is True


@pytest.mark.django_db
def test_a_request_while_a_run_is_running_is_folded_into_it(ashby, no_enqueue):
    running = SyncRun.objects.create(
        connection=ashby,
        status=SyncRun.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )

    assert request_sync(ashby.pk).pk == running.pk
    assert no_enqueue == []


@pytest.mark.django_db
def test_the_database_refuses_two_active_runs_for_one_connection(ashby):
    SyncRun.objects.create(connection=ashby, status=SyncRun.Status.RUNNING)

    with pytest.raises(IntegrityError), transaction.atomic():
        SyncRun.objects.create(connection=ashby, status=SyncRun.Status.QUEUED)


@pytest.mark.django_db
def test_a_task_finding_the_sync_running_leaves_it_alone(ashby):
    now = timezone.now()
    running = SyncRun.objects.create(
        connection=ashby, status=SyncRun.Status.RUNNING, started_at=now, heartbeat_at=now
    )

    assert run_queued_sync(ashby.pk, client=client()) is None
    running.refresh_from_db()
    assert running.status == SyncRun.Status.RUNNING


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_marked_failed_and_a_new_one_can_start(
    ashby, no_enqueue, settings
):
    settings.GUIDE_SYNC_STALE_MINUTES = 10
    long_ago = timezone.now() - timedelta(minutes=11)
    dead = SyncRun.objects.create(
        connection=ashby, status=SyncRun.Status.RUNNING, started_at=long_ago, heartbeat_at=long_ago
    )

    fresh = request_sync(ashby.pk)

    dead.refresh_from_db()
    assert dead.status == SyncRun.Status.FAILED
    assert "stopped responding" in dead.error and dead.finished_at is not None
    assert fresh.pk != dead.pk and fresh.status == SyncRun.Status.QUEUED


@pytest.mark.django_db
def test_a_queued_run_never_picked_up_is_reaped_too(ashby, settings):
    settings.GUIDE_SYNC_STALE_MINUTES = 10
    lost = SyncRun.objects.create(
        connection=ashby, requested_at=timezone.now() - timedelta(hours=1)
    )
    recent = SyncRun.objects.create(
        connection=AshbyConnection.objects.create(
            tenant=_other_tenant(), api_key_encrypted="x", key_last4="x"
        ),
    )

    assert reap_stale_runs() == 1
    lost.refresh_from_db()
    recent.refresh_from_db()
    assert (lost.status, recent.status) == (SyncRun.Status.FAILED, SyncRun.Status.QUEUED)


def _other_tenant():
    from tenants.models import Tenant

    return Tenant.objects.create(name="Other", slug="other")


@pytest.mark.django_db
def test_a_run_taken_over_while_running_stops_at_its_next_page(ashby):
    """If a slow run is reaped as stale, it notices at its next page and stops writing."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeAshby().install(mock)
        seed(fake, candidates=2)

        def reap(endpoint: str) -> None:
            if endpoint == "candidate.list":
                SyncRun.objects.filter(connection=ashby).update(
                    status=SyncRun.Status.FAILED, error="reaped"
                )

        fake.on_call = reap
        run = run_queued_sync(ashby.pk, client=client())

    assert run.status == SyncRun.Status.FAILED and run.error == "reaped"
    assert fake.calls_to("application.list") == []
    assert run.progress["candidates"]["pages"] == 0  # the page was rolled back, not half-written


@pytest.mark.django_db
def test_scheduled_syncs_skip_connections_that_need_attention(ashby, tenant_b, no_enqueue):
    broken = AshbyConnection(tenant=tenant_b)
    broken.api_key = "revoked"
    broken.save()
    broken.mark_needs_attention("Key revoked")

    assert request_all_syncs() == 1
    assert list(SyncRun.objects.values_list("connection_id", "reason")) == [(ashby.pk, "scheduled")]


@pytest.mark.django_db
def test_a_queued_run_of_a_connection_needing_attention_is_cancelled(ashby):
    run = SyncRun.objects.create(connection=ashby)
    ashby.mark_needs_attention("Key revoked")

    assert run_queued_sync(ashby.pk, client=client()) is None
    run.refresh_from_db()
    assert run.status == SyncRun.Status.CANCELLED


@pytest.mark.django_db
def test_request_sync_enqueues_the_task_after_commit(
    ashby, django_capture_on_commit_callbacks, monkeypatch
):
    ran: list[int] = []
    monkeypatch.setattr(
        "integrations.tasks.sync_runs.run_queued_sync",
        lambda connection_id, **kwargs: ran.append(connection_id),
    )

    with django_capture_on_commit_callbacks(execute=True):
        run = request_sync(ashby.pk, reason="connected")
        assert ran == []  # not before the run row is committed

    assert ran == [ashby.pk]  # Q_CLUSTER sync=True runs the task at once in tests
    run.refresh_from_db()
    assert run.task_id


@pytest.mark.django_db
def test_old_finished_runs_are_pruned_but_the_latest_is_kept(ashby, tenant_b, settings):
    settings.GUIDE_SYNC_KEEP_RUNS_DAYS = 30
    old = timezone.now() - timedelta(days=40)
    done = SyncRun.Status.SUCCEEDED
    pruned = SyncRun.objects.create(connection=ashby, status=done, requested_at=old)
    recent = SyncRun.objects.create(connection=ashby, status=done, requested_at=timezone.now())
    other = AshbyConnection(tenant=tenant_b)
    other.api_key = "k"
    other.save()
    only = SyncRun.objects.create(connection=other, status=done, requested_at=old)

    assert sync_service.prune_old_runs() == 1

    assert set(SyncRun.objects.values_list("pk", flat=True)) == {recent.pk, only.pk}
    assert not SyncRun.objects.filter(pk=pruned.pk).exists()


# --- the schedule -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sync_schedule_exists_after_migrate_and_is_created_only_once():
    assert Schedule.objects.filter(name=SCHEDULE_NAME).count() == 1  # made by post_migrate
    ensure_sync_schedule()
    ensure_sync_schedule()

    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    # A tick every minute; each tenant's turn within GUIDE_SYNC_INTERVAL_MINUTES decides.
    assert (schedule.func, schedule.schedule_type, schedule.minutes, schedule.repeats) == (
        "integrations.tasks.sync_all_connections",
        Schedule.MINUTES,
        1,
        -1,
    )


@pytest.mark.django_db
def test_a_schedule_of_an_older_version_becomes_the_minute_tick():
    schedule = ensure_sync_schedule()
    Schedule.objects.filter(pk=schedule.pk).update(
        minutes=15, next_run=timezone.now() + timedelta(minutes=15)
    )

    ensure_sync_schedule()

    schedule = Schedule.objects.get(name=SCHEDULE_NAME)
    assert schedule.minutes == 1
    assert schedule.next_run <= timezone.now() + timedelta(minutes=1, seconds=5)
    assert OrmQ.objects.count() == 0


# --- two requests at once, for real (PostgreSQL) --------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sync_requests_at_once_make_one_run(ashby, no_enqueue):
    barrier = threading.Barrier(4)
    results: list[int] = []
    errors: list[BaseException] = []

    def ask():
        try:
            barrier.wait()
            results.append(request_sync(ashby.pk, reason="race").pk)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(results)) == 1
    assert SyncRun.objects.filter(connection=ashby).count() == 1
    assert len(no_enqueue) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_task_at_once_sync_once(ashby):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeAshby().install(mock)
        seed(fake, candidates=2)
        SyncRun.objects.create(connection=ashby)
        barrier = threading.Barrier(2)
        outcomes: list[object] = []

        def work():
            try:
                barrier.wait()
                outcomes.append(run_queued_sync(ashby.pk, client=client()))
            finally:
                db_connection.close()

        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    finished = [o for o in outcomes if o is not None]
    assert len(finished) == 1 and outcomes.count(None) == 1
    assert finished[0].status == SyncRun.Status.SUCCEEDED
    assert len(fake.calls_to("candidate.list")) == 1
