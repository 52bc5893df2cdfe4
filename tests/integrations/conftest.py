"""Fixtures of the integrations tests (the fixed cast lives in tests/conftest.py)."""

from __future__ import annotations

import pytest
import responses

from integrations import connect
from integrations.ashby.client import AshbyClient
from tests.integrations.fake_ashby import BASE, FakeAshby


@pytest.fixture
def fake_ashby(settings, monkeypatch):
    """Ashby faked over HTTP (`responses`); the Connect flow's retries never sleep."""
    settings.ASHBY_API_URL = BASE
    monkeypatch.setattr(
        connect,
        "make_client",
        lambda key: AshbyClient(key, retry=connect.CONNECT_RETRY, sleep=lambda s: None),
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeAshby(mock)


@pytest.fixture
def queued_syncs(monkeypatch) -> list[tuple[int, dict]]:
    """Records the Connect flow's request_sync calls instead of queueing syncs."""
    calls: list[tuple[int, dict]] = []
    monkeypatch.setattr(connect, "request_sync", lambda cid, **kw: calls.append((cid, kw)))
    return calls
