"""Erasing one person's data, and showing everything Guide holds about them (GDPR's rights of
erasure and access; CCPA's too).

Every copy is reached through the holders the apps register (tenants/personal_data.py): the
hiring rows and guide, the webhook deliveries that mention them (body and headers replaced by a
note, the row kept as a tombstone), their attempts' texts, the audit trail and the console's
history, and later the sent-email log. Nothing here knows those copies itself.

An erasure leaves a deleted-candidate tombstone per ATS id, so a late or replayed delivery,
or a sync, never brings the person back, and one audit row that says what was erased and why,
by ATS id and counts only, never the personal data itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from integrations.models import AuditEvent, DeletedCandidate
from tenants.models import Tenant
from tenants.personal_data import Person, holders

logger = logging.getLogger(__name__)


@dataclass
class Report:
    """What an erasure did: per holder, the count erased per kind of row."""

    person: Person
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def total(self) -> int:
        return sum(sum(kinds.values()) for kinds in self.counts.values())

    def summary(self) -> str:
        parts = [f"{n} {kind}" for kinds in self.counts.values() for kind, n in kinds.items()]
        return ", ".join(parts) or "nothing was held"


def find_person(tenant: Tenant, *, email: str = "", candidate_id: str = "") -> Person:
    """The person a request names (an email address, or the ATS's candidate id), with what
    every holder knows of them: their ids, names, emails and phones."""
    person = Person(tenant, match_emails=bool(email))
    if candidate_id:
        person.external_ids.add(candidate_id.strip())
    person.learn(emails=[email])
    for holder in holders():
        if holder.describe is not None:
            holder.describe(person)
    return person


def export_person(person: Person, *, user: Any) -> dict[str, Any]:
    """Everything Guide holds about `person`, one JSON-ready dict; the request is audited."""
    found = {holder.label: holder.export(person) for holder in holders()}
    AuditEvent.record(
        person.tenant,
        user,
        AuditEvent.Action.PERSON_EXPORTED,
        source=AuditEvent.Source.ADMIN,
        target=_target(person),
        message=f"Exported {sum(len(rows) for rows in found.values())} records about a person.",
        candidate_ids=sorted(person.external_ids),
    )
    return {
        "tenant": {"id": person.tenant.pk, "name": person.tenant.name},
        "exported_at": timezone.now().isoformat(),
        "ats_candidate_ids": sorted(person.external_ids),
        "held": found,
    }


def erase_person(person: Person, *, user: Any = None, reason: str, source: str = "") -> Report:
    """Erase every copy of the person's data, in one transaction; tombstones keep them from
    coming back, and one audit row (without their data) says what went and why."""
    person.reason = reason
    report = Report(person)
    with transaction.atomic():
        for subject in person.subjects:  # candidate ids, and "application:<id>"
            DeletedCandidate.objects.get_or_create(tenant=person.tenant, external_id=subject)
        for holder in holders():
            counts = holder.erase(person)
            if counts:
                report.counts[holder.label] = counts
        AuditEvent.record(
            person.tenant,
            user,
            AuditEvent.Action.PERSON_ERASED,
            source=source or (AuditEvent.Source.ADMIN if user else AuditEvent.Source.APP),
            target=_target(person),
            message=f"Erased a person's data ({reason}): {report.summary()}.",
            candidate_ids=sorted(person.external_ids),
            counts=report.counts,
        )
    logger.info("Erased a person's data in tenant %s: %s", person.tenant.pk, report.total())
    return report


def erase_candidate(tenant: Tenant, external_id: str, *, reason: str) -> Report:
    """The ATS deleted this candidate: erase every copy of their data."""
    return erase_person(find_person(tenant, candidate_id=external_id), reason=reason)


def erase_merged_away(tenant: Tenant, external_id: str, *, reason: str) -> Report:
    """The ATS merged this candidate record into another: the person lives on in the survivor
    (their rows moved there), so only the copies that name the old record go (delivery bodies),
    and their names are not hunted in free text."""
    return erase_person(Person(tenant, external_ids={external_id}), reason=reason)


def _target(person: Person) -> str:
    ids = sorted(person.external_ids)
    if not ids:
        return "A person found by email address (no ATS id)"
    return "Candidate " + ", ".join(ids)
