"""The Connect dialog in a real browser: only the latest attempt's error is shown (the previous
one goes when a new attempt starts, and when the dialog is closed), and the Replace-key
dialog's button says so. Ashby is the sandbox at the live server's address."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.test_admin_setup import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REJECTED = "Ashby does not accept this API key."
TOO_SHORT = "That is too short to be an Ashby API key."
UNKNOWN_KEY = "0" * 64  # well formed, but no key of the sandbox's


@pytest.fixture
def page(context, live_server, settings):
    settings.ASHBY_API_URL = live_server.url + "/sandbox/ashby/api"
    settings.PUBLIC_BASE_URL = live_server.url
    settings.SESSION_COOKIE_SECURE = False  # plain http on 127.0.0.1
    settings.CSRF_COOKIE_SECURE = False
    return context.new_page()


def test_only_the_latest_attempts_error_is_shown(page, live_server, admin_user, shots):
    sign_in(page, live_server.url, admin_user.username)
    page.goto(live_server.url + "/settings/integrations/")
    page.get_by_role("link", name="Connect").click()
    dialog = page.get_by_role("dialog", name="Connect Ashby")
    errors = dialog.locator("[data-connect-error]")

    dialog.get_by_label("Ashby API Key").fill(UNKNOWN_KEY)
    dialog.get_by_role("button", name="Connect").click()
    expect(errors).to_have_count(1)
    expect(errors).to_contain_text(REJECTED)
    shots(page, "connect-dialog-first-error")

    # A new attempt: the first error goes at once, while Ashby is asked (the submission is
    # held here, after the page's own handler ran, to look at the dialog meanwhile).
    page.evaluate(
        "document.querySelector('dialog form').addEventListener('submit', e => e.preventDefault())"
    )
    dialog.get_by_label("Ashby API Key").fill("short")
    dialog.get_by_role("button", name="Connect").click()
    expect(dialog.get_by_role("button", name="Checking the key with Ashby…")).to_be_disabled()
    expect(errors).to_have_count(0)
    expect(dialog.get_by_label("Ashby API Key")).not_to_have_attribute("aria-invalid", "true")

    page.goto(live_server.url + "/settings/integrations/")
    page.get_by_role("link", name="Connect").click()
    dialog.get_by_label("Ashby API Key").fill("short")
    dialog.get_by_role("button", name="Connect").click()
    expect(errors).to_have_count(1)
    expect(errors).to_contain_text(TOO_SHORT)
    expect(errors).not_to_contain_text(REJECTED)

    # Closed and opened again, the dialog starts clean.
    dialog.get_by_role("button", name="Cancel").click()
    page.get_by_role("link", name="Connect").click()
    expect(dialog).to_be_visible()
    expect(errors).to_have_count(0)
    expect(dialog.get_by_label("Ashby API Key")).to_have_value("")
    shots(page, "connect-dialog-reopened-clean")
