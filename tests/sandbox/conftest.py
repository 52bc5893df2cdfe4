"""Fixtures for the Ashby sandbox's tests: a small seeded organisation, API keys, a JSON API
caller, the spec's schemas and a local HTTP receiver for webhooks."""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ashby_sandbox import seed, spec
from ashby_sandbox.keys import GUIDE_PERMISSIONS, create_key

SPEC_URI = "urn:ashby-openapi"
ALL_READ = [*GUIDE_PERMISSIONS, "hiringProcessMetadataRead"]


@pytest.fixture(autouse=True)
def _manual_sender(settings):
    """Deliveries are driven by the tests (deliver_due), never by a background thread."""
    settings.SANDBOX_WEBHOOK_SENDER = "manual"
    settings.SANDBOX_WEBHOOK_TIMEOUT_SECONDS = 2.0


@pytest.fixture
def org(db):
    """A small deterministic organisation (40 candidates)."""
    return seed.seed(40, seed=3)


@pytest.fixture
def make_key(db) -> Callable[..., str]:
    def make(permissions=None, **options) -> str:
        return create_key(
            "test key", ALL_READ if permissions is None else permissions, **options
        ).secret

    return make


@pytest.fixture
def key(make_key) -> str:
    return make_key()


def basic(secret: str) -> str:
    return "Basic " + base64.b64encode(f"{secret}:".encode()).decode()


@pytest.fixture
def call(client, key):
    """POST a JSON body to an endpoint with a key (the default key unless given)."""

    def call_(endpoint: str, body: dict | None = None, secret: str | None = key, raw=None):
        headers = {"HTTP_AUTHORIZATION": basic(secret)} if secret else {}
        data = raw if raw is not None else json.dumps(body or {})
        return client.post(
            f"/sandbox/ashby/api/{endpoint}", data, content_type="application/json", **headers
        )

    return call_


# --- the spec's schemas --------------------------------------------------------------------

_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
_checker = FormatChecker()
_checker.checks("date-time")(
    lambda value: not isinstance(value, str) or bool(_DATE_TIME.match(value))
)


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@pytest.fixture(scope="session")
def registry() -> Registry:
    resource = Resource.from_contents(spec.load_for_validation(), default_specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


@pytest.fixture(scope="session")
def validator_for(registry):
    """A Draft 2020-12 validator for a JSON pointer into the spec, $refs resolved against it."""

    def make(*parts: str) -> Draft202012Validator:
        ref = f"{SPEC_URI}#/{_pointer(*parts)}"
        return Draft202012Validator({"$ref": ref}, registry=registry, format_checker=_checker)

    return make


@pytest.fixture(scope="session")
def response_validator(validator_for):
    def make(endpoint: str, branch: int | None = None) -> Draft202012Validator:
        parts = ["paths", f"/{endpoint}", "post", "responses", "200", "content"]
        parts += ["application/json", "schema"]
        if branch is not None:
            parts += ["oneOf", str(branch)]
        return validator_for(*parts)

    return make


@pytest.fixture(scope="session")
def assert_valid(response_validator):
    """Assert a body validates against the endpoint's 200 schema and the expected branch
    (0: success, 1: error)."""

    def check(endpoint: str, body: dict) -> None:
        branch = 0 if body.get("success") else 1
        for validator in (response_validator(endpoint, branch), response_validator(endpoint)):
            errors = list(validator.iter_errors(body))
            assert not errors, f"{endpoint}: " + "; ".join(_explain(e) for e in errors[:3])

    return check


def _explain(error) -> str:
    deepest = error
    while deepest.context:
        deepest = min(deepest.context, key=lambda e: -len(list(e.absolute_path)))
    return f"{list(deepest.absolute_path)}: {deepest.message[:300]}"


@pytest.fixture(scope="session")
def webhook_validator(validator_for):
    def make(action: str) -> Draft202012Validator:
        parts = ["webhooks", action, "post", "requestBody", "content", "application/json"]
        return validator_for(*parts, "schema")

    return make


# --- a local receiver for webhooks ---------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200

    def actions(self) -> list[str]:
        return [r.json()["action"] for r in self.requests]


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            body = self.rfile.read(length)
            state.requests.append(Received(self.path, dict(self.headers), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/ashby"
    yield state
    server.shutdown()
    server.server_close()
