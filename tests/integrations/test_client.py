"""The Ashby client against `responses`: transport, every error shape, retries, pagination."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses

from integrations.ashby import errors
from integrations.ashby.client import AshbyClient, RetryPolicy, Timeouts
from tests.integrations.ashby_spec import spec_body, spec_error

BASE = "https://ashby.test/api"
KEY = "ashby-live-key-5f2c9e0d41b7a8c3e6f1"


def candidate(n: int) -> dict:
    return {
        "id": f"3ae2b801-19f6-41ef-ad28-214bd731{n:04d}",
        "name": f"Candidate {n}",
        "emailAddresses": [],
        "phoneNumbers": [],
        "socialLinks": [],
        "tags": [],
        "applicationIds": [],
        "fileHandles": [],
        "profileUrl": f"https://app.ashbyhq.com/candidate/{n}",
    }


class FakeTime:
    """A clock that only moves when the client sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


class NoBudget:
    """The client alone: no shared budget (tests/integrations/test_budget.py tests it)."""

    @contextlib.contextmanager
    def turn(self):
        yield

    def pause_partner(self, seconds: float) -> None:
        pass

    def pause_account(self, seconds: float) -> None:
        pass


@pytest.fixture
def make_client(fake_time):
    def make(**kwargs) -> AshbyClient:
        kwargs.setdefault("retry", RetryPolicy(max_attempts=4, base_delay=1, max_delay=8))
        kwargs.setdefault("budget", NoBudget())
        return AshbyClient(
            KEY,
            base_url=BASE,
            session=requests.Session(),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            jitter=lambda: 1.0,
            **kwargs,
        )

    return make


@pytest.fixture
def client(make_client) -> AshbyClient:
    return make_client()


def add(endpoint: str, json_body=None, status: int = 200, headers=None, *, body=None):
    """Fake one answer of `endpoint`: a JSON body, or a raw `body` (text or an exception)."""
    payload = {"body": body} if body is not None else {"json": json_body}
    return responses.post(f"{BASE}/{endpoint}", status=status, headers=headers or {}, **payload)


# --- transport -------------------------------------------------------------------------


@responses.activate
def test_it_posts_json_with_basic_auth_user_agent_and_explicit_timeouts(make_client):
    info = {"title": "Guide", "createdAt": "2026-01-05T10:00:00.000Z", "scopes": ["jobs:read"]}
    add("apiKey.info", spec_body("apiKey.info", {"success": True, "results": info}))
    client = make_client(timeouts=Timeouts(connect=3, read=20))

    assert client.call("apiKey.info", {"id": "x"}) == info

    request = responses.calls[0].request
    assert (
        request.headers["Authorization"] == "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    )
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"].startswith("Guide/")
    assert json.loads(request.body) == {"id": "x"}
    assert request.req_kwargs["timeout"] == (3, 20)


@responses.activate
def test_it_reads_the_base_url_from_settings(settings, db):  # db: the shared budget's store
    settings.ASHBY_API_URL = "https://elsewhere.test/v"
    responses.post(
        "https://elsewhere.test/v/apiKey.info", json={"success": True, "results": {"title": "k"}}
    )
    assert AshbyClient(KEY).call("apiKey.info") == {"title": "k"}


@responses.activate
def test_call_raw_returns_the_whole_envelope(client):
    add("candidate.list", {"success": True, "results": [], "moreDataAvailable": False})
    assert client.call_raw("candidate.list")["moreDataAvailable"] is False


# --- error shapes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        ("sync_token_expired", errors.SyncTokenExpired),
        ("sync_token_invalid", errors.SyncTokenInvalid),
        ("incremental_sync_too_large", errors.IncrementalSyncTooLarge),
        ("next_cursor_expired", errors.CursorExpired),
        ("invalid_next_cursor", errors.CursorExpired),
        ("application_not_found", errors.NotFound),
        ("invalid_input", errors.AshbyApiError),
    ],
)
@responses.activate
def test_http_200_with_success_false_raises_the_typed_error(client, code, cls):
    add("application.list", spec_error(code, f"Ashby says {code}", "req-42"))

    with pytest.raises(cls) as caught:
        client.call("application.list", {"syncToken": "t"})

    assert caught.value.code == code
    assert caught.value.message == f"Ashby says {code}"
    assert caught.value.request_id == "req-42"
    assert caught.value.endpoint == "application.list"
    assert len(responses.calls) == 1  # business errors are not retried


def test_sync_token_errors_share_a_base_class_meaning_run_a_full_sync():
    for cls in (errors.SyncTokenExpired, errors.SyncTokenInvalid, errors.IncrementalSyncTooLarge):
        assert issubclass(cls, errors.SyncTokenRejected)


@responses.activate
def test_errors_given_only_as_strings_are_understood(client):
    add("webhook.delete", {"success": False, "errors": ["webhook_not_found"]})

    with pytest.raises(errors.NotFound) as caught:
        client.call("webhook.delete", {"webhookId": "nope"})

    assert caught.value.code == "webhook_not_found"


@responses.activate
def test_human_error_strings_become_the_message(client):
    add("candidate.info", {"success": False, "errors": ["Something odd happened"]})

    with pytest.raises(errors.AshbyApiError, match="Something odd happened"):
        client.call("candidate.info", {"id": "x"})


@responses.activate
def test_a_missing_permission_403_in_the_message_parameter_shape_names_the_permission(client):
    # The shape Sim observed live: errors as {message, parameter} objects, plus errorInfo.
    add(
        "candidate.list",
        {
            "success": False,
            "errors": [{"message": "Missing endpoint permission", "parameter": "candidatesRead"}],
            "errorInfo": {
                "code": "missing_endpoint_permission",
                "message": "The API key is missing the candidatesRead permission",
                "requestId": "r1",
            },
        },
        status=403,
    )

    with pytest.raises(errors.MissingPermission) as caught:
        client.call("candidate.list", {"limit": 1})

    assert caught.value.permission == "candidatesRead"
    assert caught.value.request_id == "r1"


@responses.activate
def test_a_missing_permission_without_a_name_falls_back_to_the_endpoints_permission(client):
    add(
        "interviewSchedule.list",
        {"success": False, "errors": [{"message": "Missing endpoint permission"}]},
        status=403,
    )

    with pytest.raises(errors.MissingPermission) as caught:
        client.call("interviewSchedule.list")

    assert caught.value.permission == "interviewsRead"


@responses.activate
def test_a_scope_style_permission_name_is_normalised(client):
    add(
        "job.list",
        spec_error("missing_endpoint_permission", "Requires the jobs:read scope"),
        status=403,
    )

    with pytest.raises(errors.MissingPermission) as caught:
        client.call("job.list")

    assert caught.value.permission == "jobsRead"


@pytest.mark.parametrize("status", [401, 403])
@responses.activate
def test_an_unknown_key_is_an_invalid_api_key_error(client, status):
    add("apiKey.info", spec_error("invalid_api_key", "Invalid API key"), status=status)

    with pytest.raises(errors.InvalidApiKey) as caught:
        client.call("apiKey.info")

    assert caught.value.status == status
    assert not caught.value.deactivated
    assert len(responses.calls) == 1


@responses.activate
def test_a_deactivated_key_says_so(client):
    add("apiKey.info", spec_error("api_key_deactivated", "This API key is deactivated"), status=403)

    with pytest.raises(errors.InvalidApiKey) as caught:
        client.call("apiKey.info")

    assert caught.value.deactivated


@responses.activate
def test_a_403_with_no_body_is_an_invalid_key(client):
    add("apiKey.info", status=403, body="Forbidden")

    with pytest.raises(errors.InvalidApiKey):
        client.call("apiKey.info")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"results": []}, "no success flag"),
        ([1, 2], "not a JSON object"),
        ({"success": True}, "no results"),
    ],
)
@responses.activate
def test_a_malformed_200_is_an_error_not_an_empty_result(client, body, message):
    add("job.info", body)

    with pytest.raises(errors.AshbyApiError, match=message) as caught:
        client.call("job.info", {"id": "x"})

    assert caught.value.code == "invalid_response"


@responses.activate
def test_an_html_200_is_an_error(client):
    responses.post(f"{BASE}/job.info", body="<html>proxy</html>", status=200)

    with pytest.raises(errors.AshbyApiError, match="not a JSON object"):
        client.call("job.info", {"id": "x"})


@responses.activate
def test_an_unexpected_404_without_details_is_a_generic_error(client):
    responses.post(f"{BASE}/job.info", body="Not Found", status=404)

    with pytest.raises(errors.AshbyApiError) as caught:
        client.call("job.info", {"id": "x"})

    assert caught.value.code == "unexpected_response"
    assert "404" in str(caught.value)


# --- retries ------------------------------------------------------------------------------


@responses.activate
def test_5xx_is_retried_with_exponential_backoff_then_succeeds(client, fake_time):
    for _ in range(3):
        add("job.list", {"message": "upstream"}, status=503)
    add("job.list", {"success": True, "results": [], "moreDataAvailable": False})

    assert client.call("job.list") == []

    assert len(responses.calls) == 4
    assert fake_time.sleeps == [1, 2, 4]  # jitter pinned at its maximum


@responses.activate
def test_full_jitter_picks_a_delay_between_zero_and_the_backoff(make_client, fake_time):
    client = AshbyClient(
        KEY,
        base_url=BASE,
        session=requests.Session(),
        retry=RetryPolicy(max_attempts=3, base_delay=4, max_delay=8),
        sleep=fake_time.sleep,
        clock=fake_time.clock,
        jitter=lambda: 0.25,
        budget=NoBudget(),
    )
    add("job.list", status=500, body="boom")
    add("job.list", status=502, body="boom")
    add("job.list", {"success": True, "results": [], "moreDataAvailable": False})

    client.call("job.list")

    assert fake_time.sleeps == [1.0, 2.0]


@responses.activate
def test_attempts_are_bounded_and_the_last_error_is_raised(client, fake_time):
    add("job.list", status=500, body="boom")

    with pytest.raises(errors.TransientError) as caught:
        client.call("job.list")

    assert len(responses.calls) == 4
    assert len(fake_time.sleeps) == 3
    assert caught.value.status == 500


@responses.activate
def test_429_waits_for_retry_after(client, fake_time):
    add("candidate.list", spec_error("rate_limit_exceeded", "Slow down"), 429, {"Retry-After": "7"})
    add("candidate.list", {"success": True, "results": [], "moreDataAvailable": False})

    client.call("candidate.list")

    assert fake_time.sleeps == [7.0]


@responses.activate
def test_retry_after_as_an_http_date_is_understood(client, fake_time):
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    add("candidate.list", spec_error("rate_limit_exceeded", "Slow"), 429, {"Retry-After": when})
    add("candidate.list", {"success": True, "results": [], "moreDataAvailable": False})

    client.call("candidate.list")

    assert 25 <= fake_time.sleeps[0] <= 30


@responses.activate
def test_integration_partner_throttling_waits_what_ashby_asked(make_client, fake_time):
    client = make_client(retry=RetryPolicy(max_attempts=3, partner_pause=45, max_total=100))
    add(
        "candidate.list",
        spec_error("rate_limit_exceeded", "Integration partner throttled"),
        429,
        {"Retry-After": "2", "X-RateLimit-Scope": "integration-partner"},
    )
    add("candidate.list", {"success": True, "results": [], "moreDataAvailable": False})

    client.call("candidate.list")

    # Every process now shares the pause (test_budget.py), so Retry-After is enough.
    assert fake_time.sleeps == [2]


@responses.activate
def test_integration_partner_throttling_without_a_wait_pauses_the_policys_pause(
    make_client, fake_time
):
    client = make_client(retry=RetryPolicy(max_attempts=3, partner_pause=45, max_total=100))
    add(
        "candidate.list",
        {"success": False, "errorInfo": {"code": "rate_limit_exceeded", "message": "Throttled"}},
        429,
        {"X-RateLimit-Scope": "integration-partner"},
    )
    add("candidate.list", {"success": True, "results": [], "moreDataAvailable": False})

    client.call("candidate.list")

    assert fake_time.sleeps == [45]


@responses.activate
def test_a_wait_longer_than_the_time_budget_raises_at_once_with_the_wait(make_client, fake_time):
    client = make_client(retry=RetryPolicy(max_attempts=5, max_total=60))
    add(
        "candidate.list",
        spec_error("rate_limit_exceeded", "Slow down"),
        429,
        {"Retry-After": "120", "X-RateLimit-Scope": "integration-partner"},
    )

    with pytest.raises(errors.RateLimited) as caught:
        client.call("candidate.list")

    assert fake_time.sleeps == []
    assert caught.value.retry_after == 120
    assert caught.value.scope == "integration-partner"


@responses.activate
def test_total_time_is_bounded_across_attempts(make_client, fake_time):
    client = make_client(
        retry=RetryPolicy(max_attempts=10, base_delay=4, max_delay=100, max_total=20)
    )
    add("job.list", status=503, body="down")

    with pytest.raises(errors.TransientError):
        client.call("job.list")

    assert fake_time.sleeps == [4, 8]  # a third wait (16) would pass the 20 s budget
    assert len(responses.calls) == 3


@responses.activate
def test_a_wait_named_only_in_the_message_is_used(client, fake_time):
    add(
        "candidate.list",
        spec_error("rate_limit_exceeded", "Try again in 3 seconds."),
        429,
    )
    add("candidate.list", {"success": True, "results": [], "moreDataAvailable": False})

    client.call("candidate.list")

    assert fake_time.sleeps == [3]


@responses.activate
def test_timeouts_and_connection_errors_are_transient_and_retried(client, fake_time):
    add("job.list", body=requests.ReadTimeout("read timed out"))
    add("job.list", body=requests.ConnectionError("reset"))
    add("job.list", {"success": True, "results": [], "moreDataAvailable": False})

    assert client.call("job.list") == []
    assert len(fake_time.sleeps) == 2


@responses.activate
def test_a_timeout_after_all_attempts_is_a_transient_error(client):
    add("job.list", body=requests.ConnectTimeout("connect timed out"))

    with pytest.raises(errors.TransientError) as caught:
        client.call("job.list")

    assert caught.value.code == "connect_timeout"


@responses.activate
def test_a_write_is_not_repeated_after_a_server_error_that_may_have_applied_it(client):
    # Repeating a webhook.create Ashby did process would make a duplicate webhook.
    add("webhook.create", status=502, body="bad gateway")

    with pytest.raises(errors.TransientError):
        client.call("webhook.create", {"webhookType": "applicationSubmit"})

    assert len(responses.calls) == 1


@responses.activate
def test_a_write_is_repeated_when_the_connection_never_opened(client):
    add("webhook.create", body=requests.ConnectTimeout("connect timed out"))
    add("webhook.create", {"success": True, "results": {"id": "w"}})

    assert client.call("webhook.create", {"webhookType": "applicationSubmit"}) == {"id": "w"}


# --- pagination -----------------------------------------------------------------------------


@responses.activate
def test_paginate_follows_next_cursor_and_hands_back_the_final_sync_token(client):
    pages = [
        {
            "success": True,
            "results": [candidate(1), candidate(2)],
            "moreDataAvailable": True,
            "nextCursor": "c1",
        },
        {"success": True, "results": [candidate(3)], "moreDataAvailable": True, "nextCursor": "c2"},
        {
            "success": True,
            "results": [candidate(4)],
            "moreDataAvailable": False,
            "syncToken": "tok-2",
        },
    ]
    for page in pages:
        add("candidate.list", spec_body("candidate.list", page))

    got = list(client.paginate("candidate.list", {"limit": 2}, sync_token="tok-1"))

    assert [len(p.results) for p in got] == [2, 1, 1]
    assert [p.next_cursor for p in got] == ["c1", "c2", None]
    assert [p.sync_token for p in got] == [None, None, "tok-2"]
    assert [p.more_data_available for p in got] == [True, True, False]
    bodies = [json.loads(c.request.body) for c in responses.calls]
    assert bodies == [
        {"limit": 2, "syncToken": "tok-1"},
        {"limit": 2, "syncToken": "tok-1", "cursor": "c1"},
        {"limit": 2, "syncToken": "tok-1", "cursor": "c2"},
    ]


@responses.activate
def test_paginate_a_single_page_full_pass(client):
    add(
        "user.list",
        spec_body(
            "user.list",
            {"success": True, "results": [], "moreDataAvailable": False, "syncToken": "s"},
        ),
    )

    (page,) = client.paginate("user.list")

    assert page.sync_token == "s"
    assert json.loads(responses.calls[0].request.body) == {}


@responses.activate
def test_paginate_raises_on_an_error_page_instead_of_yielding_an_empty_one(client):
    add(
        "candidate.list",
        {"success": True, "results": [candidate(1)], "moreDataAvailable": True, "nextCursor": "c1"},
    )
    add("candidate.list", spec_error("next_cursor_expired", "Cursor expired; restart the pass"))

    pages = client.paginate("candidate.list")
    assert len(next(pages).results) == 1
    with pytest.raises(errors.CursorExpired):
        next(pages)


@responses.activate
def test_paginate_refuses_more_data_without_a_cursor(client):
    add("candidate.list", {"success": True, "results": [], "moreDataAvailable": True})

    with pytest.raises(errors.AshbyApiError, match="no cursor"):
        list(client.paginate("candidate.list"))


@responses.activate
def test_paginate_refuses_a_repeated_cursor(client):
    page = {"success": True, "results": [], "moreDataAvailable": True, "nextCursor": "same"}
    add("candidate.list", page)
    add("candidate.list", page)

    with pytest.raises(errors.AshbyApiError, match="same cursor"):
        list(client.paginate("candidate.list"))
    assert len(responses.calls) == 2


@responses.activate
def test_paginate_retries_a_page_with_the_same_body(client):
    add("job.list", {"success": True, "results": [], "moreDataAvailable": True, "nextCursor": "c1"})
    add("job.list", status=503, body="down")
    add("job.list", {"success": True, "results": [], "moreDataAvailable": False, "syncToken": "t"})

    pages = list(client.paginate("job.list", {"status": ["Open"]}))

    assert pages[-1].sync_token == "t"
    assert [json.loads(c.request.body) for c in responses.calls][1:] == [
        {"status": ["Open"], "cursor": "c1"},
        {"status": ["Open"], "cursor": "c1"},
    ]


# --- the key stays secret --------------------------------------------------------------------


@responses.activate
def test_the_key_never_appears_in_logs_errors_or_reprs(client, caplog):
    caplog.set_level(logging.DEBUG)
    add("job.list", status=503, body="down")
    add("job.list", spec_error("rate_limit_exceeded", "Slow"), 429, {"Retry-After": "1"})
    add("job.list", spec_error("invalid_api_key", "Invalid API key"), 403)
    add("candidate.list", body=requests.ConnectionError(f"failed for {KEY}"))
    add("apiKey.info", spec_error("invalid_input", f"bad key {KEY} given"))

    seen: list[errors.AshbyError] = []
    for endpoint in ("job.list", "candidate.list", "apiKey.info"):
        with pytest.raises(errors.AshbyError) as caught:
            client.call(endpoint)
        seen.append(caught.value)

    texts = [caplog.text, repr(client)]
    for exc in seen:
        texts += [str(exc), repr(exc), exc.message, repr(exc.args)]
    assert "Ashby job.list failed" in caplog.text  # the retries were logged
    assert all(KEY not in text for text in texts)
    encoded = base64.b64encode(f"{KEY}:".encode()).decode()
    assert all(encoded not in text for text in texts)
    assert "[redacted]" in seen[2].message
    # The requests exception (whose text could name anything) is not chained for display.
    assert seen[1].__cause__ is None and seen[1].__suppress_context__
