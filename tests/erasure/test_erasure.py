"""Erasure that reaches every copy (issue 21, point 1): a candidate deleted or merged away in
Ashby leaves nothing personal in any table, late and replayed deliveries bring nothing back."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from emails.models import Email, Suppression
from guides.models import Application, Candidate, Guide
from integrations import deliveries, support, tasks
from integrations.ashby.storing import Context, Counts, store_applications, store_candidates
from integrations.models import AuditEvent, DeletedCandidate, WebhookDelivery
from tests.erasure.people import (
    CANDIDATE,
    EMAIL,
    NAME,
    OTHER,
    PHONE,
    application_payload,
    delete_payload,
    deliver,
    traces,
)
from tests.integrations.webhook_helpers import webhook_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada(client, tenant_a):
    """Ada applied (a delivery with her name, email and phone), and her traces elsewhere: a
    support console edit of her row and an audit line that names her."""
    delivery = deliver(client, tenant_a, application_payload())
    assert delivery.status == "processed", delivery.error
    candidate = Candidate.objects.get(tenant=tenant_a, external_id=CANDIDATE)
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Candidate),
        object_id=str(candidate.pk),
        object_repr=str(candidate),
        action_flag=CHANGE,
        change_message=f"Changed email to {EMAIL}",
        user_id=_staff().pk,
    )
    AuditEvent.record(tenant_a, None, AuditEvent.Action.KEY_CHECKED, message=f"Asked by {EMAIL}")
    # The emails Guide sent her (issue 20), and her address among those not written to.
    Email.objects.create(
        tenant=tenant_a,
        candidate=candidate,
        kind="reminder",
        to_address=EMAIL,
        subject=f"Reminder for {NAME}",
        due_at=timezone.now(),
    )
    Suppression.objects.create(tenant=tenant_a, address=EMAIL.lower(), reason="unsubscribed")
    return candidate


def _staff():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user("staff_editor", is_staff=True)


def test_the_receiver_notes_the_candidate_a_delivery_is_about(client, tenant_a, ada):
    delivery = WebhookDelivery.objects.get(tenant=tenant_a, action="applicationSubmit")

    assert delivery.candidate_id == CANDIDATE
    # The walk finds every copy the erasure must reach (so its empty result means something).
    assert set(traces()) >= {
        f"integrations.WebhookDelivery.body: {PHONE}",
        f"guides.Candidate.name: {NAME}",
        f"guides.Candidate.email: {EMAIL}",
        f"admin.LogEntry.object_repr: {NAME}",
        f"admin.LogEntry.change_message: {EMAIL}",
        f"integrations.AuditEvent.message: {EMAIL}",
        f"emails.Email.to_address: {EMAIL}",
        f"emails.Email.subject: {NAME}",
        f"emails.Suppression.address: {EMAIL}",
    }


def test_a_candidate_deleted_in_ashby_leaves_no_trace_in_any_table(client, tenant_a, ada):
    deleted = deliver(client, tenant_a, delete_payload())

    assert deleted.status == "processed"
    assert traces() == []
    assert not Candidate.objects.filter(tenant=tenant_a).exists()
    assert not Guide.objects.filter(tenant=tenant_a).exists()


def test_the_deliveries_stay_as_tombstones_with_a_note(client, tenant_a, ada):
    deliver(client, tenant_a, delete_payload())

    submit = WebhookDelivery.objects.get(tenant=tenant_a, action="applicationSubmit")
    assert submit.status == "processed"
    assert submit.received_at and submit.processed_at
    assert submit.body_erased_at is not None
    assert submit.body.startswith("Body erased ")
    assert "deleted in Ashby" in submit.body
    assert submit.headers == {}


def test_the_erasure_is_audited_without_the_personal_data(client, tenant_a, ada):
    deliver(client, tenant_a, delete_payload())

    row = AuditEvent.objects.get(tenant=tenant_a, action="person_erased")
    assert row.target == f"Candidate {CANDIDATE}"
    assert row.detail["candidate_ids"] == [CANDIDATE]
    assert "deleted in Ashby" in row.message
    assert row.detail["counts"]["webhook deliveries"]
    text = f"{row.message} {row.target} {row.detail}"
    assert NAME not in text and EMAIL not in text and PHONE not in text


def test_a_late_delivery_about_an_erased_candidate_is_stored_without_its_body(
    client, tenant_a, ada
):
    deliver(client, tenant_a, delete_payload())

    late = deliver(client, tenant_a, application_payload("applicationUpdate", n=9))

    assert "was deleted in Ashby: ignored" in late.outcome
    assert late.body_erased_at is not None
    assert traces() == []
    assert not Candidate.objects.filter(tenant=tenant_a).exists()


def test_a_redelivered_copy_of_the_first_delivery_brings_nothing_back(client, tenant_a, ada):
    deliver(client, tenant_a, delete_payload())

    again = deliver(client, tenant_a, application_payload())  # same webhookActionId

    assert WebhookDelivery.objects.filter(tenant=tenant_a).count() == 2  # a duplicate: not stored
    assert again.action == "candidateDelete"
    assert traces() == []


def test_a_late_delivery_sent_to_another_events_url_loses_its_body_at_the_next_pass(
    client, tenant_a, ada
):
    from integrations.retention import erase_unprocessed_about_erased
    from tests.erasure.people import subscription
    from tests.integrations.webhook_helpers import post_webhook

    deliver(client, tenant_a, delete_payload())
    wrong_url = subscription(tenant_a, "candidateHire")
    post_webhook(client, wrong_url, application_payload("applicationUpdate", n=11))
    assert traces() != []  # stored as ignored, its body kept until the pass

    from django.utils import timezone

    assert erase_unprocessed_about_erased(timezone.now()) == 1
    assert traces() == []


def test_an_erased_delivery_cannot_be_replayed(client, tenant_a, ada):
    deliver(client, tenant_a, delete_payload())
    submit = WebhookDelivery.objects.get(tenant=tenant_a, action="applicationSubmit")

    with pytest.raises(deliveries.ReplayRefused, match="body was erased"):
        deliveries.replay_delivery(tenant_a, submit.pk)
    result = support.replay(submit, user=None)

    assert not result.ok and "body was erased" in result.message
    assert not Candidate.objects.filter(tenant=tenant_a).exists()


def test_a_sync_skips_an_erased_candidate(client, tenant_a, ada):
    deliver(client, tenant_a, delete_payload())
    application = application_payload()["data"]["application"]
    context = Context(run=None, tenant=tenant_a, client=None)

    store_candidates(context, [{**application["candidate"], "applicationIds": ["x"]}], Counts())
    store_applications(context, [application], Counts())

    assert not Candidate.objects.filter(tenant=tenant_a).exists()
    assert not Application.objects.filter(tenant=tenant_a).exists()


def test_an_erasure_leaves_other_candidates_and_tenants_alone(client, tenant_a, tenant_b, ada):
    bea = {"id": OTHER, "name": "Bea Other", "primaryEmailAddress": {"value": "bea@example.com"}}
    payload = application_payload(n=2, **bea)
    payload["data"]["application"]["id"] = "5f1e3c9b-7a2d-4e8f-b6c1-2b0000000002"
    deliver(client, tenant_a, payload)
    deliver(client, tenant_b, application_payload())  # Ada applied at Bravo too

    deliver(client, tenant_a, delete_payload())

    assert Candidate.objects.filter(tenant=tenant_a, external_id=OTHER).exists()
    assert Candidate.objects.filter(tenant=tenant_b, external_id=CANDIDATE).exists()
    bravo = WebhookDelivery.objects.get(tenant=tenant_b)
    assert bravo.body_erased_at is None and PHONE in bravo.body
    bea_delivery = WebhookDelivery.objects.get(tenant=tenant_a, candidate_id=OTHER)
    assert "Bea Other" in bea_delivery.body


def test_a_merge_erases_the_merged_away_records_deliveries_and_keeps_the_person(
    client, tenant_a, ada
):
    merge = webhook_fixture("candidateMerge")

    done = deliver(client, tenant_a, merge)

    assert done.status == "processed", done.error
    kept = Candidate.objects.get(tenant=tenant_a)
    assert kept.external_id == OTHER and kept.name == NAME  # the person lives on
    submit = WebhookDelivery.objects.get(tenant=tenant_a, action="applicationSubmit")
    assert submit.body_erased_at is not None and "merged into" in submit.body
    assert DeletedCandidate.objects.filter(tenant=tenant_a, external_id=CANDIDATE).exists()


def test_processing_a_delivery_twice_after_erasure_changes_nothing(client, tenant_a, ada):
    deleted = deliver(client, tenant_a, delete_payload())
    before = WebhookDelivery.objects.get(pk=deleted.pk).body

    tasks.process_delivery(deleted.pk)

    assert WebhookDelivery.objects.get(pk=deleted.pk).body == before
    assert AuditEvent.objects.filter(action="person_erased").count() == 1


def test_a_schedule_that_names_only_its_application_is_erased_and_stays_away(client, tenant_a, ada):
    schedule = webhook_fixture("interviewScheduleCreate")
    done = deliver(client, tenant_a, schedule)
    assert done.status == "processed", done.error
    assert done.candidate_id == "application:5f1e3c9b-7a2d-4e8f-b6c1-2b0000000001"

    deliver(client, tenant_a, delete_payload())
    schedule["webhookActionId"] = "a1b2c3d4-0007-4000-8000-000000000099"
    late = deliver(client, tenant_a, schedule)

    assert WebhookDelivery.objects.get(pk=done.pk).body_erased_at is not None
    assert late.status == "processed" and "was erased: ignored" in late.outcome
    assert late.body_erased_at is not None
