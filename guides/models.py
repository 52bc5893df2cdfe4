"""The product's records: each tenant's hiring data and guides (tenants and their members live
in tenants/). Nothing here knows about Ashby: synced records carry an external id only."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenants.models import Tenant


def new_guide_token() -> str:
    """An unguessable, URL-safe token (256 bits) for a guide's public address."""
    return secrets.token_urlsafe(32)


# --- The tenant's hiring data --------------------------------------------------------------
# Synced from an ATS by an integration. Each record is keyed by (tenant, external_id) and keeps
# the ATS's own `external_updated_at`, so an older copy of a record never overwrites a newer one.


class SyncedRecord(models.Model):
    """Common columns of a record copied from the ATS."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField("ATS id", max_length=64)
    external_updated_at = models.DateTimeField("updated in the ATS", null=True, blank=True)
    synced_at = models.DateTimeField("last synced", auto_now=True)

    class Meta:
        abstract = True

    @classmethod
    def _unique(cls, name: str) -> models.UniqueConstraint:
        return models.UniqueConstraint(
            fields=["tenant", "external_id"], name=f"{name}_unique_external_id"
        )


class Department(SyncedRecord):
    name = models.CharField(max_length=255)
    is_archived = models.BooleanField("archived", default=False)
    parent_external_id = models.CharField("parent's ATS id", max_length=64, blank=True)

    class Meta:
        constraints = [SyncedRecord._unique("department")]

    def __str__(self) -> str:
        return self.name


class Location(SyncedRecord):
    name = models.CharField(max_length=255)
    is_archived = models.BooleanField("archived", default=False)
    workplace_type = models.CharField(max_length=20, blank=True)  # OnSite | Hybrid | Remote

    class Meta:
        constraints = [SyncedRecord._unique("location")]

    def __str__(self) -> str:
        return self.name


class Interviewer(SyncedRecord):
    """A user of the ATS who interviews candidates, with the profile candidates see.

    The ATS only knows name, email and whether the user is active (Ashby's User has no title,
    photo or bio: docs/ashby.md); the profile fields (title, photo, pronouns, bio, LinkedIn)
    are written in Guide, by an admin or by the interviewer from an invitation link
    (ProfileInvite), and a sync never touches them.
    """

    # From the ATS.
    first_name = models.CharField(max_length=150)
    last_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    is_enabled = models.BooleanField("enabled", default=True)
    # Edited in Guide only.
    display_name = models.CharField(max_length=200, blank=True, help_text="Overrides the ATS name.")
    title = models.CharField(max_length=200, blank=True)
    photo_url = models.URLField("photo URL", blank=True)  # older profiles; `photo` wins
    # Uploaded, validated and re-encoded by guides.images, stored through Django's storage API
    # (STORAGES["default"]) under a random name, so it can be cached for ever.
    photo = models.ImageField(upload_to="interviewers/", blank=True, max_length=200)
    pronouns = models.CharField(max_length=40, blank=True)
    bio = models.TextField(blank=True, max_length=2000)
    linkedin_url = models.URLField("LinkedIn URL", blank=True)
    profile_updated_at = models.DateTimeField("profile updated", null=True, blank=True)

    class Meta:
        constraints = [SyncedRecord._unique("interviewer")]
        indexes = [models.Index(fields=["tenant", "email"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or f"{self.first_name} {self.last_name}".strip()

    @property
    def has_profile(self) -> bool:
        """Whether anything beyond the ATS's name and email is written for candidates."""
        fields = (self.photo, self.photo_url, self.title, self.pronouns, self.bio)
        return any(fields) or bool(self.linkedin_url)


class ProfileInvite(models.Model):
    """A link that lets one interviewer edit their own profile, once, until it expires.

    The link carries `key` signed with a timestamp (guides.profile_invites); the row says
    whether it was used or revoked. A new invite for the same interviewer revokes the older
    ones, so one person has at most one live link.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    interviewer = models.ForeignKey(
        Interviewer, on_delete=models.CASCADE, related_name="profile_invites"
    )
    key = models.CharField(max_length=64, unique=True, default=new_guide_token, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("created", default=timezone.now)
    expires_at = models.DateTimeField("expires")
    used_at = models.DateTimeField("used", null=True, blank=True)
    revoked_at = models.DateTimeField("revoked", null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "interviewer", "-created_at"])]

    def __str__(self) -> str:
        return f"Profile link for {self.interviewer_id} ({self.state})"

    @property
    def state(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.used_at:
            return "used"
        return "expired" if self.expires_at <= timezone.now() else "live"


class InterviewPlan(SyncedRecord):
    title = models.CharField(max_length=255, blank=True)
    is_archived = models.BooleanField("archived", default=False)
    # Set when the ATS answered that this plan does not exist (a placeholder made from a
    # webhook): its stages are not asked for again until the ATS lists the plan.
    not_found_at = models.DateTimeField("missing from the ATS since", null=True, blank=True)

    class Meta:
        constraints = [SyncedRecord._unique("interviewplan")]

    def __str__(self) -> str:
        return self.title or self.external_id


class InterviewStage(SyncedRecord):
    """A stage of an interview plan, with the words candidates see for it (edited in Guide)."""

    plan = models.ForeignKey(InterviewPlan, on_delete=models.CASCADE, related_name="stages")
    title = models.CharField(max_length=255)
    stage_type = models.CharField(
        max_length=40, blank=True
    )  # e.g. Lead, PreInterviewScreen, Offer, Archived
    order = models.IntegerField(default=0)
    # Edited in Guide only.
    candidate_title = models.CharField(max_length=255, blank=True)
    what_to_expect = models.TextField(blank=True, max_length=4000)

    class Meta:
        constraints = [SyncedRecord._unique("interviewstage")]
        ordering = ["plan_id", "order"]

    def __str__(self) -> str:
        return self.title

    @property
    def candidate_facing_title(self) -> str:
        return self.candidate_title or self.title


class Job(SyncedRecord):
    class Status(models.TextChoices):
        DRAFT = "Draft"
        OPEN = "Open"
        CLOSED = "Closed"
        ARCHIVED = "Archived"

    title = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    employment_type = models.CharField(max_length=20, blank=True)
    confidential = models.BooleanField(default=False)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    interview_plan = models.ForeignKey(
        InterviewPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="jobs"
    )

    class Meta:
        constraints = [SyncedRecord._unique("job")]

    def __str__(self) -> str:
        return self.title


class Interview(SyncedRecord):
    """An interview type (e.g. "Technical screen"); events are instances of it."""

    title = models.CharField(max_length=255)
    external_title = models.CharField(max_length=255, blank=True)  # the candidate-facing title
    instructions = models.TextField(blank=True)
    is_archived = models.BooleanField("archived", default=False)
    # Edited in Guide only (Settings > Interviews): e.g. debriefs, never shown to candidates.
    hidden_from_candidates = models.BooleanField("hidden from candidates", default=False)

    class Meta:
        constraints = [SyncedRecord._unique("interview")]

    def __str__(self) -> str:
        return self.title

    @property
    def candidate_facing_title(self) -> str:
        return self.external_title or self.title


class Candidate(SyncedRecord):
    name = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    timezone = models.CharField(
        "time zone", max_length=64, blank=True
    )  # IANA name from the ATS, if known
    location_summary = models.CharField(max_length=255, blank=True)

    class Meta:
        constraints = [SyncedRecord._unique("candidate")]
        indexes = [
            models.Index(fields=["tenant", "name"]),
            models.Index(fields=["tenant", "email"]),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def first_name(self) -> str:
        return self.name.split(" ", 1)[0] if self.name else ""


class Application(SyncedRecord):
    class Status(models.TextChoices):
        ACTIVE = "Active"
        HIRED = "Hired"
        ARCHIVED = "Archived"
        LEAD = "Lead"

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="applications")
    job = models.ForeignKey(
        Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    current_stage = models.ForeignKey(
        InterviewStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recruiter = models.ForeignKey(
        Interviewer, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    archive_reason = models.CharField(max_length=255, blank=True)
    external_created_at = models.DateTimeField("created in the ATS", null=True, blank=True)

    class Meta:
        constraints = [SyncedRecord._unique("application")]
        indexes = [models.Index(fields=["tenant", "status"])]

    def __str__(self) -> str:
        return f"{self.candidate_id} for {self.job_id}"


class InterviewSchedule(SyncedRecord):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="schedules")
    stage = models.ForeignKey(
        InterviewStage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=40)  # Scheduled, Cancelled, Complete, NeedsScheduling, ...

    class Meta:
        constraints = [SyncedRecord._unique("interviewschedule")]

    def __str__(self) -> str:
        return f"Schedule {self.external_id} ({self.status})"


class InterviewEvent(SyncedRecord):
    """One interview on a schedule: when, where, with whom."""

    schedule = models.ForeignKey(InterviewSchedule, on_delete=models.CASCADE, related_name="events")
    interview = models.ForeignKey(
        Interview, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    start_time = models.DateTimeField(
        "starts",
    )
    end_time = models.DateTimeField(
        "ends",
    )
    location = models.CharField(max_length=500, blank=True)
    meeting_link = models.URLField(max_length=1000, blank=True)
    interviewers = models.ManyToManyField(Interviewer, blank=True, related_name="events")

    class Meta:
        constraints = [SyncedRecord._unique("interviewevent")]
        ordering = ["start_time"]

    def __str__(self) -> str:
        return f"Event {self.external_id} at {self.start_time:%Y-%m-%d %H:%M} UTC"


class Guide(models.Model):
    """A candidate's personal page, reached only by its unguessable token."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="guides")
    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="guide")
    token = models.CharField(max_length=64, unique=True, default=new_guide_token, editable=False)
    created_at = models.DateTimeField("created", auto_now_add=True)
    updated_at = models.DateTimeField(
        "last updated", auto_now=True, help_text="When anything the guide shows last changed."
    )
    # When the candidate opened the page (guides/opens.py records them, at most every few
    # minutes, so an open costs the page one UPDATE at most).
    first_opened_at = models.DateTimeField("first opened", null=True, blank=True)
    last_opened_at = models.DateTimeField("last opened", null=True, blank=True)
    open_count = models.PositiveIntegerField("opens", default=0)
    # The language the candidate last read the guide in (recorded with the opens): their emails
    # speak it (emails/language.py); empty until they open it.
    last_language = models.CharField("last read in", max_length=10, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["tenant", "-updated_at"])]

    def __str__(self) -> str:
        return f"Guide for {self.candidate_id}"


# The tenant's settings of every guide live in a module of their own.
from guides.models_guide_settings import GuideSettings  # noqa: E402, F401
