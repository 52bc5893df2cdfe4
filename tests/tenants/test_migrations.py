"""A database built at the layout before the tenants app (Tenant and Membership in guides)
upgrades in place: same tables, same rows, same foreign keys, and the content types the
Support group's permissions hang on now say "tenants"."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

# The layout before the move: today's main stops at guides 0001 and integrations 0008.
BEFORE = [("guides", "0001_initial"), ("integrations", "0008_support_views_deleted_candidate")]


def _migrate_back():
    """Unapply the tenants app and everything after it; the models as they were then."""
    executor = MigrationExecutor(connection)
    executor.migrate([("tenants", None)])
    executor.loader.build_graph()
    return executor.loader.project_state(BEFORE).apps


def _old_world(apps) -> dict:
    """Rows written through the old models (guides.Tenant, guides.Membership)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    User = apps.get_model("auth", "User")
    Tenant = apps.get_model("guides", "Tenant")
    Membership = apps.get_model("guides", "Membership")
    Candidate = apps.get_model("guides", "Candidate")
    Guide = apps.get_model("guides", "Guide")
    Subscription = apps.get_model("integrations", "WebhookSubscription")
    assert ContentType.objects.filter(app_label="guides", model="tenant").exists()
    # The Support group as its migration made it (a transactional test before may have
    # flushed it away).
    import_module("integrations.migrations.0005_support_group").create_group(apps, None)
    tenant = Tenant.objects.create(name="Oldco", slug="oldco", default_timezone="Europe/Paris")
    user = User.objects.create(username="old-admin")
    Membership.objects.create(user=user, tenant=tenant, role="admin")
    candidate = Candidate.objects.create(tenant=tenant, external_id="c-1", name="Ada Lovelace")
    Guide.objects.create(tenant=tenant, candidate=candidate, token="old-token")
    Subscription.objects.create(tenant=tenant, event="candidateHire", token="old-webhook-token")
    return {"tenant": tenant.pk, "user": user.pk, "candidate": candidate.pk}


def test_a_database_from_before_the_move_keeps_its_data():
    from django.contrib.auth.models import Group

    ids = _old_world(_migrate_back())
    call_command("migrate", verbosity=0)  # forward to today's migrations

    from django.contrib.contenttypes.models import ContentType

    from guides.models import Candidate, Guide
    from integrations.models import WebhookSubscription
    from tenants.models import Membership, Tenant

    tenant = Tenant.objects.get(pk=ids["tenant"])
    assert (tenant.name, tenant.default_timezone) == ("Oldco", "Europe/Paris")
    membership = Membership.objects.get(tenant=tenant)
    assert (membership.user_id, membership.is_admin) == (ids["user"], True)
    candidate = Candidate.objects.get(pk=ids["candidate"])
    assert candidate.tenant == tenant and candidate.name == "Ada Lovelace"
    assert Guide.objects.get(candidate=candidate).token == "old-token"
    assert WebhookSubscription.objects.get(tenant=tenant).token == "old-webhook-token"
    assert not ContentType.objects.filter(app_label="guides", model__in=["tenant", "membership"])
    support = Group.objects.get(name="Support").permissions
    assert support.filter(content_type__app_label="tenants", codename="view_tenant").exists()
    assert support.filter(content_type__app_label="tenants", codename="view_membership").exists()
