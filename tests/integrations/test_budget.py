"""One request budget to Ashby for every process: a partner-scope 429 pauses every client
(zero calls during the pause), a per-key 429 only that key, the token bucket caps Guide's rate,
each tenant's calls in flight are capped, waits are shown; in the database and in Redis.

Two client objects with separate memory share only the store, as two processes do; one test
runs two real OS processes. Time is a fake clock shared by both clients (no test waits for
real, except the one with real processes: about 2 s)."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import time

import pytest
import redis
import requests
import responses
from django.db import connections
from django.urls import reverse

from integrations import budget, budget_store
from integrations.ashby import errors
from integrations.ashby.client import AshbyClient, RetryPolicy, key_account
from integrations.budget import Budget, BudgetExhausted, Limits, budget_waits
from integrations.budget_store import Answer, Ask, DatabaseStore, RedisStore, Wait
from integrations.fetch_pool import FetchPool
from integrations.sync_status import sync_status
from tests.integrations.ashby_spec import spec_error
from tests.integrations.conftest import TEST_REDIS_URL, empty_redis_or_skip
from tests.integrations.test_client import FakeTime

REDIS_URL = TEST_REDIS_URL
BASE = "https://ashby.test/api"
KEY_A, KEY_B = "ashby-key-of-tenant-a-0001", "ashby-key-of-tenant-b-0002"
OK = {"success": True, "results": [], "moreDataAvailable": False}
PARTNER_429 = {"Retry-After": "2", "X-RateLimit-Scope": "integration-partner"}
NO_CAPS = Limits(max_rps=0, concurrency=0)


def _redis_or_skip() -> redis.Redis:
    return empty_redis_or_skip("the budget's Redis store")


@pytest.fixture(params=["database", "redis"])
def store(request, db):
    if request.param == "database":
        yield DatabaseStore()
        return
    _redis_or_skip()
    yield RedisStore(REDIS_URL)
    redis.Redis.from_url(REDIS_URL).flushdb()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(store, fake_time):
    """A client with its own memory; only the store (and the clock) is shared."""

    def make(key: str, *, tenant_id=None, limits=NO_CAPS, **retry) -> AshbyClient:
        policy = RetryPolicy(**{"max_attempts": 1, "max_total": 30, **retry})
        shared = Budget(
            key_account(key),
            tenant_id=tenant_id,
            max_wait=policy.max_total,
            limits=limits,
            store=store,
            clock=fake_time.clock,
            sleep=fake_time.sleep,
        )
        return AshbyClient(
            key,
            base_url=BASE,
            session=requests.Session(),
            retry=policy,
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            budget=shared,
        )

    return make


def _answer_at(fake_time: FakeTime, sent: list, *answers):
    """Each call to job.list gets the next answer; `sent` records when (fake time)."""
    queue = list(answers)

    def callback(request):
        sent.append(fake_time.now)
        status, headers, body = queue.pop(0)
        return status, headers, body

    responses.add_callback(responses.POST, f"{BASE}/job.list", callback=callback)


def _partner_429():
    import json

    body = json.dumps(spec_error("rate_limit_exceeded", "Integration partner throttled"))
    return 429, PARTNER_429, body


def _ok():
    import json

    return 200, {}, json.dumps(OK)


@responses.activate
def test_a_partner_pause_keeps_a_second_client_from_calling_until_it_ends(make_client, fake_time):
    sent: list[float] = []
    _answer_at(fake_time, sent, _partner_429(), _ok())
    first, second = make_client(KEY_A), make_client(KEY_B)

    with pytest.raises(errors.RateLimited):
        first.call("job.list")  # one attempt: it stops at the 429, the pause is shared
    second.call("job.list")

    assert sent == [0.0, 2.0]  # the second's only call, once the 2 s Ashby asked had passed
    assert len(responses.calls) == 2


@responses.activate
def test_a_client_that_cannot_wait_out_a_partner_pause_makes_no_call(make_client, fake_time):
    sent: list[float] = []
    _answer_at(fake_time, sent, _partner_429())
    first, impatient = make_client(KEY_A), make_client(KEY_B, max_total=1)

    with pytest.raises(errors.RateLimited):
        first.call("job.list")
    with pytest.raises(errors.RateLimited) as caught:
        impatient.call("job.list")

    assert len(responses.calls) == 1
    assert caught.value.code == "budget_wait"
    assert caught.value.scope == "integration-partner"
    assert caught.value.retry_after == pytest.approx(2.0)


@responses.activate
def test_a_key_limit_pauses_only_that_key(make_client, fake_time):
    sent: list[float] = []
    import json

    key_429 = (429, {"Retry-After": "5"}, json.dumps(spec_error("rate_limit_exceeded", "Slow")))
    _answer_at(fake_time, sent, key_429, _ok())
    throttled, same_key, other_tenant = (
        make_client(KEY_A),
        make_client(KEY_A, max_total=1),
        make_client(KEY_B),
    )

    with pytest.raises(errors.RateLimited):
        throttled.call("job.list")
    with pytest.raises(errors.RateLimited) as caught:
        same_key.call("job.list")  # another process with the same key: no call
    other_tenant.call("job.list")  # another tenant's key: at once

    assert sent == [0.0, 0.0]
    assert caught.value.code == "budget_wait" and caught.value.scope == ""


def test_the_token_bucket_spaces_a_burst_across_tenants(store, fake_time):
    limits = Limits(max_rps=10, concurrency=0)
    budgets = [
        Budget(key, limits=limits, store=store, clock=fake_time.clock, sleep=fake_time.sleep)
        for key in ("key:a", "key:b")
    ]
    sent = []
    for n in range(30):
        with budgets[n % 2].turn():
            sent.append(fake_time.now)

    assert sent[-1] == pytest.approx(2.9)  # 30 calls at 10 a second: 0.0, 0.1, ... 2.9
    assert all(b - a == pytest.approx(0.1) for a, b in zip(sent, sent[1:], strict=False))


def test_a_turn_further_off_than_the_caller_waits_reserves_nothing(store, fake_time):
    limits = Limits(max_rps=1, concurrency=0)
    patient = Budget("key:a", limits=limits, store=store, clock=fake_time.clock)
    hurried = Budget("key:b", limits=limits, store=store, clock=fake_time.clock, max_wait=0.5)
    patient._sleep = hurried._sleep = fake_time.sleep
    with patient.turn():
        pass

    with pytest.raises(BudgetExhausted) as caught, hurried.turn():
        pass
    with patient.turn():
        sent = fake_time.now

    assert caught.value.reason == "rate"
    assert sent == pytest.approx(1.0)  # the refused turn took no slot


@pytest.mark.parametrize("bulk", [True, False])
def test_a_bulk_call_gives_way_to_a_call_someone_waits_for(store, fake_time, bulk):
    """Five calls already have the slots 0 to 4 s (one a second). A sync's call asks at 0;
    while it waits, an admin's Connect asks for one: in the bulk lane the sync's call has
    reserved nothing yet (at most BULK_AHEAD ahead), so Connect's call gets the slot at 5 s."""

    def ask(account: str, now: float) -> Ask:
        return Ask(account, now, interval=1, cap=0, lease="", lease_seconds=10, max_wait=60)

    for _ in range(5):
        store.take(ask("key:a", 0.0))
    connect_slot = []

    def sleep(seconds: float) -> None:
        if not connect_slot:  # Connect's call arrives while the sync's call waits
            connect_slot.append(store.take(ask("key:connect", fake_time.now)).at)
        fake_time.sleep(seconds)

    limits = Limits(max_rps=1, concurrency=0)
    sync = Budget("key:sync", limits=limits, store=store, clock=fake_time.clock, sleep=sleep)
    with budget.bulk_lane() if bulk else contextlib.nullcontext(), sync.turn():
        sent = fake_time.now

    assert (connect_slot[0], sent) == ((5.0, 6.0) if bulk else (6.0, 5.0))


def test_a_fetch_pools_threads_keep_the_callers_lane():
    with budget.bulk_lane(), FetchPool(2) as pool:
        inside = pool.submit(budget.in_bulk_lane).result()
    with FetchPool(2) as pool:
        outside = pool.submit(budget.in_bulk_lane).result()

    assert (inside, outside) == (True, False)


def test_each_tenant_has_at_most_its_cap_of_calls_in_flight(store, fake_time):
    limits = Limits(max_rps=0, concurrency=2)

    def budget(key: str, max_wait: float = 5) -> Budget:
        made = Budget(key, limits=limits, store=store, clock=fake_time.clock, max_wait=max_wait)
        made._sleep = fake_time.sleep
        return made

    with budget("key:a").turn(), budget("key:a").turn():
        with pytest.raises(BudgetExhausted) as caught, budget("key:a", max_wait=1).turn():
            pass
        with budget("key:b").turn():
            other_went_at = fake_time.now
    with budget("key:a").turn():
        freed_at = fake_time.now

    assert caught.value.reason == "busy"
    assert other_went_at == freed_at == pytest.approx(1.0, abs=0.2)  # nobody else waited


def test_a_lease_lapses_lease_seconds_after_its_slot(store):
    """The slot is 5 s off (the bucket's next one): the lease counts from then, for the
    longest the call may take, not from when it was asked for."""

    def ask(account: str, now: float, lease: str, cap: int = 1) -> Ask:
        return Ask(account, now, interval=5, cap=cap, lease=lease, lease_seconds=10, max_wait=30)

    assert store.take(ask("key:other", 0, "", cap=0)) == Answer("go", 0.0)
    assert store.take(ask("key:a", 0, "held")) == Answer("go", 5.0)  # never handed back

    assert store.take(ask("key:a", 14.9, "next")).kind == "busy"
    assert store.take(ask("key:a", 15.0, "next")) == Answer("go", 15.0)


def test_a_killed_holders_lease_blocks_its_tenant_only_until_its_call_would_have_ended(
    store, fake_time
):
    limits = Limits(max_rps=0.2, concurrency=1)  # a slot every 5 s, one call in flight

    def budget(key: str) -> Budget:
        return Budget(
            key,
            limits=limits,
            store=store,
            clock=fake_time.clock,
            sleep=fake_time.sleep,
            max_wait=120,
            lease_seconds=10,
        )

    with budget("key:b").turn():  # another tenant's call takes the slot at 0
        pass
    killed = budget("key:a").turn()
    killed.__enter__()  # its call goes at its slot, 5 s on; the process dies: never released
    slot = fake_time.now
    with budget("key:a").turn():  # the tenant's next sync
        went_at = fake_time.now

    assert slot == pytest.approx(5.0)
    assert went_at == pytest.approx(slot + 10, abs=0.2)


def test_a_waiting_tenant_is_shown_to_the_support_console(store, fake_time, tenant_a):
    fake_time.now = time.time()
    seen = []
    waiting = Budget(
        "key:a",
        tenant_id=tenant_a.pk,
        limits=NO_CAPS,
        store=store,
        clock=fake_time.clock,
        sleep=lambda s: (
            seen.append(budget_waits(now=fake_time.now, store=store)),
            fake_time.sleep(s),
        ),
    )
    waiting.pause_partner(30)

    with waiting.turn():
        pass

    during = seen[0]
    assert during.partner_paused_until.timestamp() == pytest.approx(fake_time.now, abs=0.01)
    assert [(w.tenant_id, w.reason) for w in during.tenants] == [(tenant_a.pk, "partner")]
    assert "all of Guide" in during.tenants[0].reason_text
    assert budget_waits(now=fake_time.now, store=store).tenants == []  # noted only while waiting


@pytest.fixture
def running_sync(tenant_a):
    from integrations.models import AshbyConnection, SyncRun

    connection = AshbyConnection(tenant=tenant_a, key_title="Guide")
    connection.api_key = KEY_A
    connection.save()
    return SyncRun.objects.create(connection=connection, status=SyncRun.Status.RUNNING)


def test_the_sync_progress_says_the_tenant_waits(tenant_a, running_sync):
    now = time.time()
    DatabaseStore().note_wait(Wait("key:a", tenant_a.pk, now, now + 40, "partner"))

    status = sync_status(tenant_a)

    assert status["budget_wait"]["reason"] == "partner"
    assert status["budget_wait"]["until"].timestamp() == pytest.approx(now + 40)


def test_the_sync_progress_page_shows_the_wait(tenant_admin_client, tenant_a, running_sync):
    now = time.time()
    DatabaseStore().note_wait(Wait("key:a", tenant_a.pk, now, now + 40, "account"))

    html = tenant_admin_client.get(reverse("integrations:sync_status")).json()["html"]

    assert "Waiting" in html and "throttling this tenant&#x27;s API key" in html
    assert " UTC</time>" in html


def test_redis_unreachable_falls_back_to_the_database_and_says_so(db, caplog, fake_time):
    caplog.set_level(logging.WARNING)
    store = budget_store.FallbackStore(RedisStore("redis://127.0.0.1:9/0"), DatabaseStore())
    first = Budget("key:a", limits=NO_CAPS, store=store, clock=fake_time.clock)
    second = Budget("key:b", limits=NO_CAPS, store=DatabaseStore(), clock=fake_time.clock)
    second._sleep = fake_time.sleep

    first.pause_partner(3)
    with second.turn():
        went_at = fake_time.now

    assert went_at == pytest.approx(3.0)  # the pause went to the database, which all share
    assert "Redis unreachable (ConnectionError); using the database" in caplog.text


# --- two real processes -----------------------------------------------------------------------


def _process_call(store_kind: str, key: str, max_total: float, answer: str, out) -> None:
    """In a child process: one client call answered by `responses`; reports what happened."""
    import json

    store = RedisStore(REDIS_URL) if store_kind == "redis" else DatabaseStore()
    sent = []
    with responses.RequestsMock() as mock:

        def callback(request):
            sent.append(time.time())
            if answer == "partner_429":
                body = json.dumps(spec_error("rate_limit_exceeded", "Partner throttled"))
                return 429, PARTNER_429, body
            return 200, {}, json.dumps(OK)

        mock.add_callback(responses.POST, f"{BASE}/job.list", callback=callback)
        policy = RetryPolicy(max_attempts=1, max_total=max_total)
        budget = Budget(key_account(key), limits=NO_CAPS, store=store, max_wait=max_total)
        client = AshbyClient(key, base_url=BASE, retry=policy, budget=budget)
        try:
            client.call("job.list")
            outcome = "ok"
        except errors.RateLimited as exc:
            outcome = exc.code or "rate_limited"
        mock.assert_all_requests_are_fired = False
    connections.close_all()
    out.put((outcome, sent))


def _in_process(store_kind: str, *args):
    context = multiprocessing.get_context("fork")
    out = context.Queue()
    connections.close_all()  # a child must not share this process's connection
    child = context.Process(target=_process_call, args=(store_kind, *args, out))
    child.start()
    result = out.get(timeout=30)
    child.join(timeout=30)
    return result


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("store_kind", ["redis", "database"])
def test_two_processes_see_one_partner_pause(store_kind, is_postgres):
    if store_kind == "redis":
        _redis_or_skip()
    elif not is_postgres:
        pytest.skip("child processes share the test database on PostgreSQL only")

    first = _in_process(store_kind, KEY_A, 30, "partner_429")
    impatient = _in_process(store_kind, KEY_B, 0.5, "ok")
    patient = _in_process(store_kind, KEY_B, 30, "ok")

    (throttled_at,) = first[1]
    assert first[0] == "rate_limit_exceeded"
    assert impatient == ("budget_wait", [])  # no call during the pause
    assert patient[0] == "ok"
    assert patient[1][0] >= throttled_at + 2 - 0.05  # its one call came after the pause
