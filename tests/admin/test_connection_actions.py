"""The connection actions of the support console: each one's effect, and its audit row."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import AshbyConnection, AuditEvent
from tests.admin.conftest import run_action

pytestmark = pytest.mark.django_db

LIST = reverse("admin:integrations_ashbyconnection_changelist")


def last_audit() -> AuditEvent:
    return AuditEvent.objects.order_by("-id").first()


def test_sync_now_is_refused_for_a_disabled_connection(
    support_client, connection, queued_syncs, django_capture_on_commit_callbacks
):
    AshbyConnection.objects.filter(pk=connection.pk).update(status="disabled")
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(support_client, LIST, "sync_now", connection.pk)
    assert queued_syncs == []
    assert "Acme&#x27;s connection is disabled: enable it or check the key first." in (
        response.content.decode()
    )
    assert (last_audit().action, last_audit().outcome) == ("sync_requested", "refused")


def test_disable_stops_the_connection_and_says_why(support_client, connection):
    run_action(support_client, LIST, "disable", connection.pk, confirmed=True)
    connection.refresh_from_db()
    assert connection.status == AshbyConnection.Status.DISABLED
    assert "Disabled by Guide support" in connection.status_reason
    assert not connection.is_usable
    assert (last_audit().action, last_audit().outcome) == ("connection_disabled", "done")


def test_disable_twice_is_refused_the_second_time(support_client, connection):
    run_action(support_client, LIST, "disable", connection.pk, confirmed=True)
    response = run_action(support_client, LIST, "disable", connection.pk, confirmed=True)
    assert "Acme&#x27;s connection is already disabled." in response.content.decode()
    assert last_audit().outcome == "refused"


def test_enable_checks_the_key_with_ashby_then_connects_and_syncs(
    support_client,
    connection,
    fake_ashby,
    queued_syncs,
    django_capture_on_commit_callbacks,
):
    AshbyConnection.objects.filter(pk=connection.pk).update(
        status="disabled", status_reason="Disabled by Guide support."
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = run_action(support_client, LIST, "enable", connection.pk)
    connection.refresh_from_db()
    assert connection.status == AshbyConnection.Status.CONNECTED
    assert connection.status_reason == ""
    assert "apiKey.info" in fake_ashby.endpoints_called()
    assert queued_syncs == [(connection.pk, {"reason": "key checked"})]
    assert (
        "Enabled Acme&#x27;s connection: Ashby accepts the key; a sync is queued."
        in response.content.decode()
    )
    assert (last_audit().action, last_audit().outcome) == ("connection_enabled", "done")


def test_enable_with_a_revoked_key_leaves_it_needing_attention(
    support_client, connection, fake_ashby, queued_syncs
):
    AshbyConnection.objects.filter(pk=connection.pk).update(status="disabled")
    fake_ashby.rejects_the_key()
    run_action(support_client, LIST, "enable", connection.pk)
    connection.refresh_from_db()
    assert connection.status == AshbyConnection.Status.NEEDS_ATTENTION
    assert queued_syncs == []


def test_enable_is_refused_for_a_connection_that_is_not_disabled(
    support_client, connection, fake_ashby
):
    response = run_action(support_client, LIST, "enable", connection.pk)
    assert "Acme&#x27;s connection is not disabled: nothing to enable." in (
        response.content.decode()
    )
    assert fake_ashby.endpoints_called() == []


def test_check_key_asks_ashby_and_refreshes_permissions(support_client, connection, fake_ashby):
    AshbyConnection.objects.filter(pk=connection.pk).update(permissions=[])
    response = run_action(support_client, LIST, "check_key", connection.pk)
    connection.refresh_from_db()
    called = fake_ashby.endpoints_called()
    assert {"apiKey.info", "candidate.list", "job.list", "webhook.update"} <= set(called)
    assert "apiKeysWrite" in connection.permissions
    assert connection.last_checked_at is not None
    assert (
        "Acme&#x27;s key checked: Ashby accepts it; permissions refreshed."
        in response.content.decode()
    )
    assert (last_audit().action, last_audit().outcome) == ("key_checked", "done")


def test_check_key_reports_a_rejected_key(support_client, connection, fake_ashby):
    fake_ashby.rejects_the_key()
    response = run_action(support_client, LIST, "check_key", connection.pk)
    connection.refresh_from_db()
    assert connection.status == AshbyConnection.Status.NEEDS_ATTENTION
    assert "Acme&#x27;s key checked: Ashby refused it." in response.content.decode()


def test_check_key_when_ashby_is_down_changes_nothing_and_audits_a_failure(
    support_client, connection, fake_ashby
):
    fake_ashby.answer("apiKey.info", {"error": "down"}, status=503)
    response = run_action(support_client, LIST, "check_key", connection.pk)
    connection.refresh_from_db()
    assert connection.status == AshbyConnection.Status.CONNECTED
    assert "could not reach Ashby" in response.content.decode()
    assert last_audit().outcome == "failed"
    assert connection.api_key not in last_audit().message


def test_actions_are_offered_as_buttons_on_the_connection_page(support_client, connection):
    page = support_client.get(
        reverse("admin:integrations_ashbyconnection_change", args=[connection.pk])
    ).content.decode()
    for name in ("sync_now", "disable", "enable", "check_key"):
        assert f'name="action" value="{name}"' in page


def test_superuser_delete_is_an_audited_disconnect(superuser_client, superuser, connection):
    url = reverse("admin:integrations_ashbyconnection_delete", args=[connection.pk])
    response = superuser_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not AshbyConnection.objects.exists()
    event = last_audit()
    assert (event.action, event.actor) == ("ashby_disconnected", superuser)
