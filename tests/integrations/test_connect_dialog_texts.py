"""The words of the Connect and Replace-key dialogs: the submit button says what it does, the
instructions read without a doubled bracket, and a failed attempt shows one error, its own.
(Clearing the error in the browser: tests/e2e/test_connect_dialog.py.)"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from integrations.ashby import connect
from integrations.models import AshbyConnection
from tests.integrations.fake_ashby import GOOD_KEY

PAGE = reverse("integrations:integrations")
CONNECT = reverse("integrations:connect")
SUBMIT = re.compile(r'<button type="submit" class="primary"[^>]*>([^<]*)</button>')
ADMIN_PATH = (
    "Admin &gt; Integrations &gt; API Keys (called &quot;Ashby API&quot; in older accounts)"
)


@pytest.fixture
def acme_connection(tenant_a, admin_user, fake_ashby, queued_syncs) -> AshbyConnection:
    return connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)


def _dialog(html: str) -> str:
    return html[html.index("<dialog") : html.index("</dialog>")]


def test_the_connect_dialog_says_connect_and_reads_without_a_doubled_bracket(
    tenant_admin_client,
):
    html = tenant_admin_client.get(PAGE).content.decode()
    assert SUBMIT.findall(_dialog(html)) == ["Connect"]
    assert f"In Ashby, open {ADMIN_PATH} and create an API key with these permissions:" in html
    assert "))" not in html


def test_the_replace_key_dialog_and_page_say_replace_key(tenant_admin_client, acme_connection):
    html = tenant_admin_client.get(PAGE).content.decode()
    assert SUBMIT.findall(_dialog(html)) == ["Replace key"]
    page = tenant_admin_client.get(CONNECT).content.decode()
    assert "<h1>Replace the Ashby API key</h1>" in page
    assert SUBMIT.findall(page) == ["Replace key"]
    assert f"In Ashby: {ADMIN_PATH}.</p>" in page
    assert "))" not in html + page


def test_the_full_connect_page_says_connect(tenant_admin_client):
    page = tenant_admin_client.get(CONNECT).content.decode()
    assert SUBMIT.findall(page) == ["Connect"]
    assert "))" not in page


def test_a_failed_attempt_shows_one_error_its_own(tenant_admin_client, fake_ashby):
    tenant_admin_client.post(CONNECT, {"api_key": "short", "via": "dialog"})
    fake_ashby.rejects_the_key("The API key has been deactivated.")
    html = tenant_admin_client.post(CONNECT, {"api_key": GOOD_KEY, "via": "dialog"}).content
    dialog = _dialog(html.decode())
    assert dialog.count("data-connect-error") == 1
    assert "This API key has been deactivated in Ashby. Create a new key in Admin" in dialog
    assert "too short" not in dialog
    assert "))" not in dialog


def test_a_member_gets_no_dialog_and_an_outsider_no_replace_key(
    member_client, outsider_client, acme_connection
):
    assert "<dialog" not in member_client.get(PAGE).content.decode()
    assert member_client.post(CONNECT, {"api_key": GOOD_KEY}).status_code == 403
    outsider_html = outsider_client.get(PAGE).content.decode()
    assert SUBMIT.findall(_dialog(outsider_html)) == ["Connect"]  # Bravo is not connected
