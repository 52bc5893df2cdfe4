"""The grace period after a webhook secret is rotated (issue 17): deliveries signed with the
previous secret are accepted until the window ends or support revokes it, the row keeps
receiving and says "Secret rotated" until a delivery signed with the new secret arrives, and a
rotation or a revoke between the signature check and the INSERT is never missed."""

from __future__ import annotations

import json
import re
import zoneinfo
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from integrations import receiving
from integrations.models import WebhookDelivery, WebhookSubscription
from integrations.webhook_rows import revoke_previous_secret, rotate_secret
from tests.integrations.webhook_helpers import numbered_stage_change, post_webhook

pytestmark = pytest.mark.django_db

PAGE = reverse("integrations:webhooks")
STATUS = reverse("integrations:webhooks_status")


def _row(sub) -> WebhookSubscription:
    return WebhookSubscription.objects.get(pk=sub.pk)


def _connected(client, sub) -> str:
    """One delivery signed with the row's secret (this process then remembers the row)."""
    secret = _row(sub).secret
    assert post_webhook(client, sub, numbered_stage_change(0), secret=secret).status_code == 200
    return secret


def _rotated(client, sub) -> tuple[str, str]:
    """(old, new) secrets of a connected row just rotated."""
    old = _connected(client, sub)
    return old, rotate_secret(_row(sub)).secret


def _state(client, event: str) -> dict:
    return next(r for r in client.get(STATUS).json()["rows"] if r["event"] == event)


def _stored_keys() -> set[str]:
    return set(WebhookDelivery.objects.values_list("dedupe_key", flat=True))


def _key(n: int) -> str:
    return numbered_stage_change(n)["webhookActionId"]


# --- the window -----------------------------------------------------------------------------


def test_the_old_secret_is_accepted_inside_the_grace_window(
    client, stage_sub, queued_deliveries, django_capture_on_commit_callbacks
):
    old, _new = _rotated(client, stage_sub)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, stage_sub, numbered_stage_change(1), secret=old)
    assert response.json() == {"ok": True, "outcome": "stored"}
    delivery = WebhookDelivery.objects.get(dedupe_key=_key(1))
    assert delivery.status == WebhookDelivery.Status.RECEIVED
    assert delivery.pk in queued_deliveries  # processed like any other delivery
    row = _row(stage_sub)
    assert not row.is_failing
    assert row.rotation_pending  # the new secret has not been seen yet


def test_the_old_secret_is_accepted_on_a_row_this_process_never_loaded(
    client, stage_sub, queued_deliveries
):
    old, _new = _rotated(client, stage_sub)
    receiving.forget_remembered()
    assert post_webhook(client, stage_sub, numbered_stage_change(1), secret=old).status_code == 200
    assert _key(1) in _stored_keys()


def test_the_old_secret_is_refused_after_the_window(
    client, tenant_admin_client, stage_sub, queued_deliveries
):
    old, _new = _rotated(client, stage_sub)
    assert post_webhook(client, stage_sub, numbered_stage_change(1), secret=old).status_code == 200
    WebhookSubscription.objects.filter(pk=stage_sub.pk).update(
        previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
    )
    # This process still remembers the row as it was inside the window: the INSERT decides.
    response = post_webhook(client, stage_sub, numbered_stage_change(2), secret=old)
    assert response.status_code == 401
    assert _key(2) not in _stored_keys()
    row = _row(stage_sub)
    assert row.is_failing
    assert row.signature_failures == 1
    assert _state(tenant_admin_client, "candidateStageChange")["state"] == "failing"


def test_the_window_follows_the_setting(client, stage_sub, queued_deliveries):
    old = _connected(client, stage_sub)
    before = timezone.now()
    with override_settings(GUIDE_WEBHOOK_SECRET_GRACE_HOURS=2):
        rotate_secret(_row(stage_sub))
    expires = _row(stage_sub).previous_secret_expires_at
    assert before + timedelta(hours=2) <= expires <= timezone.now() + timedelta(hours=2)
    assert post_webhook(client, stage_sub, numbered_stage_change(1), secret=old).status_code == 200


@override_settings(GUIDE_WEBHOOK_SECRET_GRACE_HOURS=0)
def test_with_no_grace_period_the_old_secret_is_refused_at_once(
    client, stage_sub, queued_deliveries
):
    old, new = _rotated(client, stage_sub)
    assert _row(stage_sub).previous_secret_encrypted is None
    assert post_webhook(client, stage_sub, numbered_stage_change(1), secret=old).status_code == 401
    assert post_webhook(client, stage_sub, numbered_stage_change(2), secret=new).status_code == 200
    assert _stored_keys() == {_key(0), _key(2)}


def test_revoke_now_refuses_the_old_secret_at_once(client, stage_sub, queued_deliveries):
    old, _new = _rotated(client, stage_sub)
    assert post_webhook(client, stage_sub, numbered_stage_change(1), secret=old).status_code == 200
    assert revoke_previous_secret(_row(stage_sub)) is True
    response = post_webhook(client, stage_sub, numbered_stage_change(2), secret=old)
    assert response.status_code == 401
    assert _stored_keys() == {_key(0), _key(1)}
    row = _row(stage_sub)
    assert (row.previous_secret_encrypted, row.previous_secret_expires_at) == (None, None)
    assert not row.rotation_pending


def test_revoking_when_no_previous_secret_is_accepted_says_so(stage_sub):
    assert revoke_previous_secret(_row(stage_sub)) is False


def test_a_second_rotation_keeps_only_the_secret_it_replaces(client, stage_sub, queued_deliveries):
    first, second = _rotated(client, stage_sub)
    third = rotate_secret(_row(stage_sub)).secret
    assert post_webhook(client, stage_sub, numbered_stage_change(1), secret=first).status_code == (
        401
    )
    assert post_webhook(client, stage_sub, numbered_stage_change(2), secret=second).status_code == (
        200
    )
    assert post_webhook(client, stage_sub, numbered_stage_change(3), secret=third).status_code == (
        200
    )
    assert _stored_keys() == {_key(0), _key(2), _key(3)}


# --- the new secret ends the pending state --------------------------------------------------


def test_a_delivery_signed_with_the_new_secret_turns_the_row_connected(
    client, tenant_admin_client, stage_sub, queued_deliveries
):
    old, new = _rotated(client, stage_sub)
    assert _state(tenant_admin_client, "candidateStageChange")["state"] == "rotated"

    assert post_webhook(client, stage_sub, numbered_stage_change(1), secret=new).status_code == 200

    row = _row(stage_sub)
    assert row.secret_confirmed_at is not None
    assert not row.rotation_pending
    state = _state(tenant_admin_client, "candidateStageChange")
    assert state["state"] == "connected"
    assert "Secret rotated" not in state["reason"]
    # A delivery Ashby signed before the change (a retry) still counts within the window.
    assert post_webhook(client, stage_sub, numbered_stage_change(2), secret=old).status_code == 200
    assert _state(tenant_admin_client, "candidateStageChange")["state"] == "connected"


def test_a_ping_signed_with_the_new_secret_ends_the_pending_state(
    client, tenant_admin_client, stage_sub
):
    _old, new = _rotated(client, stage_sub)
    ping = {"action": "ping", "data": {"webhook": {"id": "w"}}}
    assert post_webhook(client, stage_sub, ping, secret=new).status_code == 200
    assert _state(tenant_admin_client, "candidateStageChange")["state"] == "connected"


def test_the_new_secret_of_an_older_rotation_does_not_confirm_a_newer_one(stage_sub):
    """The confirmation is for the rotation the receiver checked against, never a later one."""
    from integrations.webhook_secrets import confirm_new_secret

    stale = _row(stage_sub)
    rotate_secret(_row(stage_sub))
    stale_copy = rotate_secret(_row(stage_sub))
    stale.secret_rotated_at = stale_copy.secret_rotated_at - timedelta(seconds=1)
    confirm_new_secret(stale, timezone.now())
    assert _row(stage_sub).secret_confirmed_at is None


# --- a change between the check and the INSERT ----------------------------------------------


@pytest.fixture
def meanwhile(monkeypatch):
    """Run a change to the row just before the receiver's `at`-th INSERT of the request (after
    the signature check that INSERT relies on)."""

    def arrange(change, at: int = 1) -> None:
        original = receiving.insert_delivery
        calls = []

        def insert_after_change(values, **kwargs):
            calls.append(kwargs.get("guard"))
            if len(calls) == at:
                change()
            return original(values, **kwargs)

        monkeypatch.setattr(receiving, "insert_delivery", insert_after_change)

    return arrange


@pytest.mark.parametrize("change", [revoke_previous_secret, rotate_secret])
def test_a_revoke_or_rotation_between_check_and_insert_refuses_the_old_secret(
    client, stage_sub, queued_deliveries, meanwhile, change
):
    """This process remembers the row inside the window: the INSERT is guarded by it."""
    old, _new = _rotated(client, stage_sub)
    assert post_webhook(client, stage_sub, numbered_stage_change(1), secret=old).status_code == 200
    meanwhile(lambda: change(_row(stage_sub)))
    response = post_webhook(client, stage_sub, numbered_stage_change(2), secret=old)
    assert response.status_code == 401
    assert _key(2) not in _stored_keys()


def test_a_revoke_between_a_fresh_check_and_insert_refuses_the_old_secret(
    client, stage_sub, queued_deliveries, meanwhile
):
    """This process remembers the row from before the rotation: the old secret fails the
    first guarded INSERT, the row is loaded again and accepts it as the previous secret, and
    a revoke just before that second INSERT is still seen."""
    old = _connected(client, stage_sub)
    rotate_secret(_row(stage_sub))
    meanwhile(lambda: revoke_previous_secret(_row(stage_sub)), at=2)
    response = post_webhook(client, stage_sub, numbered_stage_change(1), secret=old)
    assert response.status_code == 401
    assert _key(1) not in _stored_keys()
    assert _row(stage_sub).signature_failures == 1


def test_a_rotation_between_check_and_insert_keeps_the_current_secret_for_the_window(
    client, stage_sub, queued_deliveries, meanwhile
):
    """Checked with the current secret, which the rotation made the previous one: accepted."""
    current = _connected(client, stage_sub)
    meanwhile(lambda: rotate_secret(_row(stage_sub)))
    response = post_webhook(client, stage_sub, numbered_stage_change(1), secret=current)
    assert response.json()["outcome"] == "stored"


def test_a_repeat_signed_with_the_old_secret_is_a_duplicate(client, stage_sub, queued_deliveries):
    old, _new = _rotated(client, stage_sub)
    receiving.forget_remembered()
    assert post_webhook(client, stage_sub, numbered_stage_change(1), secret=old).status_code == 200
    receiving.forget_remembered()
    again = post_webhook(client, stage_sub, numbered_stage_change(1), secret=old)
    assert again.json()["outcome"] == "duplicate"
    assert _row(stage_sub).signature_failures == 0


# --- what the customer's page says ----------------------------------------------------------


def _row_html(html: str, event: str) -> str:
    match = re.search(rf'<article[^>]*data-event="{event}".*?</article>', html, re.S)
    assert match, f"no row for {event}"
    return match.group(0)


def test_the_admin_sees_the_rotated_row_with_the_new_secret_to_copy(
    client, tenant_admin_client, stage_sub
):
    old, new = _rotated(client, stage_sub)
    row = _row_html(tenant_admin_client.get(PAGE).content.decode(), "candidateStageChange")
    assert 'data-state="rotated"' in row
    assert "Secret rotated: paste the new secret in Ashby." in row
    assert f'<code data-field="secret">{new}</code>' in row
    assert 'data-copy-field="secret"' in row
    assert 'data-role="new-secret"' in row
    assert old not in row
    expires = timezone.localtime(
        _row(stage_sub).previous_secret_expires_at, zoneinfo.ZoneInfo("America/New_York")
    )
    assert f"Until {expires:%-d %b %Y, %H:%M} {expires.tzname()}" in row  # the company's zone


def test_a_member_sees_the_rotated_state_without_any_secret(client, member_client, stage_sub):
    old, new = _rotated(client, stage_sub)
    html = member_client.get(PAGE).content.decode()
    row = _row_html(html, "candidateStageChange")
    assert 'data-state="rotated"' in row
    assert "Secret rotated: paste the new secret in Ashby." in row
    assert new not in html and old not in html
    assert 'data-copy-field="secret"' not in row
    state = _state(member_client, "candidateStageChange")
    assert state["state"] == "rotated"
    assert new not in json.dumps(state) and old not in json.dumps(state)


def test_an_outsider_sees_nothing_of_another_tenants_rotation(client, outsider_client, stage_sub):
    old, new = _rotated(client, stage_sub)
    html = outsider_client.get(PAGE).content.decode()
    assert "Secret rotated:" not in html
    assert 'data-state="rotated"' not in html
    assert new not in html and old not in html
    assert all(r["state"] != "rotated" for r in outsider_client.get(STATUS).json()["rows"])


def test_the_rotated_row_counts_as_connected_but_not_all_on(client, tenant_admin_client, stage_sub):
    _rotated(client, stage_sub)
    summary = tenant_admin_client.get(STATUS).json()["summary"]
    assert summary["connected"] == 1
    assert summary["all_on"] is False


def test_the_rotate_form_of_a_rotated_row_warns_the_older_secret_goes(
    client, tenant_admin_client, stage_sub
):
    _rotated(client, stage_sub)
    html = tenant_admin_client.get(PAGE).content.decode()
    assert "It was rotated already" in _row_html(html, "candidateStageChange")
    assert "It was rotated already" not in _row_html(html, "candidateHire")
