"""Fixtures of the integrations tests (the fixed cast lives in tests/conftest.py)."""

from __future__ import annotations

import os

import pytest
import redis

from integrations.ashby import connect
from integrations.models import WebhookSubscription
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.fake_ashby import fake_ashby  # noqa: F401 (a fixture)
from tests.integrations.fake_webhooks import acme_connection, ashby_webhooks  # noqa: F401

# This worktree's Redis database for the queue and budget tests (flushed by them).
TEST_REDIS_URL = os.environ.get("TEST_QUEUE_REDIS_URL", "redis://127.0.0.1:6379/5")


def empty_redis_or_skip(what: str) -> redis.Redis:
    """TEST_REDIS_URL's database, emptied; the test is skipped (saying `what` goes
    untested) when no Redis answers."""
    store = redis.Redis.from_url(TEST_REDIS_URL, socket_connect_timeout=2)
    try:
        store.ping()
    except redis.RedisError:
        pytest.skip(f"Redis is not reachable at {TEST_REDIS_URL}: {what} is not tested")
    store.flushdb()
    return store


@pytest.fixture
def queued_syncs(monkeypatch) -> list[tuple[int, dict]]:
    """Records the Connect flow's request_sync calls instead of queueing syncs."""
    calls: list[tuple[int, dict]] = []
    monkeypatch.setattr(connect, "request_sync", lambda cid, **kw: calls.append((cid, kw)))
    return calls


@pytest.fixture
def stage_sub(tenant_a) -> WebhookSubscription:
    """tenant_a's candidateStageChange webhook row."""
    return next(s for s in ensure_subscriptions(tenant_a) if s.event == "candidateStageChange")


@pytest.fixture
def queued_deliveries(monkeypatch) -> list[int]:
    """The ids of the deliveries queued for processing, instead of queueing them."""
    calls: list[int] = []
    monkeypatch.setattr("integrations.deliveries.enqueue", calls.append)
    return calls
