"""The sandbox's own copy of an Ashby organisation: its hiring data, API keys and webhooks.

Every synced record carries `updated_seq`, a value from one organisation-wide counter bumped
on every change (archive and stage moves included). Lists page through records in
`updated_seq` order (keyset pagination, no OFFSET) and a syncToken is simply a watermark on
that counter, so "what changed since the token" is one indexed range scan.
"""

from __future__ import annotations

import uuid

from django.db import models

from ashby_sandbox.organisations import Organization, ScopedManager, owner  # noqa: F401 (m.Organization)


class Sequence(models.Model):
    """One-row counter that hands out `updated_seq` values (see `changes.next_seq`)."""

    name = models.CharField(max_length=40, unique=True)
    value = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"


class Tracked(models.Model):
    """Fields shared by every record the API lists."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = owner()
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    updated_seq = models.BigIntegerField(unique=True)

    objects = ScopedManager()

    class Meta:
        abstract = True
        # Each list walks one organisation's records in change order.
        indexes = [models.Index(fields=["organization", "updated_seq"], name="sbx_%(class)s_org")]


class Department(Tracked):
    name = models.CharField(max_length=200)
    external_name = models.CharField(max_length=200, blank=True)
    is_archived = models.BooleanField(default=False)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.name


class Location(Tracked):
    WORKPLACE_TYPES = [("OnSite", "On site"), ("Hybrid", "Hybrid"), ("Remote", "Remote")]

    name = models.CharField(max_length=200)
    external_name = models.CharField(max_length=200, blank=True)
    is_archived = models.BooleanField(default=False)
    country = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    locality = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    street_address = models.CharField(max_length=200, blank=True)
    workplace_type = models.CharField(max_length=10, choices=WORKPLACE_TYPES, default="OnSite")
    timezone = models.CharField(max_length=64, default="UTC")

    def __str__(self) -> str:
        return self.name


class User(Tracked):
    """An Ashby user (recruiter, interviewer, hiring manager)."""

    GLOBAL_ROLES = [
        ("Organization Admin", "Organization Admin"),
        ("Elevated Access", "Elevated Access"),
        ("Limited Access", "Limited Access"),
        ("External Recruiter", "External Recruiter"),
    ]

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField()
    global_role = models.CharField(max_length=30, choices=GLOBAL_ROLES, default="Limited Access")
    is_enabled = models.BooleanField(default=True)
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class InterviewPlan(Tracked):
    title = models.CharField(max_length=200)
    is_archived = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.title


class InterviewStage(Tracked):
    plan = models.ForeignKey(InterviewPlan, on_delete=models.CASCADE, related_name="stages")
    title = models.CharField(max_length=200)
    # Ashby's stage types; the spec names Lead, PreInterviewScreen, Offer and Archived.
    type = models.CharField(max_length=30)
    order = models.PositiveIntegerField()
    group_id = models.CharField(max_length=64, blank=True)

    class Meta(Tracked.Meta):
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="sandbox_stage_plan_order")
        ]

    def __str__(self) -> str:
        return self.title


class Job(Tracked):
    STATUSES = [
        ("Draft", "Draft"),
        ("Open", "Open"),
        ("Closed", "Closed"),
        ("Archived", "Archived"),
    ]
    EMPLOYMENT_TYPES = [
        ("FullTime", "Full time"),
        ("PartTime", "Part time"),
        ("Intern", "Intern"),
        ("Contract", "Contract"),
        ("Temporary", "Temporary"),
    ]

    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=STATUSES, default="Open")
    employment_type = models.CharField(max_length=10, choices=EMPLOYMENT_TYPES, default="FullTime")
    confidential = models.BooleanField(default=False)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.SET_NULL)
    interview_plan = models.ForeignKey(
        InterviewPlan, null=True, blank=True, on_delete=models.SET_NULL
    )
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    # [{"userId": "...", "role": "Hiring Manager"}]: small and always read whole.
    hiring_team = models.JSONField(default=list, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta(Tracked.Meta):
        indexes = [
            *Tracked.Meta.indexes,
            models.Index(fields=["status", "updated_seq"], name="sandbox_job_status_seq"),
        ]

    def __str__(self) -> str:
        return self.title


class Interview(Tracked):
    """An interview definition (not a scheduled event); `job` null means shared."""

    title = models.CharField(max_length=200)
    external_title = models.CharField(max_length=200, blank=True)
    is_archived = models.BooleanField(default=False)
    is_debrief = models.BooleanField(default=False)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.CASCADE)
    instructions = models.TextField(blank=True)
    duration_minutes = models.PositiveIntegerField(default=45)
    feedback_form_definition_id = models.UUIDField(default=uuid.uuid4)
    # The plan stage this interview is scheduled in (drives jobInterviewPlan.info activities).
    stage = models.ForeignKey(InterviewStage, null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.title


class Candidate(Tracked):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    position = models.CharField(max_length=200, blank=True)
    company = models.CharField(max_length=200, blank=True)
    school = models.CharField(max_length=200, blank=True)
    linkedin_url = models.URLField(blank=True)
    timezone = models.CharField(max_length=64, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=100, blank=True)
    location_id = models.UUIDField(null=True, blank=True)
    source = models.CharField(max_length=100, blank=True)
    # Denormalised: true when any application is for a confidential job, so the list can hide
    # the candidate from keys without the confidential toggle with an indexed filter.
    confidential = models.BooleanField(default=False)
    # Deleted and merged-away candidates stay as tombstones: lists omit them and an
    # incremental pass can never bring them back.
    is_deleted = models.BooleanField(default=False)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL)

    def __str__(self) -> str:
        return self.name


class Application(Tracked):
    STATUSES = [
        ("Hired", "Hired"),
        ("Archived", "Archived"),
        ("Active", "Active"),
        ("Lead", "Lead"),
    ]

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="applications")
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="applications")
    status = models.CharField(max_length=10, choices=STATUSES, default="Active")
    stage = models.ForeignKey(InterviewStage, on_delete=models.PROTECT)
    source = models.CharField(max_length=100, blank=True)
    credited_to = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    archive_reason = models.CharField(max_length=200, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    hired_at = models.DateTimeField(null=True, blank=True)
    is_deleted = models.BooleanField(default=False)

    class Meta(Tracked.Meta):
        indexes = [
            *Tracked.Meta.indexes,
            models.Index(fields=["job", "updated_seq"], name="sandbox_app_job_seq"),
            models.Index(fields=["status", "updated_seq"], name="sandbox_app_status_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} → {self.job_id}"


class InterviewSchedule(Tracked):
    STATUSES = [
        (s, s)
        for s in (
            "NeedsScheduling",
            "WaitingOnCandidateBooking",
            "WaitingOnCandidateAvailability",
            "CandidateAvailabilitySubmitted",
            "Scheduled",
            "WaitingOnFeedback",
            "Complete",
            "Cancelled",
            "OnHold",
            "Unknown",
        )
    ]

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="schedules")
    stage = models.ForeignKey(InterviewStage, on_delete=models.PROTECT)
    status = models.CharField(max_length=40, choices=STATUSES, default="Scheduled")
    scheduled_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta(Tracked.Meta):
        indexes = [
            *Tracked.Meta.indexes,
            models.Index(fields=["application", "updated_seq"], name="sandbox_sched_app_seq"),
            models.Index(fields=["stage", "updated_seq"], name="sandbox_sched_stage_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.status} schedule {self.id}"


class InterviewEvent(Tracked):
    schedule = models.ForeignKey(InterviewSchedule, on_delete=models.CASCADE, related_name="events")
    interview = models.ForeignKey(Interview, on_delete=models.PROTECT)
    start_time = models.DateTimeField()
    end_time = models.DateTimeField()
    # User ids as strings: always read whole, and resolved with one query per page.
    interviewer_ids = models.JSONField(default=list)
    location = models.CharField(max_length=200, blank=True)
    meeting_link = models.URLField(blank=True)
    has_submitted_feedback = models.BooleanField(default=False)

    class Meta(Tracked.Meta):
        indexes = [
            *Tracked.Meta.indexes,
            models.Index(fields=["schedule", "updated_seq"], name="sandbox_event_sched_seq"),
        ]

    def __str__(self) -> str:
        return f"event {self.id} at {self.start_time:%Y-%m-%d %H:%M}"


class ApiKey(models.Model):
    """An API key. Only a SHA-256 of the secret is stored; the secret is shown once."""

    PARTNERS = [
        ("", "None (custom integration)"),
        ("Guide", "Guide"),
        ("Greenhouse Sync", "Greenhouse Sync"),
        ("Merge", "Merge"),
        ("Zapier", "Zapier"),
    ]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = owner()
    title = models.CharField(max_length=200)
    partner = models.CharField(max_length=60, blank=True, choices=PARTNERS)
    key_hash = models.CharField(max_length=64, unique=True)
    key_hint = models.CharField(max_length=12)
    permissions = models.JSONField(default=list)
    allow_confidential = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # Per-key limits and fault injection (for tests and benchmarks).
    rate_limit_per_minute = models.PositiveIntegerField(null=True, blank=True)
    error_rate = models.FloatField(default=0.0)
    rate_limit_rate = models.FloatField(default=0.0)
    latency_ms = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.title} (…{self.key_hint})"


class Webhook(models.Model):
    """A webhook setting: one type, one URL, an optional secret."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = owner()
    name = models.CharField(max_length=200, blank=True)
    webhook_type = models.CharField(max_length=40)
    request_url = models.URLField(max_length=1000)
    # Needed in clear to sign deliveries; never rendered on a page after it is saved.
    secret_token = models.CharField(max_length=200, blank=True)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["webhook_type", "enabled"], name="sandbox_wh_type_on")]

    def __str__(self) -> str:
        return f"{self.name or self.webhook_type} → {self.request_url}"


class Delivery(models.Model):
    """The outbox: one webhook payload for one webhook, with its exact bytes and state."""

    PENDING, SUCCEEDED, FAILED, GAVE_UP = "pending", "succeeded", "failed", "gave_up"
    STATES = [
        (PENDING, "Pending"),
        (SUCCEEDED, "Succeeded"),
        (FAILED, "Failed, not retried"),
        (GAVE_UP, "Failed after the last retry"),
    ]

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    webhook_action_id = models.UUIDField()
    action = models.CharField(max_length=40)
    body = models.BinaryField()
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="sandbox_delivery_due")]

    def __str__(self) -> str:
        return f"{self.action} #{self.pk} ({self.state})"


class DeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery, as shown on the Webhooks page."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    attempted_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["delivery", "number"]
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="sandbox_attempt_number")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number}: {self.status_code or self.error}"


from ashby_sandbox.models_custom_fields import CandidateNote, CustomField, CustomFieldValue  # noqa: E402, F401
