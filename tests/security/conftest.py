"""The world the security checks run in: tenant A ("Acme") with a stored Ashby key, a
candidate with a guide, an interviewer and a job; tenant B ("Bravo") with data of its own,
so the outsider's pages are not empty. Plus the URL helpers that enumerate the project."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest
from django.apps import apps

from guides.profile_invites import invite_interviewer
from integrations.models import AshbyConnection, WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tenants.models import Tenant
from tests.guides import factories as f
from tests.integrations.conftest import fake_ashby  # noqa: F401 (the fixture, for test_secrets)

ACME_KEY = "acme-ashby-key-" + "S3cr3t" * 6
BRAVO_KEY = "bravo-ashby-key-" + "Xy9" * 10
ACME_CANDIDATE = "Zebulon Acmeson"


@dataclass
class World:
    tenant_a: Tenant
    tenant_b: Tenant
    objects: dict  # what to fill URL parameters with: tenant A's rows, by kind


def _connection(tenant: Tenant, key: str, user) -> AshbyConnection:
    return AshbyConnection.objects.create(
        tenant=tenant,
        api_key_encrypted=key,
        key_title=f"{tenant.name} key",
        key_last4=key[-4:],
        permissions=["candidatesRead", "jobsRead", "interviewsRead", "organizationRead"],
        connected_by=user,
    )


@pytest.fixture
def world(tenant_a, tenant_b, admin_user, member_user, outsider_user) -> World:
    _connection(tenant_a, ACME_KEY, admin_user)
    _connection(tenant_b, BRAVO_KEY, outsider_user)
    guide, app = f.candidate_with_guide(tenant_a, ACME_CANDIDATE)
    ines = f.interviewer(tenant_a)
    sched = f.schedule(tenant_a, app)
    f.event(tenant_a, sched, f.at("2030-03-08 15:00"), interviewers=[ines])
    subscription = ensure_subscriptions(tenant_a)[0]
    delivery = WebhookDelivery.objects.create(
        tenant=tenant_a,
        subscription=subscription,
        action=subscription.event,
        webhook_action_id="acme-action-1",
        dedupe_key="acme-action-1",
        body=json.dumps({"action": subscription.event, "data": {}}),
        status=WebhookDelivery.Status.FAILED,
        error="ValueError: acme delivery",
    )
    ensure_subscriptions(tenant_b)
    f.candidate_with_guide(tenant_b, "Brigitte Bravo")
    f.interviewer(tenant_b, "Bruno", "Bravo")
    objects = {
        "guide": guide,
        "interviewer": ines,
        "job": app.job,
        "event": sched.events.first(),
        "subscription": subscription,
        "delivery": delivery,
        "profile_invite": invite_interviewer(tenant_a, ines, user=admin_user).invite,
    }
    return World(tenant_a, tenant_b, objects)


def snapshot(tenant: Tenant | None = None) -> dict[str, list[dict]]:
    """Every row of the product's and the integration's models (the tenant's only, for
    models that belong to a tenant, when given), to prove nothing changed."""
    rows = {}
    for label in ("tenants", "guides", "integrations"):
        for model in apps.get_app_config(label).get_models():
            queryset = model.objects.order_by("pk")
            path = _tenant_path(model)
            if tenant is not None and path:
                queryset = queryset.filter(**{path: tenant})
            rows[model._meta.label] = list(queryset.values())
    return rows


def _tenant_path(model) -> str | None:
    """How a model's rows reach their tenant: "tenant", or through one foreign key
    ("connection__tenant"); None for rows that belong to no tenant."""
    fields = {f.name: f for f in model._meta.fields}
    if "tenant" in fields:
        return "tenant"
    for field in fields.values():
        if field.many_to_one and any(f.name == "tenant" for f in field.related_model._meta.fields):
            return f"{field.name}__tenant"
    return None


# --- URL enumeration -------------------------------------------------------------------------

# A placeholder value for each path converter, when any value that resolves will do.
PLACEHOLDERS = {"int": 1, "str": "x", "slug": "x", "path": "x", "uuid": uuid.uuid4()}


def converter_kind(converter) -> str:
    for kind in ("int", "uuid", "slug", "path", "str"):
        if type(converter).__name__.lower().startswith(kind):
            return kind
    return "str"


def walk(patterns, namespace: str = "", prefix: str = ""):
    """(qualified name, route, URLPattern) for every named URL below `patterns`."""
    from django.urls import URLPattern, URLResolver

    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", prefix + str(entry.pattern), entry


def all_urls():
    from django.urls import get_resolver

    return list(walk(get_resolver().url_patterns))


def params_of(pattern) -> dict[str, str]:
    """{parameter name: converter kind} of a URLPattern."""
    converters = getattr(pattern.pattern, "converters", {}) or {}
    return {name: converter_kind(conv) for name, conv in converters.items()}


@pytest.fixture(autouse=True)
def _no_real_ashby(settings, monkeypatch):
    """Should a check ever reach for Ashby, it finds a closed local port, never the internet,
    and the client's retries do not sleep."""
    from integrations.ashby.client import AshbyClient

    settings.ASHBY_API_URL = "http://127.0.0.1:9/ashby-is-not-here"
    original = AshbyClient.__init__

    def no_sleep(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self._sleep = lambda seconds: None

    monkeypatch.setattr(AshbyClient, "__init__", no_sleep)
