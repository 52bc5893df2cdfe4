"""Links that let interviewers keep their own profile: made by an admin, sent by a recruiter.

A link is `/profile/<token>/` where the token is the invite's random key signed with a
timestamp (django.core.signing.TimestampSigner, salted for this use only): a changed letter
fails the signature and an old token fails its age before the database is asked. The invite
row then says whether the link was used (it works for one save) or revoked (an admin did, or
made a newer link for the same person). An interviewer can reach their own profile and
nothing else: the token names one interviewer of one tenant.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone

from guides.models import Interviewer, ProfileInvite
from tenants.models import Tenant

logger = logging.getLogger(__name__)

SALT = "guides.profile-invite"


class InviteError(Exception):
    """Why a link does not open: `reason` is invalid, expired, used or revoked."""

    def __init__(self, reason: str, invite: ProfileInvite | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invite = invite


@dataclass(frozen=True)
class SentLink:
    invite: ProfileInvite
    url: str


def link_lifetime() -> dt.timedelta:
    return dt.timedelta(days=settings.GUIDE_PROFILE_LINK_DAYS)


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def invite_url(invite: ProfileInvite) -> str:
    """The absolute address of the invite's link (the signed key; its time is now)."""
    token = _signer().sign(invite.key)
    return settings.PUBLIC_BASE_URL + reverse("guides:own_profile", args=[token])


def live_invites(tenant: Tenant) -> QuerySet[ProfileInvite]:
    now = timezone.now()
    return ProfileInvite.objects.filter(
        tenant=tenant, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )


def _revoke_live(tenant: Tenant, interviewer_ids: list[int]) -> int:
    live = live_invites(tenant).filter(interviewer_id__in=interviewer_ids)
    return live.update(revoked_at=timezone.now())


def _make(tenant: Tenant, interviewers: list[Interviewer], user) -> list[SentLink]:
    now = timezone.now()
    _revoke_live(tenant, [person.pk for person in interviewers])
    invites = [
        ProfileInvite(
            tenant=tenant,
            interviewer=person,
            created_by=user,
            created_at=now,
            expires_at=now + link_lifetime(),
        )
        for person in interviewers
    ]
    ProfileInvite.objects.bulk_create(invites)
    logger.info("Tenant %s: %d profile link(s) made", tenant.pk, len(invites))
    return [SentLink(invite, invite_url(invite)) for invite in invites]


@transaction.atomic
def invite_interviewer(tenant: Tenant, interviewer: Interviewer, *, user) -> SentLink:
    """A new link for one of the tenant's interviewers; their earlier live link stops working."""
    if interviewer.tenant_id != tenant.pk:
        raise ValueError("This interviewer belongs to another tenant.")
    return _make(tenant, [interviewer], user)[0]


def without_profile(tenant: Tenant) -> QuerySet[Interviewer]:
    """The tenant's enabled interviewers with nothing written for candidates and no live link."""
    pending = live_invites(tenant).filter(interviewer_id=OuterRef("pk"))
    return (
        Interviewer.objects.filter(tenant=tenant, is_enabled=True)
        .filter(photo="", photo_url="", title="", pronouns="", bio="", linkedin_url="")
        .annotate(invited=Exists(pending))
        .order_by("first_name", "last_name", "pk")
    )


@transaction.atomic
def invite_all_without_profile(tenant: Tenant, *, user) -> list[SentLink]:
    """A link for every enabled interviewer without a profile who has no live link yet."""
    people = list(without_profile(tenant).filter(invited=False))
    return _make(tenant, people, user) if people else []


@transaction.atomic
def revoke_invite(tenant: Tenant, invite: ProfileInvite) -> bool:
    """Stop a link from working; False when it was no longer live."""
    return bool(live_invites(tenant).filter(pk=invite.pk).update(revoked_at=timezone.now()))


def open_invite(token: str, *, for_update: bool = False) -> ProfileInvite:
    """The live invite a token names, with its interviewer and tenant, or InviteError."""
    try:
        key = _signer().unsign(token, max_age=link_lifetime())
    except signing.SignatureExpired:
        raise InviteError("expired")
    except signing.BadSignature:
        raise InviteError("invalid")
    invites = ProfileInvite.objects.select_related("interviewer", "tenant")
    if for_update:
        invites = invites.select_for_update(of=("self",))
    invite = invites.filter(key=key).first()
    if invite is None:
        raise InviteError("invalid")
    if invite.state != "live":
        raise InviteError(invite.state, invite)
    return invite
