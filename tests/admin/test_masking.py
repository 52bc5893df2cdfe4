"""Secrets never reach a page of the support console: API keys show their last four only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.admin.conftest import SECRET_KEY_TAIL
from tests.integrations.fake_ashby import GOOD_KEY

pytestmark = pytest.mark.django_db


def pages_showing_the_key(connection) -> list[str]:
    return [
        reverse("admin:integrations_ashbyconnection_changelist"),
        reverse("admin:integrations_ashbyconnection_change", args=[connection.pk]),
        reverse("admin:tenants_tenant_change", args=[connection.tenant_id]),
    ]


@pytest.mark.parametrize("who", ["superuser_client", "support_client"])
def test_the_key_shows_as_its_last_four_only(request, who, connection):
    client = request.getfixturevalue(who)
    token = connection.api_key_encrypted.token
    for url in pages_showing_the_key(connection):
        page = client.get(url).content.decode()
        assert GOOD_KEY not in page, url
        assert token not in page, url
        assert f"••••{SECRET_KEY_TAIL}" in page, url


def test_the_connection_page_has_no_key_field_even_for_a_superuser(superuser_client, connection):
    url = reverse("admin:integrations_ashbyconnection_change", args=[connection.pk])
    page = superuser_client.get(url).content.decode()
    assert 'name="api_key' not in page
    assert "api_key_encrypted" not in page


def test_a_superuser_cannot_post_a_new_key(superuser_client, connection):
    url = reverse("admin:integrations_ashbyconnection_change", args=[connection.pk])
    response = superuser_client.post(url, {"api_key_encrypted": "x" * 40, "key_last4": "xxxx"})
    assert response.status_code == 403
    connection.refresh_from_db()
    assert (connection.api_key, connection.key_last4) == (GOOD_KEY, SECRET_KEY_TAIL)


def test_the_audit_trail_shows_no_key(superuser_client, connection, fake_ashby):
    from tests.admin.conftest import run_action

    fake_ashby.rejects_the_key()
    run_action(
        superuser_client,
        reverse("admin:integrations_ashbyconnection_changelist"),
        "check_key",
        connection.pk,
    )
    page = superuser_client.get(reverse("admin:integrations_auditevent_changelist"))
    assert "Checked the key against Ashby" in page.content.decode()
    assert GOOD_KEY not in page.content.decode()
