"""The Configure Webhooks page at half a laptop screen (Guide beside Ashby's Webhooks page):
every row's Name, URL, Secret and Event, each with its copy button, fits the width; nothing
needs a sideways scroll, and a copy button still copies the whole value."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from integrations.webhook_rows import ensure_subscriptions
from tests.e2e.test_admin_setup import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HALF_A_LAPTOP = {"width": 640, "height": 800}  # a 1280-pixel-wide screen, split in two


@pytest.fixture
def half_screen(browser, live_server, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SESSION_COOKIE_SECURE = False  # plain http on 127.0.0.1
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(viewport=HALF_A_LAPTOP)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    yield context.new_page()
    context.close()


def test_every_row_fits_half_a_laptop_screen(half_screen, live_server, tenant_a, admin_user, shots):
    rows_in_db = {s.event: s for s in ensure_subscriptions(tenant_a)}
    page = half_screen
    sign_in(page, live_server.url, admin_user.username)
    page.goto(live_server.url + "/settings/integrations/ashby/webhooks/")
    expect(page.get_by_role("heading", name="Configure Webhooks")).to_be_visible()
    shots(page, "configure-webhooks-half-screen")

    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than half a screen"
    rows = page.locator("[data-event]")
    assert rows.count() == len(rows_in_db) == 10
    for index in range(rows.count()):
        row = rows.nth(index)
        row.scroll_into_view_if_needed()
        buttons = row.locator("button.copy")
        assert buttons.count() == 4, row.get_attribute("data-event")  # name, URL, secret, event
        for b in range(buttons.count()):
            box = buttons.nth(b).bounding_box()
            assert box is not None and box["x"] >= 0
            assert box["x"] + box["width"] <= HALF_A_LAPTOP["width"], row.get_attribute(
                "data-event"
            )

    # A long value (the secret) is copied whole, however it is shown at this width.
    stage = page.locator('[data-event="candidateStageChange"]')
    stage.scroll_into_view_if_needed()
    stage.locator('[data-copy-field="secret"]').click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == rows_in_db["candidateStageChange"].secret
