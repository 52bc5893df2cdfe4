"""Fair syncs (issue 18): a sync works in slices that checkpoint and go back on the queue,
so tenants take turns; a slice stopped midway resumes from its checkpoint; the scheduled
syncs are spread over the interval; the first guides come with the first slice; the pages
are fetched side by side, never more at once than the tenant's share."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
import responses
from django.urls import reverse
from django.utils import timezone

from guides import models as g
from integrations import budget, registry, tasks
from integrations import sync_runs as sync_service
from integrations.ashby.client import AshbyClient, RetryPolicy
from integrations.models import AshbyConnection, SyncRun, SyncSeen, SyncState
from integrations.schedule import due_connection_ids, last_turn, next_turn, turn_offset
from integrations.sync_runs import request_sync, run_sync_to_end
from integrations.sync_status import sync_status
from tests.integrations.sync_fake import BASE_URL, FakeAshby, seed
from tests.integrations.test_client import NoBudget  # pool threads then touch no database

KEYS = {"a": "key-of-tenant-a-0123456789", "b": "key-of-tenant-b-0123456789"}


@pytest.fixture
def fake():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeAshby().install(mock)


def _connect(tenant, key: str) -> AshbyConnection:
    connection = AshbyConnection(tenant=tenant, key_title="Guide")
    connection.api_key = key
    connection.save()
    return connection


@pytest.fixture
def ashby_a(tenant_a) -> AshbyConnection:
    return _connect(tenant_a, KEYS["a"])


@pytest.fixture
def ashby_b(tenant_b) -> AshbyConnection:
    return _connect(tenant_b, KEYS["b"])


def client(key: str = KEYS["a"], **kwargs) -> AshbyClient:
    return AshbyClient(
        key,
        base_url=BASE_URL,
        sleep=lambda seconds: None,
        retry=RetryPolicy(max_attempts=2),
        **kwargs,
    )


def synced_data(tenant) -> dict:
    """The tenant's synced records by Ashby id, relations by Ashby id (not database ids)."""
    data = {}
    for model in (
        g.Department,
        g.Location,
        g.Interviewer,
        g.InterviewPlan,
        g.InterviewStage,
        g.Job,
        g.Interview,
        g.Candidate,
        g.Application,
        g.InterviewSchedule,
        g.InterviewEvent,
    ):
        rows = {}
        for row in model.objects.filter(tenant=tenant):
            values = {}
            for field in model._meta.concrete_fields:
                if field.name in ("id", "tenant", "synced_at"):
                    continue
                value = getattr(row, field.name)
                values[field.name] = getattr(value, "external_id", value)
            for m2m in model._meta.many_to_many:
                values[m2m.name] = sorted(o.external_id for o in getattr(row, m2m.name).all())
            rows[row.external_id] = values
        data[model.__name__] = rows
    data["guides"] = sorted(
        g.Guide.objects.filter(tenant=tenant).values_list("candidate__external_id", flat=True)
    )
    return data


# --- slices on the queue ----------------------------------------------------------------------


@pytest.fixture
def bulk_queue(monkeypatch, django_capture_on_commit_callbacks):
    """The bulk queue as a FIFO list, worked by `work()` one task at a time, as one worker
    would: each task is integrations.tasks.run_sync, with the client of its tenant's key."""
    queue: list[tuple[int, int | None]] = []
    monkeypatch.setattr(
        sync_service,
        "_enqueue",
        lambda run_pk, conn_pk, after_slice=None: queue.append((conn_pk, after_slice)),
    )
    monkeypatch.setattr(registry, "make_client", lambda key, tenant_id: client(key))
    worked: list[tuple[int, int | None, str]] = []

    def work(*, until=lambda: False, limit: int = 200) -> list[tuple[int, int | None, str]]:
        while queue and not until() and limit:
            connection_id, after_slice = queue.pop(0)
            with django_capture_on_commit_callbacks(execute=True):
                outcome = tasks.run_sync(connection_id, after_slice=after_slice)
            worked.append((connection_id, after_slice, outcome))
            limit -= 1
        return worked

    work.queue = queue
    return work


def _request(connection: AshbyConnection, django_capture_on_commit_callbacks) -> SyncRun:
    with django_capture_on_commit_callbacks(execute=True):
        return request_sync(connection.pk, reason="test")


def _both_requested(fake, settings, capture, a, b, *, candidates: int, slice_pages: int) -> None:
    """Two tenants' syncs asked for, A's first, pages of 2 records."""
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    settings.GUIDE_SYNC_SLICE_PAGES = slice_pages
    seed(fake, candidates=candidates)
    _request(a, capture)
    _request(b, capture)


@pytest.mark.django_db
def test_two_tenants_syncs_take_turns_slice_by_slice(
    fake, ashby_a, ashby_b, tenant_a, tenant_b, settings, bulk_queue,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    _both_requested(
        fake, settings, django_capture_on_commit_callbacks, ashby_a, ashby_b,
        candidates=6, slice_pages=4,
    )  # fmt: skip

    def one_finished() -> bool:
        return SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED).exists()

    worked = bulk_queue(until=one_finished)

    # Both runs advanced before either finished, in turns: A, B, A, B, ...
    order = [connection for connection, _, _ in worked]
    assert order[:4] == [ashby_a.pk, ashby_b.pk, ashby_a.pk, ashby_b.pk]
    runs = {run.connection_id: run for run in SyncRun.objects.all()}
    assert {run.status for run in runs.values()} == {"succeeded", "running"}
    still_running = next(run for run in runs.values() if run.status == "running")
    assert still_running.total("pages") >= 4 and still_running.slices >= 2
    assert still_running.in_slice is False  # waiting for its next turn, no worker holds it

    bulk_queue()  # the rest, to the end

    assert SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED).count() == 2
    assert synced_data(tenant_a) == synced_data(tenant_b)
    assert g.Guide.objects.filter(tenant=tenant_a).count() == 6
    assert SyncSeen.objects.count() == 0
    assert not bulk_queue.queue


@pytest.mark.django_db
def test_a_second_copy_of_a_slice_task_leaves_the_run_alone(
    fake, ashby_a, settings, bulk_queue, django_capture_on_commit_callbacks
):
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    settings.GUIDE_SYNC_SLICE_PAGES = 3
    seed(fake, candidates=4)
    _request(ashby_a, django_capture_on_commit_callbacks)
    bulk_queue(limit=1)
    (connection_id, after_slice) = bulk_queue.queue[0]
    calls = len(fake.calls)

    # A broker redelivery of the first task, and a copy of a slice already begun.
    assert tasks.run_sync(connection_id) == "skipped"
    assert tasks.run_sync(connection_id, after_slice=after_slice - 1) == "skipped"

    assert len(fake.calls) == calls
    run = SyncRun.objects.get()
    assert (run.status, run.slices, run.in_slice) == ("running", 1, False)


def _a_under_way_b_waiting(fake, settings, bulk_queue, capture) -> None:
    """A's sync had its first slice (its next one queued); then B's is asked for."""
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    settings.GUIDE_SYNC_SLICE_PAGES = 3
    seed(fake, candidates=8)
    a, b = AshbyConnection.objects.order_by("pk")
    _request(a, capture)
    bulk_queue(limit=1)
    _request(b, capture)  # B connects: queued behind A's next slice


@pytest.mark.django_db
def test_a_run_not_begun_goes_ahead_of_the_slices_under_way(
    fake, ashby_a, ashby_b, settings, bulk_queue, django_capture_on_commit_callbacks
):
    _a_under_way_b_waiting(fake, settings, bulk_queue, django_capture_on_commit_callbacks)
    assert bulk_queue.queue == [(ashby_a.pk, 1), (ashby_b.pk, None)]

    bulk_queue(limit=1)  # the task of A's next slice

    a, b = SyncRun.objects.get(connection=ashby_a), SyncRun.objects.get(connection=ashby_b)
    assert (b.status, b.slices) == ("running", 1)  # B's first slice was worked by that task
    assert (a.status, a.slices, a.in_slice) == ("running", 1, False)  # A's waits its turn
    assert bulk_queue.queue == [(ashby_b.pk, None), (ashby_b.pk, 1), (ashby_a.pk, 1)]

    assert bulk_queue(limit=1)[-1] == (ashby_b.pk, None, "skipped")  # B's own task: begun
    bulk_queue()
    assert SyncRun.objects.filter(status=SyncRun.Status.SUCCEEDED).count() == 2
    assert not bulk_queue.queue


@pytest.mark.django_db
def test_a_stale_copy_of_a_slice_task_begins_no_waiting_run(
    fake, ashby_a, ashby_b, settings, bulk_queue, django_capture_on_commit_callbacks
):
    _a_under_way_b_waiting(fake, settings, bulk_queue, django_capture_on_commit_callbacks)

    assert tasks.run_sync(ashby_a.pk, after_slice=0) == "skipped"  # a copy of a begun slice

    assert SyncRun.objects.get(connection=ashby_b).status == SyncRun.Status.QUEUED


@pytest.mark.django_db
def test_a_first_slice_ends_at_its_first_guides_while_other_runs_wait(
    fake, ashby_a, ashby_b, tenant_a, tenant_b, settings, bulk_queue,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    _both_requested(
        fake, settings, django_capture_on_commit_callbacks, ashby_a, ashby_b,
        candidates=8, slice_pages=50,
    )  # fmt: skip

    bulk_queue(limit=1)  # A's first slice, B waiting to begin

    a = SyncRun.objects.get(connection=ashby_a)
    assert a.status == "running" and g.Guide.objects.filter(tenant=tenant_a).exists()
    pages_a = a.total("pages")
    bulk_queue(limit=1)  # B's first slice: nobody waits to begin any more, so a whole slice
    b = SyncRun.objects.get(connection=ashby_b)
    assert b.status == "succeeded" and b.total("pages") > pages_a
    assert bulk_queue() and SyncRun.objects.get(connection=ashby_a).status == "succeeded"
    assert synced_data(tenant_a) == synced_data(tenant_b)


@pytest.mark.django_db
def test_a_first_slices_calls_go_ahead_of_the_bulk_calls_of_later_slices(
    ashby_a, settings, monkeypatch
):
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    settings.GUIDE_SYNC_SLICE_PAGES = 4
    monkeypatch.setattr(registry, "make_client", lambda key, tenant_id: client(key))
    lanes: list[bool] = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeAshby()
        answer = fake._answer

        def noting_the_lane(request):
            lanes.append(budget.in_bulk_lane())
            return answer(request)

        fake._answer = noting_the_lane  # before install(), which registers fake._answer
        fake.install(mock)
        seed(fake, candidates=8)

        run = sync_service.run_queued_sync(ashby_a.pk, requeue=False)  # after Connect
        first = list(lanes)
        sync_service.run_queued_sync(ashby_a.pk, after_slice=run.slices, requeue=False)
        later = lanes[len(first) :]

    assert first and not any(first)
    assert later and all(later)


@pytest.mark.django_db
def test_progress_stays_right_across_slices(
    fake, ashby_a, tenant_a, settings, bulk_queue, django_capture_on_commit_callbacks
):
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    settings.GUIDE_SYNC_SLICE_PAGES = 5
    seed(fake, candidates=8)
    _request(ashby_a, django_capture_on_commit_callbacks)
    seen = []
    while bulk_queue.queue:
        bulk_queue(limit=1)
        seen.append(sync_status(tenant_a))

    between = [status for status in seen if status["active"]]
    assert len(between) >= 2
    for status in between:
        assert status["run"]["status"] == "running" and status["run"]["between_slices"]
    pages = [status["run"]["totals"]["pages"] for status in seen]
    percents = [status["run"]["percent"] for status in seen]
    assert pages == sorted(pages) and percents == sorted(percents)  # never goes back
    assert pages[0] == 5 and pages[1] == 10  # each slice adds its pages to the last one's
    final = seen[-1]["run"]
    assert (final["status"], final["percent"]) == ("succeeded", 100)
    assert final["totals"]["fetched"] == SyncRun.objects.get().total("fetched")
    candidates = next(r for r in final["resources"] if r["name"] == "candidates")
    assert candidates | {"notes": []} == {  # over several slices
        "name": "candidates",
        "label": "Candidates",
        "fetched": 8,
        "created": 8,
        "updated": 0,
        "deleted": 0,
        "skipped": 0,
        "pages": 4,
        "error": "",
        "notes": [],
        "done": True,
    }


@pytest.mark.django_db
def test_the_page_says_a_sync_between_slices_goes_on_and_what_is_under_way(
    member_client, outsider_client, ashby_a
):
    SyncRun.objects.create(
        connection=ashby_a,
        status=SyncRun.Status.RUNNING,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        in_slice=False,
        slices=2,
        current_resource="applications",
        progress={
            "jobs": {"fetched": 3, "pages": 1, "done": True},
            "candidates": {"fetched": 200, "created": 200, "pages": 2},
            "applications": {"fetched": 100, "created": 100, "pages": 1},
        },
    )
    status = reverse("integrations:sync_status")

    data = member_client.get(status).json()

    assert data["run"]["between_slices"] is True
    assert data["run"]["under_way"] == ["Candidates", "Applications"]
    assert "Syncing: Candidates, Applications…" in data["html"]
    assert "Taking turns with other companies' syncs" in data["html"]
    assert "Taking turns" not in outsider_client.get(status).json()["html"]


@pytest.mark.django_db
def test_a_run_waiting_for_its_next_slice_is_not_taken_for_a_dead_one(ashby_a, settings):
    settings.GUIDE_SYNC_STALE_MINUTES = 10
    waited = timezone.now() - timedelta(minutes=30)
    waiting = SyncRun.objects.create(
        connection=ashby_a,
        status=SyncRun.Status.RUNNING,
        started_at=waited,
        heartbeat_at=waited,
        in_slice=False,
        slices=3,
    )

    assert sync_service.reap_stale_runs() == 0  # 30 minutes in the queue: still waiting

    SyncRun.objects.filter(pk=waiting.pk).update(heartbeat_at=waited - timedelta(minutes=31))
    assert sync_service.reap_stale_runs() == 1  # its next slice was lost
    waiting.refresh_from_db()
    assert waiting.status == SyncRun.Status.FAILED and "stopped responding" in waiting.error


# --- a slice stopped midway --------------------------------------------------------------------


class Killed(BaseException):
    """The worker dies: nothing after this point runs, only the open transaction rolls back."""


@pytest.mark.django_db
def test_a_worker_killed_mid_slice_resumes_from_the_checkpoint_with_identical_data(
    fake, ashby_a, ashby_b, tenant_a, tenant_b, settings
):
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    settings.GUIDE_SYNC_STALE_MINUTES = 10
    seed(fake, candidates=7)
    assert run_sync_to_end(ashby_b.pk, client=client(KEYS["b"])).status == "succeeded"
    reference = synced_data(tenant_b)
    # A candidate Guide has but Ashby no longer lists: the full pass must still remove it,
    # which it can only do if the ids seen before the kill were kept.
    ghost = g.Candidate.objects.create(tenant=tenant_a, external_id="gone-from-ashby", name="Gone")

    def kill(endpoint: str) -> None:
        if endpoint == "candidate.list" and len(fake.calls_to(endpoint)) == 3:
            raise Killed

    fake.on_call = kill
    fake.calls.clear()
    with pytest.raises(Killed):
        sync_service.run_queued_sync(ashby_a.pk, client=client(KEYS["a"]))
    fake.on_call = None
    killed = SyncRun.objects.get(connection=ashby_a)
    assert (killed.status, killed.in_slice) == ("running", True)
    cursor = SyncState.objects.get(connection=ashby_a, resource="candidates").cursor
    assert cursor and g.Candidate.objects.filter(tenant=tenant_a).exclude(pk=ghost.pk).count() == 4

    # Time passes; the next scheduled sync finds the run dead and starts one that resumes.
    SyncRun.objects.filter(pk=killed.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    fake.calls.clear()
    resumed = run_sync_to_end(ashby_a.pk, client=client(KEYS["a"]))

    killed.refresh_from_db()
    assert killed.status == "failed" and resumed.pk != killed.pk
    assert resumed.status == "succeeded", resumed.error
    assert fake.calls_to("candidate.list")[0] == {"limit": 2, "cursor": cursor}
    assert not g.Candidate.objects.filter(pk=ghost.pk).exists()
    assert synced_data(tenant_a) == reference
    assert SyncSeen.objects.count() == 0


# --- first guides, side by side fetching ----------------------------------------------------------


@pytest.mark.django_db
def test_the_first_slice_of_a_first_sync_already_makes_guides(fake, ashby_a, tenant_a, settings):
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    settings.GUIDE_SYNC_SLICE_PAGES = 10
    seed(fake, candidates=20)

    run = sync_service.run_queued_sync(ashby_a.pk, client=client(), requeue=False)

    assert run.status == "running" and run.total("pages") == 10  # far from done
    guided = g.Guide.objects.filter(tenant=tenant_a).values("candidate_id")
    assert guided.count() >= 2
    # A guide with what it shows first: the application, its job and its current stage.
    shown = g.Application.objects.filter(
        candidate_id__in=guided, job__isnull=False, current_stage__isnull=False
    )
    assert shown.exists()
    assert g.InterviewSchedule.objects.count() == 0  # what a guide needs came first


class InFlight:
    """Counts the requests a FakeAshby answers at once, once `armed`. The first two wait
    (a short while) for a third to arrive, so a sync sending more than two is caught."""

    def __init__(self, fake: FakeAshby) -> None:
        self.armed = False
        self.now = self.most = self.seen = 0
        self.changed = threading.Condition()
        answer = fake._answer

        def counted(request):
            if not self.armed:
                return answer(request)
            with self.changed:
                self.now += 1
                self.seen += 1
                self.most = max(self.most, self.now)
                self.changed.notify_all()
                if self.seen <= 2:
                    self.changed.wait_for(lambda: self.now >= 3, timeout=0.3)
            try:
                return answer(request)
            finally:
                with self.changed:
                    self.now -= 1

        fake._answer = counted  # before install(), which registers fake._answer


@pytest.mark.django_db
def test_pages_are_fetched_side_by_side_never_beyond_the_tenants_share(
    ashby_a, ashby_b, tenant_a, tenant_b, settings
):
    settings.GUIDE_SYNC_PAGE_SIZE = 2
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeAshby()
        counter = InFlight(fake)
        fake.install(mock)
        seed(fake, candidates=9)
        assert run_sync_to_end(ashby_b.pk, client=client(KEYS["b"])).status == "succeeded"
        reference = synced_data(tenant_b)
        settings.GUIDE_ASHBY_TENANT_CONCURRENCY = 2
        counter.armed = True

        run = run_sync_to_end(ashby_a.pk, client=client(KEYS["a"], budget=NoBudget()))

    assert run.status == "succeeded", run.error
    assert counter.most == 2  # side by side, and never more than the share
    assert counter.seen == len(fake.calls) // 2  # every request of this sync was counted
    assert synced_data(tenant_a) == reference


# --- the schedule, spread over the interval -------------------------------------------------------


def test_each_tenants_turn_is_stable_and_within_the_interval(settings):
    settings.GUIDE_SYNC_INTERVAL_MINUTES = 15
    interval = 15 * 60
    offsets = [turn_offset(tenant_id) for tenant_id in range(1, 601)]

    assert offsets == [turn_offset(tenant_id) for tenant_id in range(1, 601)]
    assert all(0 <= offset < interval for offset in offsets)
    per_minute = [0] * 15
    for offset in offsets:
        per_minute[offset // 60] += 1
    assert min(per_minute) >= 20 and max(per_minute) <= 60  # about 40 a minute, not 600 at once


def test_a_tenants_turns_come_once_an_interval_at_its_offset(settings):
    settings.GUIDE_SYNC_INTERVAL_MINUTES = 15
    now = datetime(2026, 12, 4, 3, 7, 30, tzinfo=UTC)

    turn = last_turn(42, now)

    assert now - timedelta(minutes=15) < turn <= now
    assert int(turn.timestamp()) % 900 == turn_offset(42)
    assert next_turn(42, now) == turn + timedelta(minutes=15)
    assert last_turn(42, turn) == turn and last_turn(42, turn - timedelta(seconds=1)) < turn


@pytest.mark.django_db
def test_the_tick_asks_for_a_tenants_sync_only_once_its_turn_came(
    ashby_a, ashby_b, tenant_a, tenant_b, settings
):
    settings.GUIDE_SYNC_INTERVAL_MINUTES = 15
    now = timezone.now()
    turn = last_turn(tenant_a.pk, now)
    for connection, requested in ((ashby_a, turn - timedelta(seconds=1)), (ashby_b, now)):
        SyncRun.objects.create(
            connection=connection, status=SyncRun.Status.SUCCEEDED, requested_at=requested
        )

    assert due_connection_ids(now) == [ashby_a.pk]  # A's turn came since its last run
    assert due_connection_ids(turn - timedelta(seconds=2)) == []  # not before it

    SyncRun.objects.create(connection=ashby_a, status=SyncRun.Status.QUEUED, requested_at=now)
    assert due_connection_ids(now) == []  # asked for: not again until its next turn
    assert ashby_a.pk in due_connection_ids(next_turn(tenant_a.pk, now))
    b_turn = next_turn(tenant_b.pk, now)
    assert ashby_b.pk not in due_connection_ids(b_turn - timedelta(seconds=1))
    assert ashby_b.pk in due_connection_ids(b_turn)
