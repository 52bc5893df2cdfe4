"""The tenant's settings as a candidate's guide shows them: the logo, the introduction, the
stages' candidate-facing texts and the message of a closed process.

Read from the settings row loaded with the guide (`select_related("tenant__guide_settings")`),
so none of this costs the page a query. A preview passes unsaved settings instead
(`Overrides`): the page is built the same way, nothing is written.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from guides.models import GuideSettings, InterviewStage
from tenants.models import Tenant

GUIDE_SELECT_RELATED = ("tenant", "tenant__guide_settings", "candidate")


@dataclass
class Overrides:
    """Unsaved settings a preview shows: each field left None keeps what is saved."""

    settings: GuideSettings | None = None
    brand_color: str | None = None
    logo_bytes: bytes | None = None  # a cleaned upload not stored yet
    hidden_interview_ids: set[int] | None = None
    remove_logo: bool = False
    state: str | None = None  # show the guide as if archived or hired


@dataclass(frozen=True)
class CompanyView:
    logo_url: str = ""
    intro: str = ""
    what_to_expect: str = ""
    archived_message: str = ""
    hired_message: str = ""


@dataclass(frozen=True)
class StageText:
    title: str
    description: str
    hidden: bool = False


def settings_of(tenant: Tenant) -> GuideSettings:
    """The tenant's settings row (loaded with the tenant when select_related), or an unsaved
    row of defaults when the tenant has never saved any."""
    try:
        return tenant.guide_settings
    except ObjectDoesNotExist:
        return GuideSettings(tenant=tenant)


def _logo_url(settings: GuideSettings, tenant: Tenant, overrides: Overrides | None) -> str:
    if overrides is not None and overrides.logo_bytes is not None:
        return "data:image/jpeg;base64," + base64.b64encode(overrides.logo_bytes).decode()
    if overrides is not None and overrides.remove_logo:
        return ""
    if settings.logo:
        return settings.logo.url
    return tenant.logo_url  # set by staff in the console before logos could be uploaded


def company_view(tenant: Tenant, overrides: Overrides | None = None) -> CompanyView:
    settings = (overrides.settings if overrides else None) or settings_of(tenant)
    return CompanyView(
        logo_url=_logo_url(settings, tenant, overrides),
        intro=settings.company_intro.strip(),
        what_to_expect=settings.what_to_expect.strip(),
        archived_message=settings.archived_message.strip(),
        hired_message=settings.hired_message.strip(),
    )


def stage_text(stage: InterviewStage, settings: GuideSettings) -> StageText:
    """A stage as candidates see it: the job's own texts (Jobs > Stage texts) win over the
    tenant's texts for every stage of that name (Settings > Stages), which win over Ashby's
    name. Hiding is by name, for every job."""
    default = settings.stage_text(stage.title)
    return StageText(
        title=stage.candidate_title or default.get("title") or stage.title,
        description=stage.what_to_expect or default.get("description") or "",
        hidden=bool(default.get("hidden")),
    )
