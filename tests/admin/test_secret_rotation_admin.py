"""A rotated webhook secret in the support console: the row says "Secret rotated" and until
when the previous secret is accepted, and no page shows either secret (last four only)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from integrations.models import WebhookSubscription
from integrations.webhook_rows import revoke_previous_secret, rotate_secret
from tests.admin.conftest import run_action

pytestmark = pytest.mark.django_db

SUBSCRIPTIONS = reverse("admin:integrations_webhooksubscription_changelist")
OLD = "0123456789abcdef" * 4


@pytest.fixture
def rotated(tenant_a) -> WebhookSubscription:
    sub = WebhookSubscription(tenant=tenant_a, event="candidateHire")
    sub.secret = OLD
    sub.save()
    return rotate_secret(WebhookSubscription.objects.get(pk=sub.pk))


def _pages(sub) -> list[str]:
    change = reverse("admin:integrations_webhooksubscription_change", args=[sub.pk])
    return [SUBSCRIPTIONS, change]


@pytest.mark.parametrize("who", ["superuser_client", "support_client"])
def test_the_console_shows_the_rotation_but_no_secret(request, who, rotated):
    client = request.getfixturevalue(who)
    new = WebhookSubscription.objects.get(pk=rotated.pk).secret
    confirm = run_action(client, SUBSCRIPTIONS, "revoke_previous_secret", rotated.pk)
    for html in [client.get(url).content.decode() for url in _pages(rotated)] + [
        confirm.content.decode()
    ]:
        assert new not in html and OLD not in html
        assert new[:12] not in html and OLD[:12] not in html
    change = client.get(_pages(rotated)[1]).content.decode()
    assert ">Secret rotated<" in change  # the state
    assert f"••••{new[-4:]}" in change
    assert "accepted until" in change and "UTC" in change
    assert ">Secret rotated<" in client.get(SUBSCRIPTIONS).content.decode()


def test_after_a_revoke_the_console_says_the_previous_secret_is_not_accepted(
    support_client, rotated
):
    revoke_previous_secret(rotated)
    change = support_client.get(_pages(rotated)[1]).content.decode()
    assert "not accepted" in change
    assert ">Secret rotated<" not in change
    assert ">Waiting<" in change


def test_the_revoke_button_is_on_the_subscription_page_and_asks_first(support_client, rotated):
    change = support_client.get(_pages(rotated)[1]).content.decode()
    assert 'name="action" value="revoke_previous_secret"' in change
    assert "Revoke the previous secret now…" in change
    assert "Rotate secret…" in change
