"""The integration's holders of personal data (tenants/personal_data.py): webhook deliveries
(bodies, headers, outcomes) with their attempts, the audit trail, the support console's change
history, and the deleted-candidate tombstones. Registered in IntegrationsConfig.ready()."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from integrations import delivery_erasure
from integrations.models import (
    AuditEvent,
    DeletedCandidate,
    DeliveryAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from integrations.models.rate_limits import BudgetState
from tenants.models import Tenant
from tenants.personal_data import Holder, Person, register, row_dict

# --- webhook deliveries and their attempts ----------------------------------------------------


def _describe_deliveries(person: Person) -> None:
    delivery_erasure.learn_from_bodies(person, delivery_erasure.of_person(person))


def export_deliveries(person: Person) -> list[dict[str, Any]]:
    """Each delivery about the person, its body as stored (parsed) and its attempts."""
    rows = []
    found = delivery_erasure.of_person(person).order_by("received_at", "pk")
    for delivery in found.prefetch_related("history"):
        row = row_dict(delivery, exclude=("body",))
        row["body"] = _body(delivery)
        row["attempts"] = [row_dict(a, exclude=("delivery",)) for a in delivery.history.all()]
        rows.append(row)
    return rows


def _body(delivery: WebhookDelivery) -> Any:
    if delivery.body_erased_at is not None:
        return delivery.body  # the note
    try:
        return json.loads(delivery.body)
    except ValueError:
        return delivery.body


def erase_deliveries(person: Person) -> dict[str, int]:
    ids = list(delivery_erasure.of_person(person).values_list("pk", flat=True))
    delivery_erasure.erase_texts(ids, person.terms)
    changed = delivery_erasure.erase_bodies(ids, person.reason or "the person's data was erased")
    return {"webhook deliveries (body erased, row kept)": changed} if changed else {}


def erase_tenant_deliveries(tenant: Tenant, batch: int) -> int:
    """Delete up to `batch` of the tenant's deliveries (their attempts first), oldest first."""
    ids = list(
        WebhookDelivery.objects.filter(tenant=tenant)
        .order_by("received_at")
        .values_list("pk", flat=True)[:batch]
    )
    DeliveryAttempt.objects.filter(delivery_id__in=ids).delete()
    return WebhookDelivery.objects.filter(pk__in=ids).delete()[0]


# --- the audit trail --------------------------------------------------------------------------


def _mentioning(queryset: QuerySet, fields: tuple[str, ...], terms: list[str]) -> QuerySet:
    """Rows whose `fields` (text, or JSON read as text) contain any of `terms`."""
    if not terms:
        return queryset.none()
    match = Q()
    for term in terms:
        for name in fields:
            match |= Q(**{f"{name}__icontains": term})
    return queryset.filter(match)


def _audit_rows(person: Person) -> QuerySet:
    rows = AuditEvent.objects.filter(tenant=person.tenant).annotate(
        detail_text=Cast("detail", TextField())
    )
    return _mentioning(rows, ("message", "target", "detail_text"), person.terms)


def export_audit(person: Person) -> list[dict[str, Any]]:
    return [row_dict(row) for row in _audit_rows(person).order_by("created_at")]


def erase_audit(person: Person) -> dict[str, int]:
    """The rows stay (who did what, when); the person's names, emails and phones go."""
    terms, count = person.terms, 0
    for row in _audit_rows(person):
        row.message = delivery_erasure.scrub(row.message, terms)
        row.target = delivery_erasure.scrub(row.target, terms)
        text = delivery_erasure.scrub(json.dumps(row.detail, ensure_ascii=False), terms)
        row.detail = json.loads(text)
        row.save(update_fields=["message", "target", "detail"])
        count += 1
    return {"audit rows (personal details taken out)": count} if count else {}


# --- the support console's change history (django.contrib.admin) -----------------------------


def _log_rows(person: Person) -> QuerySet:
    entries = LogEntry.objects.filter(content_type__app_label="guides")
    return _mentioning(entries, ("object_repr", "change_message"), person.terms)


def export_admin_log(person: Person) -> list[dict[str, Any]]:
    return [row_dict(entry) for entry in _log_rows(person).order_by("action_time")]


def erase_admin_log(person: Person) -> dict[str, int]:
    count = 0
    for entry in _log_rows(person):
        entry.object_repr = delivery_erasure.scrub(entry.object_repr, person.terms)
        entry.change_message = delivery_erasure.scrub(entry.change_message, person.terms)
        entry.save(update_fields=["object_repr", "change_message"])
        count += 1
    return {"console change history entries": count} if count else {}


def erase_tenant_admin_log(tenant: Tenant, batch: int) -> int:
    """The console's history of the tenant's hiring rows (their names are in it); run before
    those rows go, as it finds entries by the rows' ids."""
    deleted = 0
    for model in apps.get_app_config("guides").get_models():
        if any(f.name == "tenant" for f in model._meta.fields):
            deleted += _delete_log_of(model, model.objects.filter(tenant=tenant))
    return deleted


def _delete_log_of(model: Any, rows: QuerySet) -> int:
    kind = ContentType.objects.get_for_model(model)
    ids = [str(pk) for pk in rows.values_list("pk", flat=True).iterator()]
    deleted = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        deleted += LogEntry.objects.filter(content_type=kind, object_id__in=chunk).delete()[0]
    return deleted


# --- tombstones and the tenant's integration rows --------------------------------------------


def export_tombstones(person: Person) -> list[dict[str, Any]]:
    tombstones = DeletedCandidate.objects.filter(
        tenant=person.tenant, external_id__in=person.subjects
    )
    return [row_dict(t) for t in tombstones.order_by("deleted_at")]


def keep_tombstones(person: Person) -> dict[str, int]:
    """Tombstones hold only the ATS id, and keep a late delivery or sync from bringing the
    person back: an erasure keeps them (integrations/erasure.py adds them)."""
    return {}


def erase_tenant_integration(tenant: Tenant, batch: int) -> int:
    """The webhook rows (once their deliveries are gone), tombstones and the request budget's
    rows of the tenant."""
    for model in (WebhookSubscription, DeletedCandidate, BudgetState):
        ids = list(model.objects.filter(tenant=tenant).values_list("pk", flat=True)[:batch])
        if ids:
            return model.objects.filter(pk__in=ids).delete()[0]
    return 0


def _none(tenant: Tenant, batch: int) -> int:
    return 0


HOLDERS = (
    Holder(
        "webhook deliveries",
        export_deliveries,
        erase_deliveries,
        erase_tenant_deliveries,
        describe=_describe_deliveries,
        order=60,
    ),
    Holder("audit trail", export_audit, erase_audit, _none, order=80),
    Holder(
        "support console history",
        export_admin_log,
        erase_admin_log,
        erase_tenant_admin_log,
        order=40,
    ),
    Holder(
        "deleted-candidate tombstones",
        export_tombstones,
        keep_tombstones,
        erase_tenant_integration,
        order=90,
    ),
)


def register_holders() -> None:
    for holder in HOLDERS:
        register(holder)
