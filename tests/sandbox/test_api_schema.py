"""Every endpoint's success and error responses validate against its 200 response schema in
Ashby's OpenAPI definition (Draft 2020-12, $refs resolved against the whole document)."""

from __future__ import annotations

import pytest

from ashby_sandbox import activity
from ashby_sandbox import models as m
from ashby_sandbox.api_handlers import ENDPOINTS
from tests.sandbox.conftest import ALL_READ

MISSING = "00000000-0000-4000-8000-000000000000"


def _ids() -> dict[str, str]:
    schedule = m.InterviewSchedule.objects.filter(events__isnull=False).first()
    job = m.Job.objects.filter(status="Open", confidential=False).first()
    return {
        "candidate": str(m.Candidate.objects.filter(confidential=False).first().id),
        "application": str(m.Application.objects.filter(job__confidential=False).first().id),
        "job": str(job.id),
        "user": str(m.User.objects.first().id),
        "interview": str(m.Interview.objects.first().id),
        "plan": str(job.interview_plan_id),
        "stage": str(m.InterviewStage.objects.first().id),
        "schedule": str(schedule.id),
        "field": str(m.CustomField.objects.get(title="Guide link").id),
    }


# endpoint -> (a request that succeeds, a request that fails with a business error)
CASES = {
    "apiKey.info": (lambda i: {}, None),
    "candidate.list": (lambda i: {"limit": 5}, lambda i: {"cursor": "garbage"}),
    "candidate.info": (lambda i: {"id": i["candidate"]}, lambda i: {"id": MISSING}),
    "candidate.createNote": (
        lambda i: {"candidateId": i["candidate"], "note": "Guide link: https://g.example/x"},
        lambda i: {"candidateId": MISSING, "note": "Guide link: https://g.example/x"},
    ),
    "customField.list": (lambda i: {"includeArchived": True}, None),
    "customField.setValue": (
        lambda i: {
            "objectId": i["candidate"],
            "objectType": "Candidate",
            "fieldId": i["field"],
            "fieldValue": "https://g.example/x",
        },
        lambda i: {
            "objectId": i["candidate"],
            "objectType": "Candidate",
            "fieldId": MISSING,
            "fieldValue": "https://g.example/x",
        },
    ),
    "application.list": (lambda i: {"limit": 5}, lambda i: {"syncToken": "garbage"}),
    "application.info": (
        lambda i: {"applicationId": i["application"]},
        lambda i: {"applicationId": MISSING},
    ),
    "job.list": (
        lambda i: {"expand": ["location", "openings"], "status": ["Open", "Draft"]},
        lambda i: {"status": ["Nope"]},
    ),
    "job.info": (lambda i: {"id": i["job"], "expand": ["location"]}, lambda i: {"id": MISSING}),
    "jobInterviewPlan.info": (lambda i: {"jobId": i["job"]}, lambda i: {"jobId": MISSING}),
    "interviewPlan.list": (lambda i: {"includeArchived": True}, lambda i: {"limit": 0}),
    "interviewStage.list": (
        lambda i: {"interviewPlanId": i["plan"]},
        lambda i: {"interviewPlanId": MISSING},
    ),
    "interviewStage.info": (
        lambda i: {"interviewStageId": i["stage"]},
        lambda i: {"interviewStageId": "not-a-uuid"},
    ),
    "interview.list": (
        lambda i: {"includeArchived": True, "includeNonSharedInterviews": True, "limit": 20},
        lambda i: {"includeArchived": "yes"},
    ),
    "interview.info": (lambda i: {"id": i["interview"]}, lambda i: {"id": MISSING}),
    "interviewSchedule.list": (lambda i: {"limit": 10}, lambda i: {"cursor": "x"}),
    "interviewEvent.list": (
        lambda i: {"interviewScheduleId": i["schedule"], "expand": ["interview"]},
        lambda i: {},
    ),
    "user.list": (lambda i: {"includeDeactivated": True}, lambda i: {"limit": "many"}),
    "user.info": (lambda i: {"userId": i["user"]}, lambda i: {"userId": MISSING}),
    "department.list": (lambda i: {"includeArchived": True}, lambda i: {"syncToken": 12}),
    "location.list": (lambda i: {"includeArchived": True}, lambda i: {"cursor": "x"}),
    "webhook.create": (
        lambda i: {
            "webhookType": "candidateHire",
            "requestUrl": "http://127.0.0.1:9/unreachable",
            "secretToken": "s3cret",
        },
        lambda i: {"webhookType": "nope", "requestUrl": "http://x.test/", "secretToken": "s"},
    ),
    "webhook.info": (lambda i: {"webhookId": i["webhook"]}, lambda i: {"webhookId": MISSING}),
    "webhook.update": (
        lambda i: {"webhookId": i["webhook"], "enabled": False},
        lambda i: {"webhookId": i["webhook"]},
    ),
    "webhook.delete": (lambda i: {"webhookId": i["webhook"]}, lambda i: {"webhookId": MISSING}),
}


def test_every_endpoint_has_a_schema_case():
    assert set(CASES) == set(ENDPOINTS)


@pytest.fixture
def key(make_key) -> str:
    """The reads, and the candidatesWrite of customField.setValue and candidate.createNote."""
    return make_key([*ALL_READ, "candidatesWrite"])


@pytest.fixture
def ids(org, call):
    values = _ids()
    created = call(
        "webhook.create",
        {
            "webhookType": "applicationSubmit",
            "requestUrl": "http://127.0.0.1:9/x",
            "secretToken": "t",
        },
    ).json()
    values["webhook"] = created["results"]["id"]
    return values


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_success_response_matches_the_spec(endpoint, ids, call, assert_valid):
    body = call(endpoint, CASES[endpoint][0](ids)).json()
    assert body["success"] is True, body
    assert_valid(endpoint, body)
    if isinstance(body["results"], list):
        assert body["results"], f"{endpoint} returned no results to validate"


@pytest.mark.parametrize("endpoint", sorted(e for e, case in CASES.items() if case[1]))
def test_business_error_is_http_200_and_matches_the_spec(endpoint, ids, call, assert_valid):
    response = call(endpoint, CASES[endpoint][1](ids))
    body = response.json()
    assert response.status_code == 200
    assert body["success"] is False
    assert body["errorInfo"]["requestId"]
    assert_valid(endpoint, body)


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_auth_errors_match_the_spec(endpoint, db, call, make_key, assert_valid):
    no_key = call(endpoint, {}, secret=None)
    bad_key = call(endpoint, {}, secret="not-a-key")
    no_permission = call(endpoint, {}, secret=make_key(permissions=[]))
    assert [no_key.status_code, bad_key.status_code, no_permission.status_code] == [401, 403, 403]
    for response in (no_key, bad_key, no_permission):
        assert_valid(endpoint, response.json())


def test_malformed_json_is_invalid_input(call, assert_valid, db):
    body = call("candidate.list", raw="{not json").json()
    assert body["errorInfo"]["code"] == "invalid_input"
    assert_valid("candidate.list", body)


def test_hire_and_archive_shapes_validate(org, call, assert_valid):
    app = m.Application.objects.filter(status="Active", job__confidential=False).first()
    activity.hire(app.id)
    body = call("application.info", {"applicationId": str(app.id)}).json()
    assert body["results"]["status"] == "Hired"
    assert_valid("application.info", body)
    other = m.Application.objects.filter(status="Active", job__confidential=False).first()
    activity.archive(other.id, "Withdrew")
    body = call("application.info", {"applicationId": str(other.id)}).json()
    assert body["results"]["archiveReason"]["text"] == "Withdrew"
    assert_valid("application.info", body)
