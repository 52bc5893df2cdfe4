"""Keeping erased candidates out of a sync: a page of candidates, applications or schedules
loses the records of candidates Ashby deleted or merged away, or whose data support erased on
request (the deleted-candidate tombstones, integrations/erasure.py). One query per page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from integrations.ashby import mapping
from integrations.models import DeletedCandidate
from tenants.models import Tenant


def _candidate(record: Any) -> str | None:
    return mapping.ref(record.get("id")) if isinstance(record, dict) else None


def _of_application(record: Any) -> str | None:
    return mapping.application_candidate(record) if isinstance(record, dict) else None


def _of_schedule(record: Any) -> str | None:
    return mapping.ref(record.get("candidateId")) if isinstance(record, dict) else None


def without_erased(
    tenant: Tenant, records: Sequence[Any], candidate_of: Callable[[Any], str | None]
) -> list[Any]:
    """`records` minus those whose candidate has a tombstone."""
    ids = {i for i in map(candidate_of, records) if i}
    if not ids:
        return list(records)
    erased = set(
        DeletedCandidate.objects.filter(tenant=tenant, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    return [r for r in records if candidate_of(r) not in erased] if erased else list(records)


CANDIDATE = _candidate
APPLICATION = _of_application
SCHEDULE = _of_schedule
