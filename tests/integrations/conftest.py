"""Fixtures of the integrations tests (the fixed cast lives in tests/conftest.py)."""

from __future__ import annotations

import pytest

from integrations import connect
from tests.integrations.fake_ashby import fake_ashby  # noqa: F401 (a fixture)


@pytest.fixture
def queued_syncs(monkeypatch) -> list[tuple[int, dict]]:
    """Records the Connect flow's request_sync calls instead of queueing syncs."""
    calls: list[tuple[int, dict]] = []
    monkeypatch.setattr(connect, "request_sync", lambda cid, **kw: calls.append((cid, kw)))
    return calls
