"""Who may call what: 401 / 403 / missing_endpoint_permission, rate limits, injected faults."""

from __future__ import annotations

import pytest

from ashby_sandbox import spec
from ashby_sandbox.api import PERMISSIONS
from ashby_sandbox.keys import GUIDE_PERMISSIONS, create_key, deactivate_key

from .conftest import basic


def test_permissions_are_read_from_the_spec():
    assert PERMISSIONS["candidate.list"] == "candidatesRead"
    assert PERMISSIONS["application.info"] == "candidatesRead"
    assert PERMISSIONS["jobInterviewPlan.info"] == "jobsRead"
    assert PERMISSIONS["interviewEvent.list"] == "interviewsRead"
    assert PERMISSIONS["department.list"] == "organizationRead"
    assert PERMISSIONS["webhook.info"] == "apiKeysRead"
    assert PERMISSIONS["webhook.create"] == "apiKeysWrite"
    assert all(PERMISSIONS[e] == spec.required_permission(e) for e in PERMISSIONS)


@pytest.mark.parametrize("endpoint", sorted(PERMISSIONS))
def test_each_endpoint_needs_exactly_its_permission(endpoint, db, call, make_key):
    needed = PERMISSIONS[endpoint]
    others = [p for p in [*GUIDE_PERMISSIONS, "hiringProcessMetadataRead"] if p != needed]
    refused = call(endpoint, {}, secret=make_key(permissions=others))
    assert refused.status_code == 403
    info = refused.json()["errorInfo"]
    assert info["code"] == "missing_endpoint_permission"
    assert needed in info["message"]
    allowed = call(endpoint, {}, secret=make_key(permissions=[needed]))
    assert allowed.status_code == 200  # may still be a business error (missing ids)


def test_no_key_is_401(db, call):
    response = call("candidate.list", {}, secret=None)
    assert response.status_code == 401
    assert response.json()["errorInfo"]["code"] == "unauthenticated"


def test_a_malformed_authorization_header_is_401(db, client):
    response = client.post(
        "/sandbox/ashby/api/candidate.list",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer abc",
    )
    assert response.status_code == 401


def test_unknown_and_deactivated_keys_are_403(db, call):
    new = create_key("old", GUIDE_PERMISSIONS)
    assert call("candidate.list", {}, secret=new.secret).status_code == 200
    deactivate_key(new.key)
    deactivated = call("candidate.list", {}, secret=new.secret)
    assert deactivated.status_code == 403
    assert "deactivated" in deactivated.json()["errorInfo"]["message"]
    assert call("candidate.list", {}, secret="0" * 64).status_code == 403


def test_the_basic_password_is_ignored(db, client, key):
    import base64

    header = "Basic " + base64.b64encode(f"{key}:{key}".encode()).decode()
    response = client.post(
        "/sandbox/ashby/api/apiKey.info",
        "{}",
        content_type="application/json",
        HTTP_AUTHORIZATION=header,
    )
    assert response.status_code == 200


def test_api_key_info_lists_scopes(db, call):
    results = call("apiKey.info", {}).json()["results"]
    assert results["title"] == "test key"
    assert "candidates:read" in results["scopes"]
    assert "apiKeys:write" in results["scopes"]


def test_the_key_secret_is_not_stored(db):
    new = create_key("k", GUIDE_PERMISSIONS)
    new.key.refresh_from_db()
    assert new.secret not in repr(new.key.__dict__)


def test_unknown_endpoint_and_get_are_refused(db, call, client, key):
    assert call("candidate.explode", {}).status_code == 404
    response = client.get("/sandbox/ashby/api/candidate.list", HTTP_AUTHORIZATION=basic(key))
    assert response.status_code == 405


def test_rate_limit_answers_429_with_retry_after(db, call, make_key, assert_valid):
    secret = make_key(rate_limit_per_minute=3)
    statuses = [call("department.list", {}, secret=secret).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = call("department.list", {}, secret=secret)
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["errorInfo"]["code"] == "rate_limit_exceeded"
    assert_valid("department.list", limited.json())
    other = make_key(rate_limit_per_minute=3)
    assert call("department.list", {}, secret=other).status_code == 200  # per key


def test_rate_limit_default_comes_from_settings(db, call, make_key, settings):
    settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 1
    secret = make_key()
    assert [call("user.list", {}, secret=secret).status_code for _ in range(2)] == [200, 429]


def test_partner_rate_limit_is_shared_and_says_its_scope(db, call, settings):
    settings.SANDBOX_PARTNER_RATE_LIMIT_PER_MINUTE = 2
    first = create_key("a", GUIDE_PERMISSIONS, partner="Guide").secret
    second = create_key("b", GUIDE_PERMISSIONS, partner="Guide").secret
    other = create_key("c", GUIDE_PERMISSIONS, partner="Merge").secret
    assert call("user.list", {}, secret=first).status_code == 200
    assert call("user.list", {}, secret=second).status_code == 200
    limited = call("user.list", {}, secret=first)
    assert limited.status_code == 429
    assert limited["X-RateLimit-Scope"] == "integration-partner"
    assert "integration partner Guide" in limited.json()["errorInfo"]["message"]
    assert call("user.list", {}, secret=other).status_code == 200


def test_a_key_rate_limit_has_no_scope_header(db, call, make_key):
    secret = make_key(rate_limit_per_minute=1)
    call("user.list", {}, secret=secret)
    assert not call("user.list", {}, secret=secret).has_header("X-RateLimit-Scope")


def test_injected_server_errors(db, call, make_key, assert_valid):
    secret = make_key(error_rate=1.0)
    response = call("candidate.list", {}, secret=secret)
    assert response.status_code in (500, 502, 503)
    assert_valid("candidate.list", response.json())


def test_injected_rate_limits(db, call, make_key):
    response = call("candidate.list", {}, secret=make_key(rate_limit_rate=1.0))
    assert response.status_code == 429
    assert response["Retry-After"] == "1"


def test_injected_latency(db, call, make_key):
    import time

    started = time.monotonic()
    assert call("apiKey.info", {}, secret=make_key(latency_ms=150)).status_code == 200
    assert time.monotonic() - started >= 0.15


def test_responses_carry_version_headers(db, call):
    response = call("apiKey.info", {})
    assert response["Ashby-Version"] == "2026-01-01"
    assert response["Ashby-Version-Status"] == "active"
