"""Any request body gets an answer like Ashby's: never a 5xx; bad input is HTTP 200 with
`invalid_input` and a message naming the field, what is wrong and what to send. Numbers
follow JSON Schema's rules (946684800000.0 is an integer, 1.5 is not)."""

from __future__ import annotations

import json

import pytest

from ashby_sandbox import models as m
from ashby_sandbox.api_handlers import ENDPOINTS
from tests.sandbox.conftest import ALL_READ
from tests.sandbox.test_api_schema import CASES, _ids

HUGE_MS = 9223372036854775806


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 1_000_000


@pytest.fixture
def key(make_key) -> str:
    """The reads, and the candidatesWrite of customField.setValue and candidate.createNote."""
    return make_key([*ALL_READ, "candidatesWrite"])


@pytest.fixture
def ids(org):
    values = _ids()
    hook = m.Webhook.objects.create(
        webhook_type="applicationSubmit", request_url="http://127.0.0.1:9/x", enabled=False
    )
    values["webhook"] = str(hook.id)
    return values


def _refused(response, field: str) -> str:
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is False, body
    assert body["errors"] == ["invalid_input"]
    assert body["errorInfo"]["code"] == "invalid_input"
    message = body["errorInfo"]["message"]
    assert field in message, message
    return message


TIMES = [
    ("job.list", "closedBefore"),
    ("job.list", "closedAfter"),
    ("job.list", "openedBefore"),
    ("job.list", "openedAfter"),
    ("job.list", "createdAfter"),
    ("candidate.list", "createdAfter"),
    ("application.list", "createdAfter"),
    ("interviewSchedule.list", "createdAfter"),
]


@pytest.mark.parametrize(("endpoint", "field"), TIMES)
@pytest.mark.parametrize("value", [HUGE_MS, -HUGE_MS, 1e300, 253402300800000])
def test_an_out_of_range_time_is_invalid_input(org, call, assert_valid, endpoint, field, value):
    response = call(endpoint, {field: value})
    message = _refused(response, field)
    assert "out of range" in message
    assert "milliseconds since the Unix epoch" in message
    assert_valid(endpoint, response.json())


@pytest.mark.parametrize(("endpoint", "field"), TIMES)
def test_the_extreme_times_still_in_range_are_answered(org, call, endpoint, field):
    for value in (253402300799999, -62135596800000, 0):
        assert call(endpoint, {field: value}).json()["success"] is True


def test_interview_event_list_refuses_an_out_of_range_created_after(ids, call):
    body = {"interviewScheduleId": ids["schedule"], "createdAfter": HUGE_MS}
    assert "out of range" in _refused(call("interviewEvent.list", body), "createdAfter")


EXPANDS = ["application.info", "application.list", "job.info", "job.list"]


@pytest.mark.parametrize("endpoint", EXPANDS)
@pytest.mark.parametrize("expand", [[{}], [["location"]], [None], [1], "location", {"a": 1}])
def test_expand_items_that_are_not_strings_are_invalid_input(
    ids, call, assert_valid, endpoint, expand
):
    body = {**CASES[endpoint][0](ids), "expand": expand}
    response = call(endpoint, body)
    message = _refused(response, "expand")
    assert "array of strings" in message
    assert_valid(endpoint, response.json())


def test_an_integer_written_with_a_zero_fraction_is_an_integer(org, call):
    as_int = call("candidate.list", {"createdAfter": 946684800000}).json()
    as_float = call("candidate.list", {"createdAfter": 946684800000.0}).json()
    assert as_float["success"] is True, as_float
    assert as_float["results"] == as_int["results"]
    jobs = call("job.list", {"openedAfter": 0.0, "closedBefore": 4102444800000.0}).json()
    assert jobs["success"] is True, jobs


@pytest.mark.parametrize(("endpoint", "field"), TIMES)
def test_a_fraction_where_an_integer_is_expected_is_refused(org, call, endpoint, field):
    message = _refused(call(endpoint, {field: 1.5}), field)
    assert "must be an integer" in message
    assert "fractional part" in message


@pytest.mark.parametrize("value", ["1", True, [1], {"ms": 1}])
def test_a_time_of_another_type_is_refused(org, call, value):
    message = _refused(call("candidate.list", {"createdAfter": value}), "createdAfter")
    assert "milliseconds since the Unix epoch" in message


def test_limit_above_the_maximum_is_capped(org, call, settings):
    settings.SANDBOX_PAGE_SIZE_MAX = 5
    for limit in (6, 100000, 1e300):
        body = call("candidate.list", {"limit": limit}).json()
        assert body["success"] is True, body
        assert len(body["results"]) == 5
        assert body["moreDataAvailable"] is True


def test_a_fractional_limit_counts_down_and_a_whole_float_is_its_integer(org, call):
    assert len(call("candidate.list", {"limit": 2.5}).json()["results"]) == 2
    assert len(call("candidate.list", {"limit": 3.0}).json()["results"]) == 3
    everyone = call("candidate.list", {}).json()["results"]
    assert call("candidate.list", {"limit": None}).json()["results"] == everyone


@pytest.mark.parametrize("limit", [0, -1, 0.5, -1e300])
def test_limit_below_one_is_refused_with_what_to_send(org, call, limit):
    message = _refused(call("candidate.list", {"limit": limit}), "limit")
    assert "at least 1" in message
    assert "from 1 to 100" in message


@pytest.mark.parametrize("limit", ["10", True, [10], {}])
def test_limit_of_another_type_is_refused(org, call, limit):
    assert "must be a number" in _refused(call("candidate.list", {"limit": limit}), "limit")


@pytest.mark.parametrize(
    "raw",
    [
        "[]",
        '"x"',
        "1",
        "null",
        "true",
        '{"limit": NaN}',
        '{"limit": Infinity}',
        '{"createdAfter": -Infinity}',
        "[" * 100_000 + "]" * 100_000,
        '{"a": ' * 5000 + "1" + "}" * 5000,
        b"\xff\xfe{}",
        "{" + "1" * 5000 + "}",
        '{"limit": ' + "9" * 5000 + "}",
    ],
)
def test_a_body_that_is_not_a_json_object_is_invalid_input(db, call, assert_valid, raw):
    response = call("candidate.list", raw=raw)
    message = _refused(response, "Request payload is malformed")
    assert "JSON object" in message
    assert_valid("candidate.list", response.json())


JUNK = [
    None,
    True,
    -1,
    0,
    1.5,
    2**63,
    -(2**70),
    1e308,
    "",
    "x" * 3000,
    "\u0000",
    "\ud800",
    "😀 ünïcödé",
    "00000000-0000-4000-8000-000000000000\u0000",
    [],
    [{}],
    [None, 1, "x"],
    {},
    {"nested": [{"deep": [[]]}]},
]


def _request_fields(endpoint: str) -> set[str]:
    from ashby_sandbox import spec

    found: set[str] = set()
    document = spec.load()

    def walk(node, depth=0):
        if depth > 6 or not isinstance(node, dict):
            return
        if "$ref" in node:
            target = document
            for part in node["$ref"].lstrip("#/").split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            walk(target, depth + 1)
        found.update(node.get("properties", {}))
        for key in ("allOf", "oneOf", "anyOf"):
            for branch in node.get(key, []):
                walk(branch, depth + 1)

    body = document["paths"][f"/{endpoint}"]["post"].get("requestBody")
    if body:
        walk(body["content"]["application/json"]["schema"])
    return found


def test_every_endpoint_reads_some_fields_from_the_spec():
    empty = {e for e in ENDPOINTS if not _request_fields(e)}
    assert empty == {"apiKey.info"}  # it declares an empty object


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_junk_in_any_field_never_answers_a_server_error(ids, call, assert_valid, endpoint):
    """Every field of the spec's request body (and one it does not know), with every kind of
    junk, on top of a request that otherwise succeeds."""
    base = CASES[endpoint][0](ids)
    for field in sorted(_request_fields(endpoint) | {"unknownField"}):
        for value in JUNK:
            body = {**base, field: value}
            response = call(endpoint, raw=json.dumps(body))
            where = f"{endpoint} {field}={value!r:.60}"
            assert response.status_code < 500, where
            assert response.status_code == 200, where
            assert_valid(endpoint, response.json())
            if response.json()["success"] is False:
                assert response.json()["errorInfo"]["message"], where
