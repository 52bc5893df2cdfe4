"""The emails app's holder of personal data (tenants/personal_data.py): the emails Guide sent
or planned for a person (address, subject, what the mail server said) and the addresses it
must not write to (unsubscribed, bounced). Erasure deletes both: the person's record is gone
with the candidate, so an unsubscribe has nothing left to protect (a new application in Ashby
is a new person, who receives nothing until the company's settings send it). Runs before the
hiring records' holder (order 40 < 50), while the candidate row still names their emails."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from emails.models import Email, EmailSettings, JobEmailSetting, MessageTemplate, Suppression
from tenants.models import Tenant
from tenants.personal_data import Holder, Person, row_dict

LABEL = "emails"


def emails_of(person: Person) -> QuerySet[Email]:
    """Emails to the person: to their candidate rows, or to one of their addresses."""
    match = Q(candidate__external_id__in=person.external_ids)
    for address in person.emails:
        match |= Q(to_address__iexact=address)
    return Email.objects.filter(match, tenant=person.tenant)


def suppressions_of(person: Person) -> QuerySet[Suppression]:
    addresses = {a.lower() for a in person.emails}
    return Suppression.objects.filter(tenant=person.tenant, address__in=addresses)


def export(person: Person) -> list[dict[str, Any]]:
    rows = [row_dict(e) for e in emails_of(person).order_by("created_at", "pk")]
    rows += [row_dict(s) for s in suppressions_of(person).order_by("created_at", "pk")]
    return rows


def erase(person: Person) -> dict[str, int]:
    counts = {
        "emails": emails_of(person).delete()[0],
        "addresses not written to": suppressions_of(person).delete()[0],
    }
    return {label: n for label, n in counts.items() if n}


# Deleted in this order: the log and the addresses first, the tenant's settings last.
TENANT_MODELS = (Email, Suppression, MessageTemplate, JobEmailSetting, EmailSettings)


def erase_tenant(tenant: Tenant, batch: int) -> int:
    """Delete up to `batch` of the tenant's email rows; 0 once none is left."""
    for model in TENANT_MODELS:
        ids = list(model.objects.filter(tenant=tenant).values_list("pk", flat=True)[:batch])
        if ids:
            return model.objects.filter(pk__in=ids).delete()[0]
    return 0


HOLDER = Holder(label=LABEL, export=export, erase=erase, erase_tenant=erase_tenant, order=40)
