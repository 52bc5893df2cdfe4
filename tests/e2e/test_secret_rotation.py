"""A rotated webhook secret on the Configure Webhooks page, as the admin sees it: the row says
"Secret rotated" with the new secret marked New, and turns green with no reload when a
delivery signed with the new secret arrives (the page's poller)."""

from __future__ import annotations

import urllib.request

import pytest
from playwright.sync_api import expect

from integrations.models import WebhookSubscription
from integrations.webhook_rows import ensure_subscriptions, rotate_secret
from tests.e2e.test_admin_setup import sign_in
from tests.integrations.webhook_helpers import encode, sign

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _post_ping(url: str, secret: str) -> int:
    body = encode({"action": "ping", "data": {"webhook": {"id": "w"}}})
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json", "Ashby-Signature": sign(secret, body)},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the live server)
        return response.status


def test_a_rotated_row_turns_green_when_the_new_secret_is_used(
    context, live_server, settings, tenant_a, admin_user, shots
):
    settings.PUBLIC_BASE_URL = live_server.url
    row_in_db = next(s for s in ensure_subscriptions(tenant_a) if s.event == "candidateHire")
    old = row_in_db.secret
    token = row_in_db.token
    assert _post_ping(f"{live_server.url}/webhooks/ashby/{token}/", old) == 200
    new = rotate_secret(WebhookSubscription.objects.get(pk=row_in_db.pk)).secret

    page = context.new_page()
    sign_in(page, live_server.url, admin_user.username)
    page.goto(live_server.url + "/settings/integrations/ashby/webhooks/")
    row = page.locator('[data-event="candidateHire"]')
    row.scroll_into_view_if_needed()
    expect(row).to_have_attribute("data-state", "rotated")
    expect(row.locator('[data-role="reason"]')).to_contain_text(
        "Secret rotated: paste the new secret in Ashby."
    )
    expect(row.locator('code[data-field="secret"]')).to_have_text(new)
    expect(row.locator('[data-role="new-secret"]')).to_be_visible()
    shots(page, "secret-rotated")

    assert _post_ping(f"{live_server.url}/webhooks/ashby/{token}/", old) == 200  # grace period
    assert _post_ping(f"{live_server.url}/webhooks/ashby/{token}/", new) == 200
    expect(row).to_have_attribute("data-state", "connected")
    expect(row.locator('[data-role="state"]')).to_have_class("badge ok")
    expect(row.locator('[data-role="new-secret"]')).to_have_count(0)
    shots(page, "secret-rotated-then-connected")
