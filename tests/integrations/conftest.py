"""Fixtures of the integrations tests (the fixed cast lives in tests/conftest.py)."""

from __future__ import annotations

import pytest

from integrations.ashby import connect
from integrations.models import WebhookSubscription
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.fake_ashby import fake_ashby  # noqa: F401 (a fixture)
from tests.integrations.fake_webhooks import acme_connection, ashby_webhooks  # noqa: F401


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
