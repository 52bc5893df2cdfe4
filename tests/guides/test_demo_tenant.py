from __future__ import annotations

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from tenants.models import Membership, Tenant

pytestmark = pytest.mark.django_db


def test_demo_tenant_creates_acme_with_admin_once(settings, capsys):
    settings.DEBUG = True
    call_command("demo_tenant")
    call_command("demo_tenant")
    assert "sign in as admin / admin" in capsys.readouterr().out
    tenant = Tenant.objects.get(slug="acme")
    membership = Membership.objects.get(tenant=tenant)
    assert membership.user.username == "admin"
    assert membership.is_admin
    assert get_user_model().objects.filter(username="admin").count() == 1
    request = RequestFactory().post("/accounts/login/")
    assert authenticate(request, username="admin", password="admin") is not None


def test_demo_tenant_refuses_without_debug(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG on only"):
        call_command("demo_tenant")
    assert not Tenant.objects.exists()
