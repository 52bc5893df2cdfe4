"""Helpers of the erasure tests: a person's deliveries posted through the receiver and
processed by the production task, and the walk over every text column of every model."""

from __future__ import annotations

import copy
import json

from django.apps import apps
from django.db import models
from django.db.models import Q, TextField
from django.db.models.functions import Cast

from integrations import tasks
from integrations.models import WebhookDelivery
from integrations.webhook_rows import ensure_subscriptions
from tests.integrations.webhook_helpers import post_webhook, webhook_fixture

NAME = "Ada Lovelace"
EMAIL = "ada@example.com"
PHONE = "+44 20 7946 0958"
CANDIDATE = "8d6a2f0e-4b1c-4c7a-9e2d-1a0000000001"
OTHER = "8d6a2f0e-4b1c-4c7a-9e2d-1a0000000002"
TERMS = (NAME, EMAIL, PHONE)

_TEXT = (models.CharField, models.TextField, models.JSONField)


def subscription(tenant, event: str):
    return next(s for s in ensure_subscriptions(tenant) if s.event == event)


def application_payload(action: str = "applicationSubmit", n: int = 1, **candidate) -> dict:
    """An application delivery about Ada, with her phone number, as Ashby sends it."""
    payload = webhook_fixture("applicationSubmit")
    payload["action"] = action
    payload["webhookActionId"] = f"a1b2c3d4-0001-4000-8000-{n:012d}"
    person = payload["data"]["application"]["candidate"]
    person["primaryPhoneNumber"] = {"value": PHONE, "type": "Mobile", "isPrimary": True}
    person.update(candidate)
    payload["data"]["application"]["updatedAt"] = f"2026-11-20T10:{n % 60:02d}:00.000Z"
    return payload


def deliver(client, tenant, payload: dict) -> WebhookDelivery:
    """POST through the receiver (signed), then run the processing task, as production does."""
    sub = subscription(tenant, payload["action"])
    response = post_webhook(client, sub, copy.deepcopy(payload))
    assert response.status_code == 200, response.content
    delivery = WebhookDelivery.objects.filter(tenant=tenant).order_by("-id").first()
    tasks.process_delivery(delivery.pk)
    delivery.refresh_from_db()
    return delivery


def delete_payload(candidate_id: str = CANDIDATE, n: int = 5) -> dict:
    payload = webhook_fixture("candidateDelete")
    payload["webhookActionId"] = f"a1b2c3d4-0005-4000-8000-{n:012d}"
    payload["data"]["candidate"]["id"] = candidate_id
    return payload


def traces(terms=TERMS) -> list[str]:
    """Every (model.column: term) where a term appears in any text or JSON column of any
    model installed, case-insensitively."""
    found = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if not isinstance(f, _TEXT):
                continue
            rows = model._default_manager.all()
            name = f.name
            if isinstance(f, models.JSONField) or f.get_lookup("icontains") is None:
                rows, name = rows.annotate(_as_text=Cast(f.name, TextField())), "_as_text"
            for term in terms:
                if rows.filter(Q(**{f"{name}__icontains": term})).exists():
                    found.append(f"{model._meta.label}.{f.name}: {term}")
    return found


def body_of(delivery: WebhookDelivery) -> dict:
    return json.loads(delivery.body)
