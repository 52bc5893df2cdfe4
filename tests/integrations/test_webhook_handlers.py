"""Each action's handler, through the receiver: a signed delivery in, the tenant's data and
guides changed (processing runs inline: django-q2 is synchronous in the test settings)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db import connection as db
from django.utils import timezone

from guides.models import (
    Application,
    Candidate,
    Guide,
    Interviewer,
    InterviewEvent,
    InterviewSchedule,
    Job,
)
from integrations.deliveries import replay_delivery, requeue_waiting_deliveries
from integrations.models import WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tenants.models import Tenant
from tests.integrations.fake_ashby import BASE
from tests.integrations.webhook_helpers import post_webhook, webhook_fixture

pytestmark = pytest.mark.django_db
Status = WebhookDelivery.Status

CAND = "8d6a2f0e-4b1c-4c7a-9e2d-1a0000000001"
CAND2 = "8d6a2f0e-4b1c-4c7a-9e2d-1a0000000002"
APP = "5f1e3c9b-7a2d-4e8f-b6c1-2b0000000001"
JOB = "3c7b9e1a-5d2f-4a6b-8e9c-3c0000000001"
SCHED = "2b8e4a6c-9d3f-4e1a-b7c5-6f0000000001"
ONSITE = "9a4c6e2b-3d1f-4b8a-a5e7-5e0000000002"
RITA = "1e3a5c7b-9d2f-4b6e-8a4c-9c0000000001"  # the recruiter
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def deliver(client, tenant_a, django_capture_on_commit_callbacks):
    """Sign and post a fixture (or payload) to the tenant's row for its action; returns the
    stored delivery after processing."""
    subs = {s.event: s for s in ensure_subscriptions(tenant_a)}

    def send(action: str, variant: str = "default", *, payload=None, tenant: Tenant | None = None):
        payload = payload or webhook_fixture(action, variant)
        rows = subs if tenant is None else {s.event: s for s in ensure_subscriptions(tenant)}
        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(client, rows[action], payload)
        assert response.status_code == 200, response.content
        return WebhookDelivery.objects.filter(action=action).order_by("-id").first()

    return send


def _candidate(tenant, external_id=CAND) -> Candidate:
    return Candidate.objects.get(tenant=tenant, external_id=external_id)


def _age_guides(tenant) -> None:
    Guide.objects.filter(tenant=tenant).update(updated_at=LONG_AGO)


def _guide_touched(tenant, external_id=CAND) -> bool:
    return (
        Guide.objects.get(tenant=tenant, candidate__external_id=external_id).updated_at > LONG_AGO
    )


# --- applications ----------------------------------------------------------------------------


def test_application_submit_creates_the_candidate_application_and_a_guide(deliver, tenant_a):
    delivery = deliver("applicationSubmit")
    assert delivery.status == Status.PROCESSED, delivery.error
    assert delivery.outcome == f"Application {APP} created."
    candidate = _candidate(tenant_a)
    assert candidate.name == "Ada Lovelace"
    assert candidate.email == "ada@example.com"
    application = Application.objects.get(tenant=tenant_a, external_id=APP)
    assert application.candidate == candidate
    assert application.status == "Active"
    assert application.current_stage.title == "Application Review"
    assert application.job.title == "Staff Engineer"
    assert Guide.objects.filter(tenant=tenant_a, candidate=candidate).exists()


def test_a_stage_change_moves_the_guide_to_the_new_stage(deliver, tenant_a):
    deliver("applicationSubmit")
    _age_guides(tenant_a)
    delivery = deliver("candidateStageChange")
    assert delivery.status == Status.PROCESSED, delivery.error
    application = Application.objects.get(tenant=tenant_a, external_id=APP)
    assert application.current_stage.external_id == ONSITE
    assert application.current_stage.title == "Onsite"
    assert _guide_touched(tenant_a)


def test_a_stage_change_for_an_unknown_candidate_gives_them_a_guide(deliver, tenant_a):
    assert deliver("candidateStageChange").status == Status.PROCESSED
    assert Guide.objects.filter(tenant=tenant_a, candidate__external_id=CAND).exists()


def test_a_hire_marks_the_application_hired(deliver, tenant_a):
    deliver("applicationSubmit")
    assert deliver("candidateHire").status == Status.PROCESSED
    assert Application.objects.get(tenant=tenant_a, external_id=APP).status == "Hired"


def test_an_older_event_after_a_newer_one_changes_nothing(deliver, tenant_a):
    deliver("candidateStageChange")  # updatedAt 12:00, Active at Onsite
    _age_guides(tenant_a)
    late = deliver("applicationUpdate")  # updatedAt 11:00, Archived
    assert late.status == Status.PROCESSED
    assert "unchanged" in late.outcome
    application = Application.objects.get(tenant=tenant_a, external_id=APP)
    assert application.status == "Active"
    assert application.current_stage.external_id == ONSITE
    assert not _guide_touched(tenant_a)


def test_the_same_events_in_either_order_leave_the_same_data(deliver, tenant_a, tenant_b):
    order_a = ("applicationSubmit", "candidateStageChange", "candidateHire", "applicationUpdate")
    for action in order_a:
        deliver(action)
    for action in reversed(order_a):
        deliver(action, tenant=tenant_b)
    a = Application.objects.get(tenant=tenant_a, external_id=APP)
    b = Application.objects.get(tenant=tenant_b, external_id=APP)
    assert (a.status, a.current_stage.external_id) == (b.status, b.current_stage.external_id)
    assert a.status == "Hired"


def test_related_webhooks_sharing_an_action_id_are_all_processed(deliver, tenant_a):
    action_id = "3f9a2c1e-0d4b-4e6f-8a7c-9b1d2e3f4a5b"
    for action in ("candidateHire", "candidateStageChange", "applicationUpdate"):
        payload = webhook_fixture(action)
        payload["webhookActionId"] = action_id
        payload["data"]["application"] = webhook_fixture("candidateHire")["data"]["application"]
        deliver(action, payload=payload)
    statuses = WebhookDelivery.objects.filter(webhook_action_id=action_id).values_list(
        "action", "status"
    )
    assert sorted(statuses) == [
        ("applicationUpdate", Status.PROCESSED),
        ("candidateHire", Status.PROCESSED),
        ("candidateStageChange", Status.PROCESSED),
    ]
    assert Application.objects.get(tenant=tenant_a, external_id=APP).status == "Hired"


def test_replaying_a_processed_delivery_leaves_the_same_data(
    deliver, tenant_a, django_capture_on_commit_callbacks
):
    delivery = deliver("candidateStageChange")
    before = list(Application.objects.filter(tenant=tenant_a).values())
    with django_capture_on_commit_callbacks(execute=True):
        replay_delivery(tenant_a, delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == Status.PROCESSED
    after = list(Application.objects.filter(tenant=tenant_a).values())
    for row in before + after:
        row.pop("synced_at")
    assert before == after
    assert Candidate.objects.filter(tenant=tenant_a).count() == 1


def test_an_application_without_a_candidate_fails_at_once_with_the_reason(deliver, tenant_a):
    payload = webhook_fixture("applicationSubmit")
    del payload["data"]["application"]["candidate"]
    delivery = deliver("applicationSubmit", payload=payload)
    assert delivery.status == Status.FAILED
    assert delivery.attempts == 1
    assert "was not stored: a new record needs candidate" in delivery.error
    assert not Application.objects.filter(tenant=tenant_a).exists()


# --- interview schedules -----------------------------------------------------------------------


def test_a_new_schedule_puts_its_interviews_on_the_guide(deliver, tenant_a):
    deliver("applicationSubmit")
    _age_guides(tenant_a)
    delivery = deliver("interviewScheduleCreate")
    assert delivery.status == Status.PROCESSED, delivery.error
    schedule = InterviewSchedule.objects.get(tenant=tenant_a, external_id=SCHED)
    assert schedule.status == "Scheduled"
    event = InterviewEvent.objects.get(schedule=schedule)
    assert event.start_time == datetime(2026, 11, 28, 15, tzinfo=UTC)
    assert event.meeting_link == "https://meet.example.com/ada-staff"
    assert [i.email for i in event.interviewers.all()] == ["ivan@acme.example"]
    assert _guide_touched(tenant_a)


def test_a_rescheduled_interview_moves_on_the_guide(deliver, tenant_a):
    deliver("applicationSubmit")
    deliver("interviewScheduleCreate")
    assert deliver("interviewScheduleUpdate").status == Status.PROCESSED
    event = InterviewEvent.objects.get(tenant=tenant_a)
    assert event.start_time == datetime(2026, 11, 29, 15, tzinfo=UTC)


def test_a_cancelled_schedule_removes_its_interviews(deliver, tenant_a):
    deliver("applicationSubmit")
    deliver("interviewScheduleCreate")
    assert deliver("interviewScheduleUpdate", "cancelled").status == Status.PROCESSED
    schedule = InterviewSchedule.objects.get(tenant=tenant_a, external_id=SCHED)
    assert schedule.status == "Cancelled"
    assert not InterviewEvent.objects.filter(schedule=schedule).exists()


def test_an_update_older_than_the_cancellation_does_not_bring_interviews_back(deliver, tenant_a):
    deliver("applicationSubmit")
    deliver("interviewScheduleUpdate", "cancelled")  # updatedAt Nov 22
    late = deliver("interviewScheduleUpdate")  # updatedAt Nov 21
    assert late.status == Status.PROCESSED
    schedule = InterviewSchedule.objects.get(tenant=tenant_a, external_id=SCHED)
    assert schedule.status == "Cancelled"
    assert not InterviewEvent.objects.filter(schedule=schedule).exists()


def test_a_schedule_before_its_application_is_retried_until_the_application_arrives(
    deliver, tenant_a
):
    early = deliver("interviewScheduleCreate")
    assert early.status == Status.RETRYING
    assert "not known yet" in early.error
    assert early.next_attempt_at > timezone.now()
    deliver("applicationSubmit")
    WebhookDelivery.objects.filter(pk=early.pk).update(next_attempt_at=timezone.now())  # due
    assert requeue_waiting_deliveries() == 1
    early.refresh_from_db()
    assert early.status == Status.PROCESSED, early.error
    assert InterviewEvent.objects.filter(tenant=tenant_a).count() == 1


# --- jobs --------------------------------------------------------------------------------------


def test_job_create_then_update_keeps_the_newest_title(deliver, tenant_a):
    assert deliver("jobCreate").status == Status.PROCESSED
    assert Job.objects.get(tenant=tenant_a, external_id=JOB).title == "Staff Engineer"
    assert deliver("jobUpdate").status == Status.PROCESSED
    assert Job.objects.get(tenant=tenant_a, external_id=JOB).title == "Principal Engineer"
    late = webhook_fixture("jobCreate")
    late["webhookActionId"] = "0e0e0e0e-0000-4000-8000-000000000099"
    deliver("jobCreate", payload=late)
    assert Job.objects.get(tenant=tenant_a, external_id=JOB).title == "Principal Engineer"


def test_a_job_change_touches_the_guides_of_its_candidates(deliver, tenant_a):
    deliver("jobCreate")
    deliver("applicationSubmit")
    _age_guides(tenant_a)
    deliver("jobUpdate")
    assert _guide_touched(tenant_a)


# --- candidates --------------------------------------------------------------------------------


def test_candidate_delete_removes_their_data_and_guide(deliver, tenant_a):
    deliver("applicationSubmit")
    deliver("interviewScheduleCreate")
    delivery = deliver("candidateDelete")
    assert delivery.status == Status.PROCESSED, delivery.error
    assert not Candidate.objects.filter(tenant=tenant_a).exists()
    assert not Application.objects.filter(tenant=tenant_a).exists()
    assert not InterviewSchedule.objects.filter(tenant=tenant_a).exists()
    assert not Guide.objects.filter(tenant=tenant_a).exists()


def test_a_late_event_about_a_deleted_candidate_does_not_bring_them_back(deliver, tenant_a):
    deliver("applicationSubmit")
    deliver("candidateDelete")
    late = deliver("candidateStageChange")  # sent by Ashby before the deletion, arrived after
    assert late.status == Status.PROCESSED
    assert late.outcome == f"Candidate {CAND} was deleted in Ashby: ignored."
    assert not Candidate.objects.filter(tenant=tenant_a).exists()
    assert not Guide.objects.filter(tenant=tenant_a).exists()
    schedule = deliver("interviewScheduleUpdate")  # names its candidate: not retried
    assert schedule.status == Status.PROCESSED
    assert "deleted in Ashby" in schedule.outcome


def test_a_late_event_about_a_merged_away_candidate_does_not_bring_them_back(deliver, tenant_a):
    deliver("applicationSubmit")
    Candidate.objects.create(tenant=tenant_a, external_id=CAND2, name="Ada L.")
    deliver("candidateMerge")
    deliver("candidateStageChange")  # still about the merged-away candidate
    assert not Candidate.objects.filter(tenant=tenant_a, external_id=CAND).exists()
    assert Application.objects.get(tenant=tenant_a, external_id=APP).candidate.external_id == CAND2


def test_a_deletion_in_one_tenant_does_not_hide_the_candidate_in_another(
    deliver, tenant_a, tenant_b
):
    deliver("candidateDelete")
    assert deliver("applicationSubmit", tenant=tenant_b).status == Status.PROCESSED
    assert Candidate.objects.filter(tenant=tenant_b, external_id=CAND).exists()


def test_deleting_an_unknown_candidate_is_processed_as_nothing_to_do(deliver):
    delivery = deliver("candidateDelete")
    assert delivery.status == Status.PROCESSED
    assert "nothing to delete" in delivery.outcome


def test_a_merge_moves_everything_to_the_survivor(deliver, tenant_a):
    deliver("applicationSubmit")
    deliver("interviewScheduleCreate")
    survivor = Candidate.objects.create(tenant=tenant_a, external_id=CAND2, name="Ada L.")
    old_guide = Guide.objects.get(tenant=tenant_a, candidate__external_id=CAND)
    delivery = deliver("candidateMerge")
    assert delivery.status == Status.PROCESSED, delivery.error
    assert not Candidate.objects.filter(tenant=tenant_a, external_id=CAND).exists()
    assert Application.objects.get(tenant=tenant_a, external_id=APP).candidate == survivor
    assert InterviewEvent.objects.filter(schedule__application__candidate=survivor).count() == 1
    guide = Guide.objects.get(tenant=tenant_a, candidate=survivor)
    assert guide.token == old_guide.token  # the link the candidate has keeps working


def test_a_merge_keeps_the_survivors_own_guide_when_it_has_one(deliver, tenant_a):
    deliver("applicationSubmit")
    survivor = Candidate.objects.create(tenant=tenant_a, external_id=CAND2, name="Ada L.")
    own = Guide.objects.create(tenant=tenant_a, candidate=survivor)
    deliver("candidateMerge")
    assert list(Guide.objects.filter(tenant=tenant_a)) == [own]
    assert Application.objects.get(tenant=tenant_a, external_id=APP).candidate == survivor


def test_a_merge_into_a_candidate_guide_does_not_have_yet_renames_the_candidate(deliver, tenant_a):
    deliver("applicationSubmit")
    pk = _candidate(tenant_a).pk
    assert deliver("candidateMerge").status == Status.PROCESSED
    renamed = Candidate.objects.get(pk=pk)
    assert renamed.external_id == CAND2
    assert renamed.guide is not None


def test_a_merge_of_unknown_candidates_changes_nothing(deliver, tenant_a):
    delivery = deliver("candidateMerge")
    assert delivery.status == Status.PROCESSED
    assert "nothing to move" in delivery.outcome


# --- tenants -----------------------------------------------------------------------------------


def test_a_delivery_cannot_touch_another_tenants_data(deliver, tenant_a, tenant_b):
    deliver("applicationSubmit", tenant=tenant_b)
    deliver("applicationSubmit")
    deliver("candidateDelete")  # tenant A's URL
    assert not Candidate.objects.filter(tenant=tenant_a).exists()
    assert _candidate(tenant_b).name == "Ada Lovelace"
    assert Guide.objects.filter(tenant=tenant_b).count() == 1
    deliver("candidateStageChange")
    assert Application.objects.get(tenant=tenant_b, external_id=APP).current_stage.title == (
        "Application Review"
    )


# --- a new candidate's details ------------------------------------------------------------------


@pytest.fixture
def connected_a(tenant_a, admin_user, fake_ashby, queued_syncs):
    from integrations.ashby import connect
    from tests.integrations.fake_ashby import GOOD_KEY

    connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)
    return fake_ashby


def _full_candidate(timezone_name: str) -> dict:
    from tests.integrations.ashby_spec import spec_body

    candidate = {
        "id": CAND,
        "createdAt": "2026-11-20T10:00:00.000Z",
        "updatedAt": "2026-11-20T10:05:00.000Z",
        "name": "Ada Lovelace",
        "primaryEmailAddress": {"value": "ada@example.com", "type": "Personal", "isPrimary": True},
        "emailAddresses": [{"value": "ada@example.com", "type": "Personal", "isPrimary": True}],
        "phoneNumbers": [],
        "socialLinks": [],
        "tags": [],
        "applicationIds": [APP],
        "fileHandles": [],
        "customFields": [],
        "profileUrl": f"https://app.ashbyhq.com/candidates/{CAND}",
        "timezone": timezone_name,
        "location": {
            "id": "7e0c1d2b-0000-4000-8000-000000000001",
            "locationSummary": "London, UK",
            "locationComponents": [
                {"type": "Country", "name": "United Kingdom"},
                {"type": "City", "name": "London"},
            ],
        },
    }
    return spec_body("candidate.info", {"success": True, "results": candidate})


def test_a_new_candidate_is_filled_in_from_ashby_so_the_guide_knows_their_zone(
    deliver, tenant_a, connected_a
):
    connected_a.answer("candidate.info", _full_candidate("Europe/London"))
    assert deliver("applicationSubmit").status == Status.PROCESSED
    candidate = _candidate(tenant_a)
    assert candidate.timezone == "Europe/London"
    assert candidate.location_summary == "London, UK"
    deliver("candidateStageChange")
    assert connected_a.endpoints_called().count("candidate.info") == 1  # only while a summary


def test_when_ashby_cannot_fill_in_the_candidate_the_delivery_still_applies(
    deliver, tenant_a, connected_a
):
    connected_a.answer("candidate.info", {"success": False}, status=503)
    delivery = deliver("applicationSubmit")
    assert delivery.status == Status.PROCESSED, delivery.error
    assert _candidate(tenant_a).timezone == ""
    assert Guide.objects.filter(tenant=tenant_a, candidate__external_id=CAND).exists()


# --- partial and impossible payloads (what real deliveries send) -------------------------------


def test_a_partial_stage_change_keeps_the_job_and_recruiter_it_does_not_mention(
    deliver, tenant_a, client
):
    Interviewer.objects.create(tenant=tenant_a, external_id=RITA, first_name="Rita")
    deliver("applicationSubmit")
    _age_guides(tenant_a)

    delivery = deliver("candidateStageChange", "partial")  # no job, no hiringTeam; newer

    assert delivery.status == Status.PROCESSED, delivery.error
    assert delivery.outcome == f"Application {APP} updated."
    application = Application.objects.get(tenant=tenant_a, external_id=APP)
    assert application.current_stage.title == "Offer"
    assert application.job.title == "Staff Engineer"
    assert application.recruiter.external_id == RITA
    assert _guide_touched(tenant_a)
    guide = Guide.objects.get(tenant=tenant_a)
    assert "Staff Engineer" in client.get(f"/g/{guide.token}/").content.decode()


def test_a_new_application_without_its_job_is_read_whole_from_ashby_outside_a_transaction(
    deliver, tenant_a, connected_a
):
    full = webhook_fixture("applicationSubmit")["data"]["application"]
    in_transaction = []

    def application_info(request):
        # Deeper than the test's own transaction: the call would hold the delivery's locks.
        in_transaction.append(len(db.atomic_blocks) > test_depth)
        return 200, {}, json.dumps({"success": True, "results": full})

    Interviewer.objects.create(tenant=tenant_a, external_id=RITA, first_name="Rita")
    connected_a.mock.add_callback("POST", f"{BASE}/application.info", application_info)
    connected_a.answer("candidate.info", _full_candidate("Europe/London"))
    test_depth = len(db.atomic_blocks)

    delivery = deliver("candidateStageChange", "partial")

    assert delivery.status == Status.PROCESSED, delivery.error
    assert in_transaction == [False]  # the call is made before the delivery's transaction
    application = Application.objects.get(tenant=tenant_a, external_id=APP)
    assert application.job.title == "Staff Engineer"
    assert application.recruiter.external_id == RITA
    assert _candidate(tenant_a).timezone == "Europe/London"


def test_when_ashby_is_not_connected_the_outcome_says_what_the_next_sync_fills_in(
    deliver, tenant_a
):
    delivery = deliver("candidateStageChange", "partial")  # a new application, no job

    assert delivery.status == Status.PROCESSED, delivery.error
    assert delivery.outcome == (
        f"Application {APP} created. The delivery does not say the application's job or "
        "recruiter: Ashby is not connected, so the next sync fills it in."
    )
    assert Application.objects.get(tenant=tenant_a, external_id=APP).job is None


def test_an_impossible_interview_is_refused_and_the_rest_of_the_schedule_applied(deliver, tenant_a):
    deliver("applicationSubmit")
    payload = webhook_fixture("interviewScheduleCreate")
    good = payload["data"]["interviewSchedule"]["interviewEvents"][0]
    backwards = {
        **good,
        "id": "7d3f1b5e-2a4c-4f6b-8d9e-7a00000000ee",
        "startTime": "2026-11-30T16:00:00.000Z",
        "endTime": "2026-11-30T15:00:00.000Z",
    }
    far = {
        **good,
        "id": "7d3f1b5e-2a4c-4f6b-8d9e-7a00000000ff",
        "startTime": "9662-01-01T10:00:00Z",
    }
    payload["data"]["interviewSchedule"]["interviewEvents"] += [backwards, far]

    delivery = deliver("interviewScheduleCreate", payload=payload)

    assert delivery.status == Status.PROCESSED, delivery.error
    assert "ends (2026-11-30T15:00:00.000Z) before it starts" in delivery.outcome
    assert "startTime 9662-01-01T10:00:00Z is impossible" in delivery.outcome
    assert list(InterviewEvent.objects.values_list("external_id", flat=True)) == [good["id"]]


def test_a_schedule_without_its_events_keeps_them_when_ashby_cannot_be_asked(deliver, tenant_a):
    deliver("applicationSubmit")
    deliver("interviewScheduleCreate")
    payload = webhook_fixture("interviewScheduleUpdate")
    del payload["data"]["interviewSchedule"]["interviewEvents"]
    payload["data"]["interviewSchedule"]["updatedAt"] = "2026-11-25T00:00:00.000Z"

    delivery = deliver("interviewScheduleUpdate", payload=payload)

    assert delivery.status == Status.PROCESSED, delivery.error
    assert "were left as stored" in delivery.outcome
    assert InterviewEvent.objects.filter(tenant=tenant_a).count() == 1


def test_a_time_zone_guide_does_not_know_is_not_stored_and_the_rest_is(
    deliver, tenant_a, connected_a
):
    connected_a.answer("candidate.info", _full_candidate("Mars/Olympus_Mons"))

    delivery = deliver("applicationSubmit")

    assert delivery.status == Status.PROCESSED, delivery.error
    assert "time zone 'Mars/Olympus_Mons' is not one Guide knows" in delivery.outcome
    candidate = _candidate(tenant_a)
    assert (candidate.timezone, candidate.location_summary) == ("", "London, UK")
