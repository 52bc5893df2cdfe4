"""The guide-link write-back set up in a real browser, against the sandbox: the card offers
it (the key has Candidates write), the admin picks the sandbox's "Guide link" field, and the
card then says what Guide writes. Screenshots at 1280x800 and 390x844."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from integrations.models import AshbyConnection
from tests.e2e.test_admin_setup import sign_in
from tests.integrations.test_sync_sandbox import _manage
from tests.integrations.test_write_back_sandbox import WRITE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(context, live_server, settings, tenant_a):
    settings.ASHBY_API_URL = live_server.url + "/sandbox/ashby/api"
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SANDBOX_WEBHOOK_SENDER = "manual"
    _manage("sandbox_seed", "--candidates", "3", "--seed", "5")
    connection = AshbyConnection(tenant=tenant_a, key_title="Guide", permissions=WRITE.split(","))
    connection.api_key = _manage("sandbox_key", "--name", "guide", "--permissions", WRITE)
    connection.save()
    return context.new_page()


def test_an_admin_sets_up_the_guide_link_field(page, live_server, admin_user, shots):
    sign_in(page, live_server.url, admin_user.username)
    page.goto(live_server.url + "/settings/integrations/")
    card = page.locator("#write-back")
    expect(card).to_contain_text("Off: Guide writes nothing to Ashby")
    card.get_by_role("link", name="Set up").click()
    shots(page, "write-back-settings")
    page.set_viewport_size({"width": 390, "height": 844})
    shots(page, "write-back-settings-phone")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_label("The custom field “Guide link”").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#write-back")).to_contain_text("into the custom field “Guide link”")
    shots(page, "write-back-card-on")
