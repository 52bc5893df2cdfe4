"""Services of the guides app: plain functions that take the tenant explicitly."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists, FileField, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from guides.models import (
    Application,
    Candidate,
    Department,
    Guide,
    Interview,
    Interviewer,
    InterviewEvent,
    InterviewPlan,
    InterviewSchedule,
    InterviewStage,
    Job,
    Location,
)
from guides.search import every_word_matches
from tenants.models import Tenant
from tenants.sql import insert_rows

logger = logging.getLogger(__name__)


# --- Guides -----------------------------------------------------------------------------------

TOUCH_CHUNK = 500


def touch_guides(tenant: Tenant, candidate_ids: Iterable[int] | QuerySet) -> int:
    """Mark the guides of these candidates as changed now (their "Last updated" moves).

    Call it whenever something a guide shows changes: an application, a schedule or event,
    a job, an interviewer. `candidate_ids` may be a list of candidate primary keys or a
    queryset of them (`...values("candidate_id")`), which runs as one UPDATE with a subquery.
    Only this tenant's guides are touched. Returns the number of guides updated.
    """
    now = timezone.now()
    guides = Guide.objects.filter(tenant=tenant)
    if isinstance(candidate_ids, QuerySet):
        return guides.filter(candidate_id__in=candidate_ids).update(updated_at=now)
    ids = sorted(set(candidate_ids))
    return sum(
        guides.filter(candidate_id__in=ids[i : i + TOUCH_CHUNK]).update(updated_at=now)
        for i in range(0, len(ids), TOUCH_CHUNK)
    )


def ensure_guides(tenant: Tenant, candidate_ids: Iterable[int]) -> int:
    """Give each of the tenant's candidates in `candidate_ids` a guide if it has none yet.

    Two queries whatever the number of candidates; returns how many guides were created.
    A concurrent creator is harmless: the one-guide-per-candidate constraint ignores the loser.
    """
    wanted = set(candidate_ids)
    if not wanted:
        return 0
    have = set(
        Guide.objects.filter(tenant=tenant, candidate_id__in=wanted).values_list(
            "candidate_id", flat=True
        )
    )
    new = [{"tenant_id": tenant.pk, "candidate_id": pk} for pk in sorted(wanted - have)]
    insert_rows(Guide, new)  # each gets its own token; a concurrent creator's guide wins
    return len(new)


def search_guides(
    tenant: Tenant,
    *,
    q: str = "",
    job: Job | None = None,
    stage: InterviewStage | None = None,
    opened: bool | None = None,
) -> QuerySet[Guide]:
    """The tenant's guides matching a name/email search, a job and/or current stage (both on
    the same application) and whether the candidate opened it, most recently updated first,
    applications prefetched."""
    guides = Guide.objects.filter(tenant=tenant).select_related("candidate")
    if opened is not None:
        guides = guides.filter(first_opened_at__isnull=not opened)
    if q:
        guides = guides.filter(every_word_matches(q, ("candidate__name", "candidate__email")))
    conditions = {"job": job, "current_stage": stage}
    conditions = {key: value for key, value in conditions.items() if value is not None}
    if conditions:
        applications = Application.objects.filter(
            tenant=tenant, candidate_id=OuterRef("candidate_id"), **conditions
        )
        guides = guides.filter(Exists(applications))
    shown = Application.objects.select_related("job", "current_stage")
    return guides.prefetch_related(Prefetch("candidate__applications", queryset=shown)).order_by(
        "-updated_at", "-pk"
    )


PROFILE_FIELDS = [
    "display_name",
    "title",
    "photo_url",
    "photo",
    "pronouns",
    "bio",
    "linkedin_url",
]


@transaction.atomic
def save_interviewer_profile(tenant: Tenant, interviewer: Interviewer) -> Interviewer:
    """Save the Guide-only profile fields of one of the tenant's interviewers (only those:
    a sync may have written the ATS fields meanwhile), stamp profile_updated_at, and touch the
    guides that show them (one UPDATE): candidates they interview, or whose recruiter they are."""
    if interviewer.tenant_id != tenant.pk:
        raise ValueError("This interviewer belongs to another tenant.")
    interviewer.profile_updated_at = timezone.now()
    interviewer.save(update_fields=[*PROFILE_FIELDS, "profile_updated_at"])
    shown_by = Application.objects.filter(tenant=tenant).filter(
        Q(schedules__events__interviewers=interviewer) | Q(recruiter=interviewer)
    )
    touch_guides(tenant, shown_by.values("candidate_id"))
    logger.info("Interviewer %s profile updated in tenant %s", interviewer.pk, tenant.pk)
    return interviewer


@transaction.atomic
def save_stage_texts(tenant: Tenant, plan: InterviewPlan, stages: list[InterviewStage]) -> int:
    """Save the candidate-facing names and "what to expect" texts of a plan's changed stages
    (only those two fields) and touch the guides of candidates on that plan (one UPDATE).
    Returns the number of stages saved."""
    for stage in stages:
        if stage.tenant_id != tenant.pk or stage.plan_id != plan.pk:
            raise ValueError("This stage belongs to another interview plan.")
        stage.save(update_fields=["candidate_title", "what_to_expect"])
    if stages:
        on_plan = Application.objects.filter(tenant=tenant).filter(
            Q(job__interview_plan=plan) | Q(current_stage__plan=plan)
        )
        touch_guides(tenant, on_plan.values("candidate_id"))
    return len(stages)


# Children before parents, so no delete depends on a cascade and the counts are exact.
SYNCED_MODELS = (
    Guide,
    InterviewEvent,
    InterviewSchedule,
    Application,
    Candidate,
    Job,
    Interview,
    InterviewStage,
    InterviewPlan,
    Interviewer,
    Location,
    Department,
)


def delete_files_after_commit(names: list[str]) -> None:
    """Uploaded files of deleted rows go too, once the deletion is committed."""
    storage = Interviewer._meta.get_field("photo").storage
    transaction.on_commit(lambda: [storage.delete(name) for name in names])


def uploaded_files(rows: QuerySet) -> list[str]:
    """The names of the files the rows' file fields hold (a photo, a logo); no query for a
    model without file fields."""
    fields = [f.name for f in rows.model._meta.concrete_fields if isinstance(f, FileField)]
    return [name for f in fields for name in rows.exclude(**{f: ""}).values_list(f, flat=True)]


@transaction.atomic
def delete_synced_data(tenant: Tenant) -> dict[str, int]:
    """Delete every record the tenant's ATS integration synced, and the guides built on
    them (they cannot outlive their candidates). Returns the count deleted per model.
    Other tenants' data and the tenant itself are untouched."""
    counts: dict[str, int] = {}
    for model in SYNCED_MODELS:
        rows = model.objects.filter(tenant=tenant)
        delete_files_after_commit(uploaded_files(rows))
        _, per_model = rows.delete()
        counts[str(model._meta.verbose_name_plural)] = per_model.get(model._meta.label, 0)
    logger.info("Deleted the synced data of tenant %s: %s", tenant.pk, counts)
    return counts
