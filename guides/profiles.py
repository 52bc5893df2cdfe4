"""Saving an interviewer's profile with its photo, by an admin or by the interviewer's link.

The photo arrives already cleaned (guides.images) as a ContentFile. It is written through
Django's storage API before the database transaction (no file I/O while rows are locked);
if the transaction fails the new file is deleted, and the replaced file is deleted only once
the new row is committed, so a guide never points at a missing photo.
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from guides.models import Interviewer, ProfileInvite
from guides.profile_invites import open_invite
from guides.services import save_interviewer_profile
from tenants.models import Tenant

logger = logging.getLogger(__name__)

OWN_FIELDS = ["title", "pronouns", "linkedin_url", "bio"]
PHOTO_FOLDER = "interviewers"


def _store(tenant: Tenant, photo: ContentFile) -> str:
    field = Interviewer._meta.get_field("photo")
    return field.storage.save(f"{PHOTO_FOLDER}/{tenant.pk}/{photo.name}", photo)


def _delete_later(name: str) -> None:
    if name:
        storage = Interviewer._meta.get_field("photo").storage
        transaction.on_commit(lambda: storage.delete(name))


def save_profile(
    tenant: Tenant,
    interviewer: Interviewer,
    *,
    photo: ContentFile | None = None,
    remove_photo: bool = False,
    first=None,
) -> Interviewer:
    """Save the profile fields set on `interviewer` and its new (or removed) photo. `first`
    runs at the start of the same transaction (it may refuse by raising: nothing is kept). A
    new photo replaces the older address too; the replaced file is deleted after commit."""
    stored = _store(tenant, photo) if photo is not None else ""
    try:
        with transaction.atomic():
            if first is not None:
                first()
            if stored or remove_photo:
                previous = Interviewer.objects.filter(pk=interviewer.pk).values_list("photo")
                _delete_later((previous.first() or ("",))[0])
                interviewer.photo = stored
                interviewer.photo_url = ""
            save_interviewer_profile(tenant, interviewer)
    except BaseException:
        if stored:
            Interviewer._meta.get_field("photo").storage.delete(stored)
        raise
    return interviewer


def save_own_profile(
    token: str, values: dict, *, photo: ContentFile | None, remove_photo: bool
) -> ProfileInvite:
    """The interviewer's own save through their link: only OWN_FIELDS and the photo. The link
    is checked again under a row lock and used up in the same transaction, so of two
    submissions of one link exactly one is saved (the other gets InviteError("used"))."""
    invite = open_invite(token)  # refuses a dead link before any file is written
    interviewer = invite.interviewer
    for name in OWN_FIELDS:
        setattr(interviewer, name, values[name])

    def use_up() -> None:
        locked = open_invite(token, for_update=True)
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        invite.used_at = locked.used_at

    save_profile(invite.tenant, interviewer, photo=photo, remove_photo=remove_photo, first=use_up)
    logger.info("Interviewer %s saved their own profile", interviewer.pk)
    return invite
