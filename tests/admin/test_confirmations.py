"""Disruptive support actions ask first (issue 17, point 4): Rotate secret, Revoke the previous
secret now, Disable and Full resync show a page that says what they do and which rows they
touch; only its Confirm runs them. Sync now and Check the key still run on one click."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.urls import reverse

from integrations.models import (
    AshbyConnection,
    AuditEvent,
    SyncRun,
    SyncState,
    WebhookSubscription,
)
from integrations.webhook_rows import rotate_secret
from tests.admin.conftest import run_action

pytestmark = pytest.mark.django_db

CONNECTIONS = reverse("admin:integrations_ashbyconnection_changelist")
SUBSCRIPTIONS = reverse("admin:integrations_webhooksubscription_changelist")
STAFF = ["support_client", "superuser_client"]
TENANT_USERS = ["tenant_admin_client", "member_client", "outsider_client"]


@dataclass(frozen=True)
class Case:
    list_url: str
    action: str
    row: str  # the fixture of the row acted on
    says: str  # in the consequence
    audit: str


CASES = [
    Case(
        SUBSCRIPTIONS,
        "rotate_secret",
        "subscription",
        "Guide accepts both for 24 hours",
        "webhook_secret_rotated",
    ),
    Case(
        SUBSCRIPTIONS,
        "revoke_previous_secret",
        "rotated_subscription",
        "refuses deliveries signed with the previous secret from now on",
        "previous_secret_revoked",
    ),
    Case(CONNECTIONS, "disable", "connection", "Guide stops syncing", "connection_disabled"),
    Case(
        CONNECTIONS,
        "full_resync",
        "connection",
        "fetches every record from Ashby again",
        "full_resync_requested",
    ),
]
IDS = [c.action for c in CASES]


@pytest.fixture
def subscription(tenant_a) -> WebhookSubscription:
    sub = WebhookSubscription(tenant=tenant_a, event="candidateHire")
    sub.secret = "a" * 64
    sub.save()
    return WebhookSubscription.objects.get(pk=sub.pk)


@pytest.fixture
def rotated_subscription(subscription) -> WebhookSubscription:
    rotate_secret(subscription)
    return WebhookSubscription.objects.get(pk=subscription.pk)


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    from integrations import sync_runs

    runs: list[int] = []
    monkeypatch.setattr(sync_runs, "_enqueue", lambda run_pk, conn_pk: runs.append(run_pk))
    return runs


@pytest.fixture
def world(connection, subscription, enqueued) -> None:
    SyncState.objects.create(connection=connection, resource="candidates", sync_token="tok")


def snapshot() -> list:
    """Everything the four actions could change."""
    return [
        list(AshbyConnection.objects.values_list("status", "status_reason")),
        list(SyncState.objects.values_list("sync_token", flat=True)),
        SyncRun.objects.count(),
        list(
            WebhookSubscription.objects.values_list(
                "secret_encrypted", "previous_secret_encrypted", "previous_secret_expires_at"
            )
        ),
        AuditEvent.objects.count(),
    ]


def _row(request, case: Case):
    return request.getfixturevalue(case.row)


@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_first_post_shows_the_confirmation_and_changes_nothing(request, world, who, case):
    client, row = request.getfixturevalue(who), _row(request, case)
    before = snapshot()
    response = run_action(client, case.list_url, case.action, row.pk)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.templates[0].name == "admin/support_confirm_action.html"
    assert case.says in html
    assert str(row) in html
    assert 'name="confirmed" value="yes"' in html
    assert f'name="_selected_action" value="{row.pk}"' in html
    assert f'name="action" value="{case.action}"' in html
    assert "csrfmiddlewaretoken" in html
    assert snapshot() == before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_buttons_on_a_rows_page_ask_first_too(request, world, support_client, case):
    row = _row(request, case)
    meta = row._meta
    page = support_client.get(
        reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
    ).content.decode()
    button = re.search(
        rf'<form method="post" action="{case.list_url}">.*?value="{case.action}".*?</form>',
        page,
        re.S,
    )
    assert button, case.action
    assert 'name="confirmed"' not in button.group(0)  # its POST is a first POST
    before = snapshot()
    response = support_client.post(
        case.list_url,
        {"action": case.action, "_selected_action": str(row.pk), "index": "0"},
    )
    assert case.says in response.content.decode()
    assert snapshot() == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cancel_goes_back_to_the_row_and_changes_nothing(request, world, support_client, case):
    row = _row(request, case)
    before = snapshot()
    html = run_action(support_client, case.list_url, case.action, row.pk).content.decode()
    cancel = re.search(r'<a href="([^"]+)" class="button cancel-link"', html).group(1)
    meta = row._meta
    assert cancel == reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
    assert support_client.get(cancel).status_code == 200
    assert snapshot() == before
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_the_confirmed_post_runs_the_action_and_audits_it(request, world, who, case):
    client, row = request.getfixturevalue(who), _row(request, case)
    before = snapshot()
    response = run_action(client, case.list_url, case.action, row.pk, confirmed=True)
    assert response.status_code == 200
    assert response.templates[0].name != "admin/support_confirm_action.html"
    assert snapshot()[:-1] != before[:-1]
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.target) == (
        case.audit,
        "done",
        f"{type(row).__name__} {row.pk}",
    )


def test_the_confirmation_lists_every_selected_row(support_client, tenant_a, tenant_b):
    subs = []
    for tenant in (tenant_a, tenant_b):
        sub = WebhookSubscription(tenant=tenant, event="candidateHire")
        sub.secret = "b" * 64
        sub.save()
        subs.append(sub)
    html = run_action(
        support_client, SUBSCRIPTIONS, "rotate_secret", *[s.pk for s in subs]
    ).content.decode()
    assert "2 webhook subscriptions affected" in html
    for sub in subs:
        assert str(sub) in html
    assert f'<a href="{SUBSCRIPTIONS}" class="button cancel-link"' in html


def test_revoking_when_nothing_is_accepted_is_refused_and_audited(support_client, subscription):
    run_action(support_client, SUBSCRIPTIONS, "revoke_previous_secret", subscription.pk)
    assert not AuditEvent.objects.exists()
    response = run_action(
        support_client, SUBSCRIPTIONS, "revoke_previous_secret", subscription.pk, confirmed=True
    )
    assert "no previous secret is accepted; nothing to revoke." in response.content.decode()
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome) == ("previous_secret_revoked", "refused")


def test_the_rotate_confirmation_names_the_configured_grace_period(
    support_client, subscription, settings
):
    settings.GUIDE_WEBHOOK_SECRET_GRACE_HOURS = 6
    html = run_action(support_client, SUBSCRIPTIONS, "rotate_secret", subscription.pk)
    assert "Guide accepts both for 6 hours" in html.content.decode()
    settings.GUIDE_WEBHOOK_SECRET_GRACE_HOURS = 0
    html = run_action(support_client, SUBSCRIPTIONS, "rotate_secret", subscription.pk)
    assert "refuses deliveries signed with the old secret at once" in html.content.decode()


# --- one click for what disrupts nothing ----------------------------------------------------


def test_sync_now_runs_on_one_click(support_client, connection, enqueued):
    run_action(support_client, CONNECTIONS, "sync_now", connection.pk)
    assert SyncRun.objects.filter(connection=connection, status="queued").exists()
    assert AuditEvent.objects.get().action == "sync_requested"


def test_check_the_key_runs_on_one_click(support_client, connection, fake_ashby):
    response = run_action(support_client, CONNECTIONS, "check_key", connection.pk)
    assert (
        "Acme&#x27;s key checked: Ashby accepts it; permissions refreshed."
        in response.content.decode()
    )
    assert AuditEvent.objects.get().action == "key_checked"


# --- who reaches the confirmation -----------------------------------------------------------


@pytest.mark.parametrize("who", TENANT_USERS)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_tenant_users_are_sent_to_the_admin_sign_in(request, world, who, case):
    client, row = request.getfixturevalue(who), _row(request, case)
    before = snapshot()
    for confirmed in (False, True):
        response = run_action(
            client, case.list_url, case.action, row.pk, follow=False, confirmed=confirmed
        )
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))
    assert snapshot() == before


def test_rotating_a_row_already_in_its_grace_period_warns_the_older_secret_goes(
    support_client, rotated_subscription
):
    html = run_action(
        support_client, SUBSCRIPTIONS, "rotate_secret", rotated_subscription.pk
    ).content.decode()
    assert "1 of these already accept a previous secret: it is refused at once" in html
