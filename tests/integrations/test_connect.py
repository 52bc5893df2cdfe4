"""The Connect flow's services: check a key, store it, replace, disconnect, re-check, and
react to a key Ashby starts rejecting."""

from __future__ import annotations

import json
import logging

import pytest
import requests

from guides.models import Application, Candidate, Department, Guide, Job
from integrations.ashby import connect, errors, key_check
from integrations.ashby.key_check import ConnectError
from integrations.ashby.permissions import can_manage_webhooks
from integrations.models import AshbyConnection, AuditEvent
from tests.integrations.ashby_spec import spec_error
from tests.integrations.fake_ashby import GOOD_KEY

pytestmark = pytest.mark.django_db


def add_synced_data(tenant, prefix: str) -> None:
    department = Department.objects.create(tenant=tenant, external_id=f"{prefix}-d", name="Eng")
    job = Job.objects.create(
        tenant=tenant, external_id=f"{prefix}-j", title="SRE", department=department
    )
    candidate = Candidate.objects.create(tenant=tenant, external_id=f"{prefix}-c", name="Ada")
    Application.objects.create(
        tenant=tenant, external_id=f"{prefix}-a", candidate=candidate, job=job
    )
    Guide.objects.create(tenant=tenant, candidate=candidate)


def assert_nothing_stored() -> None:
    assert AshbyConnection.objects.count() == 0
    assert AuditEvent.objects.count() == 0


# --- connect -------------------------------------------------------------------------------


def test_connect_stores_the_checked_key_and_queues_the_first_sync(
    tenant_a, admin_user, fake_ashby, queued_syncs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        conn = connect.connect_ashby(tenant_a, api_key=f"  {GOOD_KEY}\n", user=admin_user)

    conn = AshbyConnection.objects.get(pk=conn.pk)
    assert conn.api_key == GOOD_KEY
    assert conn.key_last4 == GOOD_KEY[-4:]
    assert conn.key_title == "Guide integration"
    assert conn.scopes == ["candidates:read", "jobs:read", "interviews:read", "organization:read"]
    assert sorted(conn.permissions) == sorted(
        [
            "apiKeysRead",
            "candidatesRead",
            "jobsRead",
            "interviewsRead",
            "organizationRead",
            "apiKeysWrite",
        ]
    )
    assert conn.status == AshbyConnection.Status.CONNECTED
    assert conn.connected_by == admin_user
    assert conn.last_checked_at is not None
    assert queued_syncs == [(conn.pk, {"reason": "connected"})]
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.detail["key_last4"]) == (
        "ashby_connected",
        admin_user,
        GOOD_KEY[-4:],
    )


def test_the_sync_is_queued_only_after_commit(tenant_a, admin_user, fake_ashby, queued_syncs):
    # Inside the test transaction nothing commits, so nothing may be queued yet.
    connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)
    assert queued_syncs == []


def test_connect_probes_each_module_with_one_cheap_call(tenant_a, admin_user, fake_ashby):
    connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)

    assert fake_ashby.endpoints_called() == [
        "apiKey.info",
        "candidate.list",
        "job.list",
        "interviewSchedule.list",
        "user.list",
        "webhook.update",
    ]
    bodies = [json.loads(c.request.body) for c in fake_ashby.mock.calls]
    assert bodies[1:5] == [{"limit": 1}] * 4
    assert bodies[5] == {"webhookId": key_check.NO_SUCH_WEBHOOK, "enabled": False}


def test_a_key_without_api_keys_read_still_connects_without_a_title(
    tenant_a, admin_user, fake_ashby
):
    fake_ashby.lacks("apiKeysRead", "apiKey.info")

    conn = connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)

    assert conn.key_title == ""
    assert "apiKeysRead" not in conn.permissions
    assert "candidatesRead" in conn.permissions


def test_a_key_that_cannot_manage_webhooks_connects_without_that_permission(
    tenant_a, admin_user, fake_ashby
):
    fake_ashby.lacks("apiKeysWrite", "webhook.update")

    conn = connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)

    assert not can_manage_webhooks(conn.permissions)
    assert conn.status == AshbyConnection.Status.CONNECTED


def test_missing_module_permissions_are_named_with_where_to_enable_them(
    tenant_a, admin_user, fake_ashby, queued_syncs
):
    fake_ashby.lacks("candidatesRead", "candidate.list")
    fake_ashby.lacks("interviewsRead", "interviewSchedule.list")

    with pytest.raises(ConnectError) as caught:
        connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)

    assert caught.value.code == "missing_permissions"
    assert caught.value.missing == ["candidatesRead", "interviewsRead"]
    assert "Candidates read, Interviews read" in caught.value.message
    assert "Admin > Integrations > API Keys" in caught.value.message
    assert [d["how"] for d in caught.value.missing_details] == [
        "the Read box of the Candidates module",
        "the Read box of the Interviews module",
    ]
    assert "webhook.update" not in fake_ashby.endpoints_called()
    assert_nothing_stored()
    assert queued_syncs == []


@pytest.mark.parametrize(
    ("setup", "code", "words"),
    [
        (lambda f: f.rejects_the_key(), "rejected", "does not accept this API key"),
        (
            lambda f: f.rejects_the_key("The API key has been deactivated."),
            "deactivated",
            "has been deactivated in Ashby",
        ),
        (
            lambda f: f.answer("apiKey.info", spec_error("unauthenticated", "No key"), status=401),
            "rejected",
            "does not accept this API key",
        ),
        (
            lambda f: f.answer("candidate.list", body=requests.ConnectionError("refused")),
            "unreachable",
            "could not reach Ashby",
        ),
        (
            lambda f: f.answer("job.list", {"error": "bad gateway"}, status=502),
            "unreachable",
            "could not reach Ashby",
        ),
        (
            lambda f: f.answer(
                "apiKey.info",
                spec_error("rate_limit_exceeded", "Slow down"),
                status=429,
                headers={"Retry-After": "30"},
            ),
            "rate_limited",
            "try again in 30 seconds",
        ),
        (
            lambda f: f.answer("user.list", spec_error("invalid_input", "Odd", "req-9")),
            "ashby_error",
            "request id req-9",
        ),
    ],
)
def test_each_failure_has_its_own_message_and_stores_nothing(
    tenant_a, admin_user, fake_ashby, queued_syncs, caplog, setup, code, words
):
    caplog.set_level(logging.DEBUG)
    setup(fake_ashby)

    with pytest.raises(ConnectError) as caught:
        connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)

    assert caught.value.code == code
    assert words in caught.value.message
    assert GOOD_KEY not in caught.value.message
    assert GOOD_KEY not in caplog.text
    assert_nothing_stored()
    assert queued_syncs == []


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("", "Paste the API key"),
        ("   ", "Paste the API key"),
        ("abc123", "too short"),
        ("b3f1c2d4e5a6 97887766554433221100", "spaces or line breaks"),
        ("b3f1c2d4e5a6\n97887766554433221100", "spaces or line breaks"),
        ("ключ-ключ-ключ-ключ-ключ", "characters API keys never have"),
        ("user:b3f1c2d4e5a697887766554433221100", "characters API keys never have"),
        ("a" * 600, "too long"),
    ],
)
def test_a_malformed_key_is_refused_without_calling_ashby(
    tenant_a, admin_user, fake_ashby, key, words
):
    with pytest.raises(ConnectError) as caught:
        connect.connect_ashby(tenant_a, api_key=key, user=admin_user)

    assert caught.value.code == "malformed"
    assert words in caught.value.message
    assert len(fake_ashby.mock.calls) == 0
    assert_nothing_stored()


def test_replacing_the_key_keeps_one_row_and_resumes_a_paused_connection(
    tenant_a, admin_user, fake_ashby, queued_syncs, django_capture_on_commit_callbacks
):
    first = connect.connect_ashby(tenant_a, api_key="0" * 36 + "1111", user=admin_user)
    first.mark_needs_attention("revoked")

    with django_capture_on_commit_callbacks(execute=True):
        connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)

    conn = AshbyConnection.objects.get()
    assert conn.pk == first.pk
    assert conn.api_key == GOOD_KEY
    assert (conn.status, conn.status_reason) == (AshbyConnection.Status.CONNECTED, "")
    assert [e.action for e in AuditEvent.objects.order_by("id")] == [
        "ashby_connected",
        "ashby_key_replaced",
    ]
    assert queued_syncs == [(conn.pk, {"reason": "key replaced"})]


def test_a_failed_replacement_keeps_the_old_key(tenant_a, admin_user, fake_ashby):
    connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)
    fake_ashby.rejects_the_key()

    with pytest.raises(ConnectError):
        connect.connect_ashby(tenant_a, api_key="f" * 40, user=admin_user)

    assert AshbyConnection.objects.get().api_key == GOOD_KEY


# --- disconnect ------------------------------------------------------------------------------


def test_disconnect_deletes_the_key_and_keeps_the_data(tenant_a, admin_user, fake_ashby):
    connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)
    add_synced_data(tenant_a, "a")

    assert connect.disconnect_ashby(tenant_a, user=admin_user) is None  # no erasure started

    assert AshbyConnection.objects.count() == 0
    assert Candidate.objects.filter(tenant=tenant_a).count() == 1
    assert AuditEvent.objects.order_by("-id").first().action == "ashby_disconnected"


def test_disconnect_can_delete_the_tenants_synced_data_only(
    tenant_a, tenant_b, admin_user, fake_ashby, django_capture_on_commit_callbacks
):
    connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)
    add_synced_data(tenant_a, "a")
    add_synced_data(tenant_b, "b")

    with django_capture_on_commit_callbacks(execute=True):
        erasure = connect.disconnect_ashby(tenant_a, user=admin_user, delete_data=True)

    # The test settings run the queued erasure at once (django-q2's sync mode).
    erasure.refresh_from_db()
    assert erasure.status == "done"
    assert erasure.progress["hiring records and guide"] >= 4
    for model in (Candidate, Application, Job, Department, Guide):
        assert not model.objects.filter(tenant=tenant_a).exists()
        assert model.objects.filter(tenant=tenant_b).count() == 1
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-3:] == [
        "ashby_disconnected",
        "tenant_erasure_started",
        "tenant_erasure_finished",
    ]


# --- a stored key Ashby starts rejecting ----------------------------------------------------


@pytest.fixture
def connected(tenant_a, admin_user, fake_ashby) -> AshbyConnection:
    return connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)


def test_a_revoked_key_turns_the_connection_to_needs_attention(connected):
    key_check.handle_rejected_key(
        connected, errors.InvalidApiKey("The API key is not valid.", status=403)
    )

    conn = AshbyConnection.objects.get()
    assert conn.status == AshbyConnection.Status.NEEDS_ATTENTION
    assert "no longer accepts the stored API key" in conn.status_reason
    assert "Replace key" in conn.status_reason
    assert not conn.is_usable


def test_a_deactivated_key_says_so(connected):
    key_check.handle_rejected_key(
        connected, errors.InvalidApiKey("The API key has been deactivated.", status=403)
    )
    assert "has been deactivated" in AshbyConnection.objects.get().status_reason


def test_a_lost_permission_names_it_and_where_to_grant_it(connected):
    key_check.handle_rejected_key(connected, errors.MissingPermission(permission="jobsRead"))

    reason = AshbyConnection.objects.get().status_reason
    assert "Jobs read" in reason
    assert "Read box of the Jobs module" in reason


def test_errors_that_are_not_the_keys_fault_change_nothing(connected):
    key_check.handle_rejected_key(connected, errors.TransientError("down"))
    key_check.handle_rejected_key(connected, errors.SyncTokenExpired())

    assert AshbyConnection.objects.get().status == AshbyConnection.Status.CONNECTED


def test_check_again_restores_a_fixed_connection_and_queues_a_sync(
    connected, queued_syncs, django_capture_on_commit_callbacks
):
    connected.mark_needs_attention("lost jobsRead")

    with django_capture_on_commit_callbacks(execute=True):
        connect.check_connection(connected)

    conn = AshbyConnection.objects.get()
    assert (conn.status, conn.status_reason) == (AshbyConnection.Status.CONNECTED, "")
    assert queued_syncs == [(conn.pk, {"reason": "key checked"})]


def test_check_again_with_a_revoked_key_needs_attention(connected, fake_ashby):
    fake_ashby.rejects_the_key()
    before = connected.last_checked_at

    connect.check_connection(connected)

    conn = AshbyConnection.objects.get()
    assert conn.status == AshbyConnection.Status.NEEDS_ATTENTION
    assert conn.last_checked_at > before


def test_check_again_while_ashby_is_down_changes_nothing(connected, fake_ashby):
    fake_ashby.answer("apiKey.info", body=requests.ConnectTimeout("slow"))

    with pytest.raises(ConnectError) as caught:
        connect.check_connection(connected)

    assert caught.value.code == "unreachable"
    assert AshbyConnection.objects.get().status == AshbyConnection.Status.CONNECTED
