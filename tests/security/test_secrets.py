"""No secret (an Ashby API key, a webhook secret) in any page, log line, error or stored
column but its encrypted one, across the flows that handle them: connecting (a rejected key,
then a good one), checking the key again after Ashby rejects it, then every page of the
product as the admin, the read-only member and a superuser in the Django admin."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.integrations.fake_ashby import GOOD_KEY
from tests.security.conftest import ACME_KEY, World, all_urls, snapshot
from tests.security.test_admin_pages import MODELS, admin_urls
from tests.security.test_tenant_urls import TENANT_URLS, url_for

REJECTED_KEY = "rejected-key-" + "Q7w" * 10


def every_page(client, world: World) -> list[str]:
    """The content of every tenant page the client may GET."""
    pages = []
    for name, pattern in TENANT_URLS:
        response = client.get(url_for(name, pattern, world))
        assert response.status_code < 500, name
        pages.append(response.content.decode())
    return pages


def stored_text() -> str:
    """Every stored row as text; encrypted columns print as "[encrypted]"."""
    return repr(snapshot())


def assert_nowhere(secret: str, *texts: str) -> None:
    for text in texts:
        assert secret not in text
        assert secret[:12] not in text  # not even a prefix long enough to matter


@pytest.fixture
def debug_logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def test_api_keys_appear_in_no_page_log_error_or_column(
    tenant_admin_client,
    member_client,
    world,
    fake_ashby,
    debug_logs,
    monkeypatch,
):
    from integrations.ashby import connect

    monkeypatch.setattr(connect, "request_sync", lambda *args, **kwargs: None)
    connect_url = reverse("integrations:connect")
    seen: list[str] = []

    # A key Ashby rejects: the error page, and the dialog variant of it.
    fake_ashby.rejects_the_key()
    for via in ("page", "dialog"):
        response = tenant_admin_client.post(connect_url, {"api_key": REJECTED_KEY, "via": via})
        assert b"form-error" in response.content
        seen.append(response.content.decode())

    # A good key (replacing Acme's stored one), then Ashby turns it down on "Check again".
    fake_ashby.__init__(fake_ashby.mock)
    response = tenant_admin_client.post(connect_url, {"api_key": GOOD_KEY}, follow=True)
    assert b"Ashby is linked" in response.content
    seen.append(response.content.decode())
    fake_ashby.rejects_the_key()
    response = tenant_admin_client.post(reverse("integrations:check"), follow=True)
    seen.append(response.content.decode())
    seen += [str(m) for m in get_messages(response.wsgi_request)]

    for client in (tenant_admin_client, member_client):
        seen += every_page(client, world)
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    tenant_admin_client.force_login(staff)
    seen += [tenant_admin_client.get(url).content.decode() for m in MODELS for url in admin_urls(m)]

    for secret in (GOOD_KEY, REJECTED_KEY, ACME_KEY):
        assert_nowhere(secret, debug_logs.text, stored_text(), *seen)
    assert "Ashby" in debug_logs.text  # the flow did log: the check above had lines to search


def test_the_walk_covers_the_pages_that_show_keys(world):
    names = {name for name, _route, _pattern in all_urls()}
    assert {"integrations:integrations", "integrations:connect", "integrations:disconnect"} <= names


# Where an admin copies the secret into Ashby: by design, the one page that shows it.
SHOWS_WEBHOOK_SECRETS = {"integrations:webhooks"}


def test_webhook_secrets_appear_only_where_the_admin_copies_them(
    tenant_admin_client, member_client, outsider_client, client, world, debug_logs
):
    from integrations.webhook_rows import ensure_subscriptions, rotate_secret
    from tests.integrations.webhook_helpers import post_webhook, webhook_fixture

    subscriptions = ensure_subscriptions(world.tenant_a)
    old_secret = subscriptions[0].secret
    rotate_secret(subscriptions[0])
    secrets = [s.secret for s in ensure_subscriptions(world.tenant_a)] + [old_secret]
    seen: list[str] = []

    # Deliveries: signed right, signed with the old secret, signed with another tenant's.
    application = next(s for s in subscriptions if s.event == "applicationSubmit")
    payload = webhook_fixture("applicationSubmit")
    for secret in (application.secret, old_secret, "not-the-secret"):
        response = post_webhook(client, application, payload, secret=secret)
        assert response.status_code in (200, 401)
        seen.append(response.content.decode())

    for name, pattern in TENANT_URLS:
        url = url_for(name, pattern, world)
        for visitor in (member_client, outsider_client):
            seen.append(visitor.get(url).content.decode())
        if name not in SHOWS_WEBHOOK_SECRETS:
            seen.append(tenant_admin_client.get(url).content.decode())
    shown = tenant_admin_client.get(reverse("integrations:webhooks")).content.decode()
    assert application.secret in shown  # the check below looks for something real

    for secret in secrets:
        assert_nowhere(secret, debug_logs.text, stored_text(), *seen)
