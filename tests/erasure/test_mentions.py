"""Who an Ashby delivery is about (integrations/ashby/mentions.py), for every fixture."""

from __future__ import annotations

import pytest

from integrations.ashby.mentions import candidate_in, person_in
from tests.erasure.people import CANDIDATE, EMAIL, NAME, PHONE, application_payload
from tests.integrations.webhook_helpers import webhook_fixture


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("applicationSubmit", CANDIDATE),
        ("applicationUpdate", CANDIDATE),
        ("candidateStageChange", CANDIDATE),
        ("candidateHire", CANDIDATE),
        ("candidateDelete", CANDIDATE),
        ("candidateMerge", CANDIDATE),  # the record that goes
        # This payload names only the application (older payloads have no candidateId).
        ("interviewScheduleCreate", "application:5f1e3c9b-7a2d-4e8f-b6c1-2b0000000001"),
        ("jobCreate", ""),
        ("ping", ""),
    ],
)
def test_it_names_the_candidate_of_each_kind_of_delivery(action, expected):
    assert candidate_in(webhook_fixture(action)) == expected


@pytest.mark.parametrize(
    "payload", [{}, {"data": []}, {"data": {"application": {"candidate": {"id": 7}}}}]
)
def test_a_payload_without_a_usable_id_names_nobody(payload):
    assert candidate_in(payload) == ""


def test_it_reads_what_the_payload_says_of_the_candidate():
    payload = application_payload()
    payload["data"]["application"]["candidate"]["phoneNumbers"] = [{"value": "+1 555 0100"}]

    assert person_in(payload) == {
        "names": [NAME],
        "emails": [EMAIL],
        "phones": [PHONE, "+1 555 0100"],
    }
    assert person_in({"data": {"job": {}}}) == {"names": [], "emails": [], "phones": []}


def test_a_schedule_that_names_its_candidate_is_about_them():
    payload = webhook_fixture("interviewScheduleCreate")
    payload["data"]["interviewSchedule"]["candidateId"] = CANDIDATE

    assert candidate_in(payload) == CANDIDATE
