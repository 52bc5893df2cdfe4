"""The receiver with a remembered row (the per-process copy that saves a SELECT per delivery):
it stores an ordinary event in one statement, and nothing it remembers can outlive a change
of the row: a rotated secret, a re-encrypted one, a deleted row, a repeat."""

from __future__ import annotations

import pytest

from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhook_rows import rotate_secret
from tests.integrations.webhook_helpers import numbered_stage_change, post_webhook

pytestmark = pytest.mark.django_db


def _stored_token(sub) -> str:
    return WebhookSubscription.objects.get(pk=sub.pk).secret_encrypted.token


def _remembered(client, sub) -> None:
    """One delivery, so that this process remembers the row."""
    assert post_webhook(client, sub, numbered_stage_change(0)).json()["outcome"] == "stored"


def test_with_the_row_remembered_an_event_is_stored_in_one_statement(
    client,
    stage_sub,
    queued_deliveries,
    django_assert_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        _remembered(client, stage_sub)
        with django_assert_num_queries(1):
            response = post_webhook(client, stage_sub, numbered_stage_change(1))
    assert response.json() == {"ok": True, "outcome": "stored"}
    assert WebhookDelivery.objects.count() == 2
    assert queued_deliveries == list(
        WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True)
    )


def test_a_secret_replaced_twice_is_refused_at_once(client, stage_sub, queued_deliveries):
    """The grace period keeps only the secret being replaced: the one before it is refused
    at once, although this process remembers the row with it."""
    _remembered(client, stage_sub)
    oldest = stage_sub.secret
    rotate_secret(WebhookSubscription.objects.get(pk=stage_sub.pk))
    rotated = rotate_secret(WebhookSubscription.objects.get(pk=stage_sub.pk))

    refused = post_webhook(client, stage_sub, numbered_stage_change(1), secret=oldest)
    accepted = post_webhook(client, stage_sub, numbered_stage_change(2), secret=rotated.secret)

    assert refused.status_code == 401
    assert accepted.json()["outcome"] == "stored"
    stored = set(WebhookDelivery.objects.values_list("dedupe_key", flat=True))
    assert stored == {
        numbered_stage_change(0)["webhookActionId"],
        numbered_stage_change(2)["webhookActionId"],
    }
    assert WebhookSubscription.objects.get(pk=stage_sub.pk).signature_failures == 1


def test_a_rotated_secret_is_accepted_in_its_grace_period_while_remembered(
    client, stage_sub, queued_deliveries
):
    _remembered(client, stage_sub)
    old_secret = stage_sub.secret
    rotate_secret(WebhookSubscription.objects.get(pk=stage_sub.pk))
    response = post_webhook(client, stage_sub, numbered_stage_change(1), secret=old_secret)
    assert response.json()["outcome"] == "stored"
    assert WebhookDelivery.objects.count() == 2


def test_a_re_encrypted_secret_still_accepts_deliveries(client, stage_sub, queued_deliveries):
    """rotate_encryption_keys changes the stored token, not the secret."""
    _remembered(client, stage_sub)
    before = _stored_token(stage_sub)
    # An update encrypts the plaintext afresh: a new token for the same secret.
    WebhookSubscription.objects.filter(pk=stage_sub.pk).update(secret_encrypted=stage_sub.secret)
    assert _stored_token(stage_sub) != before
    assert post_webhook(client, stage_sub, numbered_stage_change(1)).json()["outcome"] == "stored"
    assert WebhookDelivery.objects.count() == 2


def test_a_deleted_row_is_404_even_while_remembered(client, stage_sub, queued_deliveries):
    _remembered(client, stage_sub)
    WebhookSubscription.objects.filter(pk=stage_sub.pk).delete()
    response = post_webhook(client, stage_sub, numbered_stage_change(1))
    assert response.status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_a_repeat_is_a_duplicate_while_remembered(client, stage_sub, queued_deliveries):
    _remembered(client, stage_sub)
    again = post_webhook(client, stage_sub, numbered_stage_change(0))
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert WebhookDelivery.objects.count() == 1


def test_a_good_delivery_after_a_bad_one_turns_the_row_green_at_once(
    client, stage_sub, queued_deliveries
):
    _remembered(client, stage_sub)
    assert (
        post_webhook(client, stage_sub, numbered_stage_change(1), secret="wrong").status_code == 401
    )
    assert WebhookSubscription.objects.get(pk=stage_sub.pk).is_failing

    assert post_webhook(client, stage_sub, numbered_stage_change(2)).json()["outcome"] == "stored"
    assert not WebhookSubscription.objects.get(pk=stage_sub.pk).is_failing


def test_a_ping_is_checked_against_the_row_as_it_is_now(client, stage_sub, queued_deliveries):
    _remembered(client, stage_sub)
    oldest = stage_sub.secret
    rotate_secret(WebhookSubscription.objects.get(pk=stage_sub.pk))
    rotate_secret(WebhookSubscription.objects.get(pk=stage_sub.pk))
    ping = {"action": "ping", "data": {"webhook": {"id": "w"}}}
    assert post_webhook(client, stage_sub, ping, secret=oldest).status_code == 401
    row = WebhookSubscription.objects.get(pk=stage_sub.pk)
    assert row.is_failing
    assert row.signature_failures == 1
