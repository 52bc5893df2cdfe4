"""Words people read: the console's labels are proper English ("Webhook deliveries", not
"Webhook deliverys"; no "Sync seens")."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_admin_index_has_no_made_up_plurals(monkeypatch, superuser_client):
    # The sandbox (Ashby's stand-in) leaves the support console (issue 17, point 6); its
    # own labels are not Guide's words.
    for model in [m for m in admin.site._registry if m._meta.app_label == "ashby_sandbox"]:
        monkeypatch.delitem(admin.site._registry, model)
    html = superuser_client.get(reverse("admin:index")).content.decode()
    for wrong in ("Deliverys", "deliverys", "seens", "Seens", "ashby connection"):
        assert wrong not in html, wrong
    assert "Webhook deliveries" in html and "Ashby connections" in html


def test_every_model_of_guide_has_a_proper_plural():
    for label in ("tenants", "guides", "integrations"):
        for model in apps.get_app_config(label).get_models():
            plural = str(model._meta.verbose_name_plural)
            assert not plural.endswith(("ys", "ss", "seens")), model._meta.label
            assert not str(model._meta.verbose_name).startswith("ashby"), model._meta.label
