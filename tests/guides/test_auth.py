from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("guides:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_admin_signs_in_and_lands_on_the_guides_page(client, admin_user):
    response = _sign_in(client, "alice", PASSWORD)
    assert response.status_code == 302
    page = client.get(response["Location"], follow=True)
    assert page.status_code == 200
    assert b"Guides" in page.content
    assert b"Acme" in page.content


def test_wrong_password_is_refused_with_a_message(client, admin_user):
    response = _sign_in(client, "alice", "nope")
    assert response.status_code == 200
    assert b"enter a correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    client, admin_user, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "alice", "wrong")
    response = _sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_sign_out_ends_the_session(tenant_admin_client):
    response = tenant_admin_client.post(reverse("logout"))
    assert response.status_code == 302
    assert tenant_admin_client.get(reverse("guides:list")).status_code == 302
