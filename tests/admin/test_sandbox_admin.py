"""The sandbox's tables are listed read-only in the admin, without their secrets."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.urls import reverse

from ashby_sandbox.keys import create_key
from ashby_sandbox.models import ApiKey, Webhook

pytestmark = pytest.mark.django_db


def test_every_sandbox_table_lists_for_a_superuser(superuser_client):
    for model in apps.get_app_config("ashby_sandbox").get_models():
        url = reverse(f"admin:ashby_sandbox_{model._meta.model_name}_changelist")
        assert superuser_client.get(url).status_code == 200, url


def test_sandbox_secrets_stay_off_the_admin_pages(superuser_client):
    secret = create_key("support test", ["candidatesRead"]).secret
    key = ApiKey.objects.get()
    hook = Webhook.objects.create(
        webhook_type="candidateHire",
        request_url="https://guide.test/hook",
        secret_token="whsec-very-secret-token-1234",
    )
    pages = [
        reverse("admin:ashby_sandbox_apikey_changelist"),
        reverse("admin:ashby_sandbox_apikey_change", args=[key.pk]),
        reverse("admin:ashby_sandbox_webhook_changelist"),
        reverse("admin:ashby_sandbox_webhook_change", args=[hook.pk]),
    ]
    for url in pages:
        html = superuser_client.get(url).content.decode()
        assert secret not in html and key.key_hash not in html, url
        assert "whsec-very-secret-token-1234" not in html, url
    assert key.key_hint in superuser_client.get(pages[0]).content.decode()
