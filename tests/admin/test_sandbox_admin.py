"""The sandbox's tables are listed read-only in an admin site of their own
(/sandbox/ashby/admin/), without their secrets, and never in Guide's support console."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import NoReverseMatch, reverse

from ashby_sandbox.keys import create_key
from ashby_sandbox.models import ApiKey, Webhook

pytestmark = pytest.mark.django_db

SANDBOX_MODELS = list(apps.get_app_config("ashby_sandbox").get_models())


def test_every_sandbox_table_lists_for_a_superuser(superuser_client):
    for model in SANDBOX_MODELS:
        url = reverse(f"sandbox_admin:ashby_sandbox_{model._meta.model_name}_changelist")
        assert url.startswith("/sandbox/ashby/admin/")
        assert superuser_client.get(url).status_code == 200, url


def test_the_support_console_shows_none_of_the_sandbox(superuser_client, support_client):
    # With Organization (several companies in one sandbox) and the custom fields, their
    # values and the notes on candidates (customField.setValue, candidate.createNote).
    assert len(SANDBOX_MODELS) == 20
    assert not [m for m in SANDBOX_MODELS if m in admin.site._registry]
    with pytest.raises(NoReverseMatch):
        reverse("admin:ashby_sandbox_webhook_changelist")
    assert superuser_client.get("/admin/ashby_sandbox/webhook/").status_code == 404
    for client in (superuser_client, support_client):
        html = client.get(reverse("admin:index")).content.decode()
        assert "ashby_sandbox" not in html and "Sandbox" not in html


@pytest.mark.parametrize("who", ["tenant_admin_client", "member_client", "outsider_client"])
def test_guide_users_are_kept_out_of_the_sandbox_tables(request, who):
    url = reverse("sandbox_admin:ashby_sandbox_webhook_changelist")
    response = request.getfixturevalue(who).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("sandbox_admin:login"))


def test_the_sandbox_tables_are_read_only_even_for_a_superuser(superuser_client):
    hook = Webhook.objects.create(webhook_type="candidateHire", request_url="https://g.test/h")
    url = reverse("sandbox_admin:ashby_sandbox_webhook_changelist")
    assert b"delete_selected" not in superuser_client.get(url).content
    delete = reverse("sandbox_admin:ashby_sandbox_webhook_delete", args=[hook.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert Webhook.objects.filter(pk=hook.pk).exists()


def test_support_staff_see_no_sandbox_table(support_client):
    url = reverse("sandbox_admin:ashby_sandbox_webhook_changelist")
    assert support_client.get(url).status_code == 403


def test_sandbox_secrets_stay_off_the_admin_pages(superuser_client):
    secret = create_key("support test", ["candidatesRead"]).secret
    key = ApiKey.objects.get()
    hook = Webhook.objects.create(
        webhook_type="candidateHire",
        request_url="https://guide.test/hook",
        secret_token="whsec-very-secret-token-1234",
    )
    pages = [
        reverse("sandbox_admin:ashby_sandbox_apikey_changelist"),
        reverse("sandbox_admin:ashby_sandbox_apikey_change", args=[key.pk]),
        reverse("sandbox_admin:ashby_sandbox_webhook_changelist"),
        reverse("sandbox_admin:ashby_sandbox_webhook_change", args=[hook.pk]),
        reverse("sandbox_admin:ashby_sandbox_delivery_changelist"),
    ]
    for url in pages:
        html = superuser_client.get(url).content.decode()
        assert secret not in html and key.key_hash not in html, url
        assert "whsec-very-secret-token" not in html, url
    assert key.key_hint in superuser_client.get(pages[0]).content.decode()
    for url in pages[2:4]:
        assert "••••1234" in superuser_client.get(url).content.decode(), url


def test_the_sandbox_admin_refuses_a_post_without_the_csrf_token(superuser):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("sandbox_admin:login"), {"username": "root", "password": "pw"})
    assert response.status_code == 403
    client.force_login(superuser)
    url = reverse("sandbox_admin:ashby_sandbox_webhook_changelist")
    assert client.post(url, {"action": "delete_selected"}).status_code == 403
