"""The Integrations page and the Connect / Replace key / Disconnect / Check again views,
with the fixed cast: the admin of Acme, a read-only member of Acme, Bravo's admin."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from guides.models import Candidate
from integrations.ashby import connect, key_check
from integrations.models import AshbyConnection
from tests.integrations.fake_ashby import GOOD_KEY

PAGE = reverse("integrations:integrations")
CONNECT = reverse("integrations:connect")
DISCONNECT = reverse("integrations:disconnect")
INTEGRATIONS = reverse("integrations:integrations")
CHECK = reverse("integrations:check")


def url_or_none(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@pytest.fixture
def acme_connection(tenant_a, admin_user, fake_ashby) -> AshbyConnection:
    return connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)


# --- who may see and do what ----------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_not_connected_panel_explains_and_offers_a_connect_dialog(tenant_admin_client):
    response = tenant_admin_client.get(PAGE)

    content = response.content.decode()
    assert response.status_code == 200
    assert "Not connected" in content
    for words in ("Candidates read", "Jobs read", "Interviews read", "Organization read"):
        assert words in content
    assert "API Keys write</strong> (optional)" in content
    assert f'href="{CONNECT}" data-open-dialog="connect-dialog"' in content
    assert '<dialog id="connect-dialog"' in content
    assert '<dialog id="connect-dialog" aria-labelledby="connect-dialog-title" open' not in content
    assert "Ashby API Key" in content
    assert "js/integrations.js" in content


def test_a_member_sees_the_panel_read_only(member_client, acme_connection):
    content = member_client.get(PAGE).content.decode()

    assert "Connected" in content
    assert acme_connection.key_last4 in content
    assert "Only an admin of Acme can change this connection." in content
    assert "<dialog" not in content
    assert DISCONNECT not in content
    assert "Replace key" not in content


def test_a_member_sees_no_connect_button(member_client):
    content = member_client.get(PAGE).content.decode()
    assert "Only an admin of Acme can connect Ashby." in content
    assert CONNECT not in content


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", CONNECT),
        ("post", CONNECT),
        ("get", DISCONNECT),
        ("post", DISCONNECT),
        ("post", CHECK),
    ],
)
def test_a_member_cannot_change_the_connection(member_client, acme_connection, method, url):
    response = getattr(member_client, method)(url, {"api_key": "f" * 40, "data": "delete"})

    assert response.status_code == 403
    assert AshbyConnection.objects.get().api_key == GOOD_KEY


def test_another_tenants_admin_sees_none_of_our_connection(outsider_client, acme_connection):
    content = outsider_client.get(PAGE).content.decode()

    assert "Not connected" in content
    assert acme_connection.key_title not in content
    assert f"<code>{acme_connection.key_last4}</code>" not in content


@pytest.mark.parametrize(
    ("method", "url"), [("get", DISCONNECT), ("post", DISCONNECT), ("post", CHECK)]
)
def test_another_tenants_admin_gets_404_for_our_connection(
    outsider_client, acme_connection, method, url
):
    response = getattr(outsider_client, method)(url, {"data": "delete"})

    assert response.status_code == 404
    assert AshbyConnection.objects.filter(pk=acme_connection.pk).exists()


# --- connecting --------------------------------------------------------------------------------


def test_connecting_from_the_dialog_stores_the_key_and_confirms(
    tenant_admin_client, fake_ashby, queued_syncs, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = tenant_admin_client.post(CONNECT, {"api_key": GOOD_KEY, "via": "dialog"})

    assert response.status_code == 302 and response["Location"] == PAGE
    conn = AshbyConnection.objects.get()
    assert conn.api_key == GOOD_KEY
    assert queued_syncs == [(conn.pk, {"reason": "connected"})]
    content = tenant_admin_client.get(PAGE).content.decode()
    assert "Ashby is linked" in content
    assert '<span class="badge ok">Connected</span>' in content
    assert "Guide integration" in content
    assert f"<code>{GOOD_KEY[-4:]}</code>" in content
    assert "by alice," in content
    assert "Candidates read" in content and "(missing)" not in content
    assert "No sync has run yet." in content  # the last-sync partial
    assert GOOD_KEY not in content


def test_a_failure_in_the_dialog_reopens_it_with_the_message(tenant_admin_client, fake_ashby):
    fake_ashby.lacks("jobsRead", "job.list")

    response = tenant_admin_client.post(CONNECT, {"api_key": GOOD_KEY, "via": "dialog"})

    content = response.content.decode()
    assert response.status_code == 200
    assert '<dialog id="connect-dialog" aria-labelledby="connect-dialog-title" open>' in content
    assert "This key is missing permissions Guide needs: Jobs read." in content
    assert "tick the Read box of the Jobs module" in content
    assert 'aria-invalid="true"' in content
    assert GOOD_KEY not in content
    assert AshbyConnection.objects.count() == 0


def test_without_javascript_the_connect_form_is_a_full_page(tenant_admin_client):
    response = tenant_admin_client.get(CONNECT)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Connect Ashby</h1>" in content
    assert 'name="via" value="page"' in content
    assert "<dialog" not in content


def test_a_failure_on_the_full_page_shows_the_message_there(tenant_admin_client, fake_ashby):
    fake_ashby.rejects_the_key("The API key has been deactivated.")

    response = tenant_admin_client.post(CONNECT, {"api_key": GOOD_KEY, "via": "page"})

    content = response.content.decode()
    assert "<h1>Connect Ashby</h1>" in content
    assert "This API key has been deactivated in Ashby." in content
    assert GOOD_KEY not in content


def test_a_malformed_key_gets_its_message_without_calling_ashby(tenant_admin_client, fake_ashby):
    response = tenant_admin_client.post(CONNECT, {"api_key": "short", "via": "dialog"})

    assert "That is too short to be an Ashby API key." in response.content.decode()
    assert len(fake_ashby.mock.calls) == 0


def test_an_unreachable_ashby_gets_its_message(tenant_admin_client, fake_ashby):
    fake_ashby.answer("apiKey.info", {"oops": True}, status=503)

    response = tenant_admin_client.post(CONNECT, {"api_key": GOOD_KEY, "via": "dialog"})

    assert "Guide could not reach Ashby just now" in response.content.decode()
    assert AshbyConnection.objects.count() == 0


def test_replacing_the_key_from_the_connected_panel(tenant_admin_client, acme_connection):
    content = tenant_admin_client.get(PAGE).content.decode()
    assert "Replace the Ashby API key" in content

    new_key = "c" * 36 + "9876"
    response = tenant_admin_client.post(CONNECT, {"api_key": new_key, "via": "dialog"})

    assert response.status_code == 302
    assert AshbyConnection.objects.get().api_key == new_key
    assert "<code>9876</code>" in tenant_admin_client.get(PAGE).content.decode()


# --- the connected panel -------------------------------------------------------------------------


def test_the_panel_offers_only_the_buttons_whose_pages_exist(tenant_admin_client, acme_connection):
    content = tenant_admin_client.get(PAGE).content.decode()

    assert (url_or_none("integrations:sync_now") is not None) == ("Sync now" in content)
    assert (url_or_none("integrations:webhooks") is not None) == ("Configure Webhooks" in content)
    assert DISCONNECT in content
    assert "Check again" not in content


def test_needs_attention_shows_the_reason_and_check_again(tenant_admin_client, acme_connection):
    key_check.handle_rejected_key(
        acme_connection, key_check.errors.InvalidApiKey("The API key is not valid.", status=403)
    )

    content = tenant_admin_client.get(PAGE).content.decode()

    assert '<span class="badge warn">Needs attention</span>' in content
    assert "Ashby no longer accepts the stored API key" in content
    assert "Check again" in content
    assert "Sync now" not in content


def test_check_again_reports_a_fixed_key(tenant_admin_client, acme_connection, queued_syncs):
    acme_connection.mark_needs_attention("lost a permission")

    response = tenant_admin_client.post(CHECK, follow=True)

    assert "Ashby accepts the key" in response.content.decode()
    assert AshbyConnection.objects.get().is_usable


def test_a_key_without_optional_permissions_says_what_they_are_for(
    tenant_admin_client, tenant_a, admin_user, fake_ashby
):
    fake_ashby.lacks("apiKeysWrite", "webhook.update")
    connect.connect_ashby(tenant_a, api_key=GOOD_KEY, user=admin_user)

    content = tenant_admin_client.get(PAGE).content.decode()

    assert (
        "API Keys write: not granted (optional, for setting up webhooks automatically)" in content
    )


# --- disconnecting ---------------------------------------------------------------------------------


def test_disconnect_asks_for_confirmation_first(tenant_admin_client, acme_connection):
    response = tenant_admin_client.get(DISCONNECT)

    content = response.content.decode()
    assert "Disconnect Ashby?" in content
    assert 'name="data" value="keep"' in content
    assert 'name="data" value="delete"' in content
    assert AshbyConnection.objects.exists()
    assert GOOD_KEY not in content


def test_disconnect_deletes_the_key_and_keeps_the_data_unless_asked(
    tenant_admin_client, acme_connection, tenant_a
):
    Candidate.objects.create(tenant=tenant_a, external_id="c1", name="Ada")

    response = tenant_admin_client.post(DISCONNECT, {"data": "keep"}, follow=True)

    assert "the stored API key was deleted; the data stays." in response.content.decode()
    assert not AshbyConnection.objects.exists()
    assert Candidate.objects.filter(tenant=tenant_a).exists()


def test_disconnect_without_a_choice_asks_for_one_and_keeps_the_key(
    tenant_admin_client, acme_connection
):
    response = tenant_admin_client.post(DISCONNECT, {})

    assert "Choose whether Guide keeps the data or deletes everything it holds." in (
        response.content.decode()
    )
    assert AshbyConnection.objects.exists()


def test_disconnect_choosing_delete_deletes_everything_in_the_background(
    tenant_admin_client, acme_connection, tenant_a, django_capture_on_commit_callbacks
):
    Candidate.objects.create(tenant=tenant_a, external_id="c1", name="Ada")

    with django_capture_on_commit_callbacks() as queued:
        response = tenant_admin_client.post(DISCONNECT, {"data": "delete"}, follow=True)

    content = response.content.decode()
    assert "Guide is deleting everything it holds for this tenant" in content
    assert "0 records deleted so far" in content
    assert Candidate.objects.filter(tenant=tenant_a).exists()  # not yet: queued
    for task in queued:  # the bulk queue runs it (django-q2 runs tasks at once in tests)
        task()
    content = tenant_admin_client.get(INTEGRATIONS).content.decode()
    assert "Guide deleted everything it held for Acme" in content
    assert "1 hiring records and guide" in content
    assert not Candidate.objects.filter(tenant=tenant_a).exists()


def test_disconnect_when_not_connected_is_404(tenant_admin_client):
    assert tenant_admin_client.get(DISCONNECT).status_code == 404


def test_an_empty_post_asks_for_the_key(tenant_admin_client, fake_ashby):
    response = tenant_admin_client.post(CONNECT, {})

    assert "Paste the API key you created in Ashby." in response.content.decode()
    assert len(fake_ashby.mock.calls) == 0
