"""The Django admin, for every model registered with it (found from the admin site, so a new
ModelAdmin is checked the day it is added): only staff get in. Tenant admins, read-only
members and the outsider are Guide users, not staff: they are sent to the admin's sign-in
page for every list, add, change and delete page, and their POSTs change nothing."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from tests.security.conftest import snapshot

MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


def admin_urls(model) -> list[str]:
    info = (model._meta.app_label, model._meta.model_name)
    urls = [reverse("admin:index"), reverse(f"admin:{info[0]}_{info[1]}_changelist")]
    urls.append(reverse(f"admin:{info[0]}_{info[1]}_add"))
    row = model.objects.order_by("pk").first()
    if row is not None:
        for view in ("change", "delete", "history"):
            urls.append(reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[row.pk]))
    return urls


def test_models_are_registered_with_the_admin():
    labels = {model._meta.label for model in MODELS}
    assert {"tenants.Tenant", "tenants.Membership", "guides.Interviewer"} <= labels


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
@pytest.mark.parametrize("who", ["tenant_admin_client", "member_client", "outsider_client"])
def test_guide_users_who_are_not_staff_are_kept_out(request, world, model, who):
    client = request.getfixturevalue(who)
    before = snapshot()
    for url in admin_urls(model):
        for response in (client.get(url), client.post(url, {"name": "hacked"})):
            assert response.status_code == 302, f"{who} {url}: {response.status_code}"
            assert response["Location"].startswith(reverse("admin:login")), url
    assert snapshot() == before


@pytest.mark.parametrize("model", MODELS, ids=[m._meta.label for m in MODELS])
def test_staff_get_in(client, world, model):
    """The check above can fail: the same pages open for a superuser."""
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "pw-12345678")
    client.force_login(staff)
    for url in admin_urls(model):
        # 403: pages a model's admin turns off for everyone (no "add" for logs)
        assert client.get(url).status_code in (200, 403), url
    assert client.get(admin_urls(model)[1]).status_code == 200
