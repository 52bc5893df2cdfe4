"""A fake Ashby (over `responses`) for the Connect flow: every probe answers as a key with
all of Guide's permissions would, and a test changes the answers it cares about."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from integrations.ashby import key_check
from integrations.ashby.client import AshbyClient
from tests.integrations.ashby_spec import spec_body, spec_error

BASE = "https://ashby.test/api"
GOOD_KEY = "b3f1c2d4e5a697887766554433221100ffeeddcc"
EMPTY_PAGE = {"success": True, "results": [], "moreDataAvailable": False, "syncToken": "s0"}
KEY_INFO = {
    "title": "Guide integration",
    "createdAt": "2026-11-01T09:30:00.000Z",
    "scopes": ["candidates:read", "jobs:read", "interviews:read", "organization:read"],
}


def missing_permission(permission: str) -> dict[str, Any]:
    return spec_error(
        "missing_endpoint_permission",
        f"This API key does not have the {permission} permission.",
    )


class FakeAshby:
    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock
        self.answer("apiKey.info", spec_body("apiKey.info", {"success": True, "results": KEY_INFO}))
        for endpoint in ("candidate.list", "job.list", "interviewSchedule.list", "user.list"):
            self.answer(endpoint, spec_body(endpoint, EMPTY_PAGE))
        self.answer("webhook.update", spec_error("webhook_not_found", "Webhook not found"))

    def answer(self, endpoint: str, json: Any = None, status: int = 200, **kwargs: Any) -> None:
        """From now on, `endpoint` answers this (JSON, or `body=` raw text / an exception)."""
        url = f"{BASE}/{endpoint}"
        self.mock.remove(responses.POST, url)
        payload = kwargs if "body" in kwargs else {"json": json, **kwargs}
        self.mock.add(responses.POST, url, status=status, **payload)

    def lacks(self, permission: str, endpoint: str) -> None:
        self.answer(endpoint, missing_permission(permission), status=403)

    def rejects_the_key(self, message: str = "The API key is not valid.") -> None:
        for call in (
            "apiKey.info",
            "candidate.list",
            "job.list",
            "interviewSchedule.list",
            "user.list",
        ):
            self.answer(call, spec_error("invalid_api_key", message), status=403)

    def endpoints_called(self) -> list[str]:
        return [c.request.url.rsplit("/", 1)[-1] for c in self.mock.calls]


@pytest.fixture
def fake_ashby(settings, monkeypatch):
    """Ashby faked over HTTP (`responses`); the Connect flow's retries never sleep.

    Imported by the conftests of the tests that use it (integrations, admin)."""
    settings.ASHBY_API_URL = BASE
    monkeypatch.setattr(
        key_check,
        "make_client",
        lambda key: AshbyClient(key, retry=key_check.CONNECT_RETRY, sleep=lambda s: None),
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield FakeAshby(mock)
