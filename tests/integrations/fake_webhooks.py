"""Ashby's webhook.create and webhook.info faked over `responses` (bodies checked against the
spec), with the webhooks "in Ashby" kept in a dict, for "Create them in Ashby for me"."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import responses

from integrations.ashby import connect
from integrations.models import AshbyConnection
from tests.integrations.ashby_spec import spec_body, spec_error
from tests.integrations.fake_ashby import BASE, GOOD_KEY

SPEC_FIELDS = ("webhookType", "requestUrl", "secretToken")  # webhook.create has no name


class FakeWebhooks:
    def __init__(self, mock: responses.RequestsMock) -> None:
        self.sent: list[dict[str, Any]] = []  # webhook.create bodies, in order
        self.refuse: dict[str, dict] = {}  # webhookType -> the error body Ashby answers
        self.in_ashby: dict[str, dict[str, Any]] = {}  # id -> webhook.info's results
        self.refuses_names = False
        for endpoint, callback in (("webhook.create", self._create), ("webhook.info", self._info)):
            mock.remove(responses.POST, f"{BASE}/{endpoint}")
            mock.add_callback(responses.POST, f"{BASE}/{endpoint}", callback=callback)

    def add(self, webhook_type: str, request_url: str) -> str:
        """A webhook that is in Ashby already; returns its id."""
        webhook_id = str(uuid.uuid4())
        self.in_ashby[webhook_id] = {
            "id": webhook_id,
            "enabled": True,
            "requestUrl": request_url,
            "webhookType": webhook_type,
        }
        return webhook_id

    def _create(self, request):
        body = json.loads(request.body)
        self.sent.append(body)
        if body["webhookType"] in self.refuse:
            return _answer(self.refuse[body["webhookType"]])
        if self.refuses_names and "name" in body:
            return _answer(spec_error("invalid_input", "Unrecognized key in body: name"))
        webhook_id = self.add(body["webhookType"], body["requestUrl"])
        results = {**self.in_ashby[webhook_id], "secretToken": body["secretToken"]}
        return _answer(spec_body("webhook.create", {"success": True, "results": results}))

    def _info(self, request):
        webhook = self.in_ashby.get(json.loads(request.body)["webhookId"])
        if webhook is None:
            return _answer(spec_error("webhook_not_found", "Webhook not found"))
        return _answer(spec_body("webhook.info", {"success": True, "results": webhook}))


def _answer(body: dict[str, Any]):
    return 200, {}, json.dumps(body)


@pytest.fixture
def acme_connection(tenant_a, admin_user, fake_ashby, monkeypatch) -> AshbyConnection:
    """tenant_a connected with a key that may create webhooks (no sync is queued)."""
    monkeypatch.setattr(connect, "request_sync", lambda *args, **kwargs: None)
    return connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)


@pytest.fixture
def ashby_webhooks(fake_ashby) -> FakeWebhooks:
    return FakeWebhooks(fake_ashby.mock)
