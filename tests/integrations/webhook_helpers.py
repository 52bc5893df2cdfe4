"""Ashby webhook payloads for tests (tests/fixtures/ashby/webhooks/<action>__<variant>.json,
built from the `webhooks` schemas of Ashby's OpenAPI definition) and the one helper that signs
and posts them to Guide's receiver."""

from __future__ import annotations

import copy
import functools
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "ashby" / "webhooks"
_REPO = Path(__file__).resolve().parents[2]
SPEC_PATHS = (
    _REPO / "ashby_sandbox" / "openapi.json",
    _REPO.parent / "shared" / "ashby" / "openapi.json",
)

UNSET: Any = object()


def webhook_fixture(action: str, variant: str = "default") -> dict[str, Any]:
    """A fresh copy of the fixture for `action` (and `variant`)."""
    return json.loads((FIXTURES / f"{action}__{variant}.json").read_text())


def numbered_stage_change(n: int) -> dict[str, Any]:
    """The candidateStageChange fixture as the n-th distinct delivery (its own webhookActionId)."""
    payload = webhook_fixture("candidateStageChange")
    payload["webhookActionId"] = f"00000000-0000-4000-8000-{n:012d}"
    return payload


def fixture_names() -> list[str]:
    return sorted(path.stem for path in FIXTURES.glob("*.json"))


def with_changes(payload: dict[str, Any], **data_changes: Any) -> dict[str, Any]:
    """A copy of `payload` whose `data` has the given top-level keys replaced."""
    changed = copy.deepcopy(payload)
    changed["data"].update(copy.deepcopy(data_changes))
    return changed


def sign(secret: str, body: bytes) -> str:
    """Ashby's Ashby-Signature value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def post_webhook(
    client,
    subscription,
    payload: dict[str, Any] | None = None,
    *,
    body: bytes | None = None,
    secret: str | None = None,
    signature: str | None = UNSET,
    token: str | None = None,
):
    """Sign (with the row's secret unless told otherwise) and POST to the row's URL.

    `signature=None` sends no Ashby-Signature header; a string sends that exact value.
    """
    if body is None:
        body = encode(payload)
    if signature is UNSET:
        signature = sign(secret if secret is not None else subscription.secret, body)
    headers = {} if signature is None else {"Ashby-Signature": signature}
    url = f"/webhooks/ashby/{token or subscription.token}/"
    return client.post(url, data=body, content_type="application/json", headers=headers)


@functools.cache
def _spec() -> dict[str, Any]:
    for path in SPEC_PATHS:
        if path.is_file():
            return json.loads(path.read_text())
    raise FileNotFoundError("Ashby's openapi.json was not found")


@functools.cache
def _validator(action: str) -> Draft202012Validator:
    resource = Resource.from_contents(_spec(), default_specification=DRAFT202012)
    registry = Registry().with_resource("spec.json", resource)
    pointer = f"#/webhooks/{action}/post/requestBody/content/application~1json/schema"
    return Draft202012Validator({"$ref": f"spec.json{pointer}"}, registry=registry)


def validate_against_spec(payload: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless `payload` matches Ashby's schema for its action."""
    _validator(payload["action"]).validate(payload)
