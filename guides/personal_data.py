"""The guides app's holder of personal data (tenants/personal_data.py): a candidate's row,
their applications, interview schedules and events, and their guide. Erasing them deletes
the candidate, and the rest goes with them (foreign keys cascade); the guide's link stops
working at once, and its page is never cached (guides/views_public.py)."""

from __future__ import annotations

import logging
from typing import Any

from django.apps import apps
from django.db.models import Q, QuerySet

from guides.models import Application, Candidate, Guide, InterviewEvent, InterviewSchedule
from guides.models_guide_settings import GuideSettings
from guides.services import SYNCED_MODELS, delete_files_after_commit, uploaded_files
from tenants.models import Tenant
from tenants.personal_data import Holder, Person, row_dict

logger = logging.getLogger(__name__)

LABEL = "hiring records and guide"


def candidates_of(person: Person) -> QuerySet:
    """The tenant's candidate rows of this person: by ATS id, or by email address."""
    match = Q(external_id__in=person.external_ids)
    for email in person.emails if person.match_emails else ():
        match |= Q(email__iexact=email)
    if not person.external_ids and not (person.emails and person.match_emails):
        return Candidate.objects.none()
    return Candidate.objects.filter(match, tenant=person.tenant)


def describe(person: Person) -> None:
    """Learn the person's ids, names and emails from their candidate rows."""
    for external_id, name, email in candidates_of(person).values_list(
        "external_id", "name", "email"
    ):
        person.external_ids.add(external_id)
        person.learn(names=[name], emails=[email])
    applications = Application.objects.filter(candidate__in=candidates_of(person))
    person.application_ids.update(applications.values_list("external_id", flat=True))


def export(person: Person) -> list[dict[str, Any]]:
    """The candidate rows, each application, schedule and event, and the guide."""
    rows: list[dict[str, Any]] = []
    for candidate in candidates_of(person).order_by("pk"):
        rows.append(row_dict(candidate))
        applications = Application.objects.filter(candidate=candidate).select_related("job")
        for application in applications.order_by("pk"):
            rows.append(
                {**row_dict(application), "job_title": getattr(application.job, "title", "")}
            )
        schedules = InterviewSchedule.objects.filter(application__candidate=candidate)
        rows.extend(row_dict(s) for s in schedules.order_by("pk"))
        events = InterviewEvent.objects.filter(schedule__application__candidate=candidate)
        rows.extend(row_dict(e) for e in events.order_by("pk"))
        rows.extend(row_dict(g) for g in Guide.objects.filter(candidate=candidate))
    return rows


def erase(person: Person) -> dict[str, int]:
    """Delete the person's candidate rows; applications, schedules, events and the guide go
    with them. Returns the count deleted per kind of row."""
    _, by_model = candidates_of(person).delete()
    counts = {_plural(label): n for label, n in by_model.items() if n}
    logger.info(
        "Erased %s hiring rows of a person (tenant %s)", sum(counts.values()), person.tenant.pk
    )
    return counts


def erase_tenant(tenant: Tenant, batch: int) -> int:
    """Delete up to `batch` of the tenant's synced rows (guides first, as their candidates
    go), then its guide settings; uploaded files (interviewers' photos, the logo) go once
    their rows' deletion commits. 0 once none is left."""
    for model in (*SYNCED_MODELS, GuideSettings):
        rows = model.objects.filter(tenant=tenant)
        ids = list(rows.values_list("pk", flat=True)[:batch])
        if ids:
            rows = model.objects.filter(pk__in=ids)
            delete_files_after_commit(uploaded_files(rows))
            _, by_model = rows.delete()
            return sum(by_model.values())
    return 0


def _plural(label: str) -> str:
    return str(apps.get_model(label)._meta.verbose_name_plural)


HOLDER = Holder(
    label=LABEL, export=export, erase=erase, erase_tenant=erase_tenant, describe=describe, order=50
)
