"""Services of the Settings pages: read and save what every candidate's guide shows.

Each save is one transaction: the form was validated whole before, and either everything it
holds is written or nothing is. A new logo is written to storage before the transaction; if
the transaction fails the new file is removed, and the old file is removed only once the
new row is committed, so a guide never points at a missing logo.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from guides.guide_company import settings_of
from guides.guide_page import HIDDEN_STAGE_TYPES
from guides.models import GuideSettings, Interview, InterviewStage
from guides.models_guide_settings import stage_key
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageName:
    """A stage name as the tenant's interview plans use it, across jobs."""

    key: str
    title: str  # as Ashby spells it (the most common spelling)
    plan_count: int

    @property
    def field(self) -> str:
        # A stable field name per stage name: the form stays right if a sync adds a stage
        # between the page's GET and its POST.
        return "s" + hashlib.sha256(self.key.encode()).hexdigest()[:12]


def stage_names(tenant: Tenant) -> list[StageName]:
    """The names of the stages of the tenant's current interview plans, roughly in process
    order (by their average position in the plans), one entry per name however many plans."""
    rows = (
        InterviewStage.objects.filter(tenant=tenant, plan__is_archived=False)
        .exclude(stage_type__in=HIDDEN_STAGE_TYPES)
        .values_list("title", "plan_id", "order")
    )
    spellings: dict[str, Counter] = defaultdict(Counter)
    plans: dict[str, set] = defaultdict(set)
    orders: dict[str, list[int]] = defaultdict(list)
    for title, plan_id, order in rows:
        key = stage_key(title)
        spellings[key][title] += 1
        plans[key].add(plan_id)
        orders[key].append(order)
    names = [StageName(k, spellings[k].most_common(1)[0][0], len(plans[k])) for k in spellings]
    return sorted(names, key=lambda n: (sum(orders[n.key]) / len(orders[n.key]), n.key))


def _settings_row(tenant: Tenant) -> GuideSettings:
    row, _ = GuideSettings.objects.select_for_update().get_or_create(tenant=tenant)
    return row


def save_brand(
    tenant: Tenant, *, brand_color: str, logo: ContentFile | None, remove_logo: bool
) -> None:
    """Save the brand colour and the logo (a cleaned upload, or removal) together."""
    folder = f"logos/{tenant.pk}"
    new_name = default_storage.save(f"{folder}/{logo.name}", logo) if logo is not None else None
    try:
        with transaction.atomic():
            row = _settings_row(tenant)
            old_name = row.logo.name
            tenant.brand_color = brand_color
            fields = ["brand_color"]
            if new_name or remove_logo:
                row.logo.name = new_name or ""
                tenant.logo_url, fields = "", [*fields, "logo_url"]
            tenant.save(update_fields=fields)
            row.save()
            if old_name and old_name != row.logo.name:
                transaction.on_commit(lambda: default_storage.delete(old_name))
    except Exception:
        if new_name:
            default_storage.delete(new_name)
        raise
    logger.info("Tenant %s brand saved (logo %s)", tenant.pk, "new" if new_name else "kept")


@transaction.atomic
def save_texts(tenant: Tenant, form_settings: GuideSettings) -> None:
    """The company's texts (introduction, what to expect, closing messages), as the form
    left them on an unsaved copy of the row."""
    row = _settings_row(tenant)
    for name in ("company_intro", "what_to_expect", "archived_message", "hired_message"):
        setattr(row, name, getattr(form_settings, name))
    row.save()


@transaction.atomic
def save_stage_defaults(tenant: Tenant, texts: dict[str, dict], keys_on_form: set[str]) -> None:
    """The texts of every stage by name. Names not on the form (a stage no plan uses any
    more) keep what was saved, so they return if the stage does."""
    row = _settings_row(tenant)
    kept = {k: v for k, v in row.stage_texts.items() if k not in keys_on_form}
    row.stage_texts = {**kept, **texts}
    row.save()


@transaction.atomic
def save_hidden_interviews(tenant: Tenant, hidden: list[Interview]) -> int:
    """Hide exactly these interview kinds of the tenant from candidates; returns how many."""
    ids = [i.pk for i in hidden if i.tenant_id == tenant.pk]
    kinds = Interview.objects.filter(tenant=tenant)
    kinds.exclude(pk__in=ids).update(hidden_from_candidates=False)
    kinds.filter(pk__in=ids).update(hidden_from_candidates=True)
    return len(ids)


def preview_settings(tenant: Tenant, **changes) -> GuideSettings:
    """An unsaved copy of the tenant's settings with `changes` applied (for a preview)."""
    saved = settings_of(tenant)
    copy = GuideSettings(
        tenant=tenant,
        logo=saved.logo.name,
        company_intro=saved.company_intro,
        what_to_expect=saved.what_to_expect,
        archived_message=saved.archived_message,
        hired_message=saved.hired_message,
        stage_texts=dict(saved.stage_texts),
    )
    for name, value in changes.items():
        setattr(copy, name, value)
    return copy
