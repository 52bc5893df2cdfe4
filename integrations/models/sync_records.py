"""Sync runs and per-resource sync state of a tenant's Ashby connection."""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone

__all__ = ["SyncRun", "SyncSeen", "SyncState"]


class SyncRun(models.Model):
    """One sync of a connection: what was asked, how far it got, what went wrong.

    At most one run per connection is queued or running (a partial unique constraint), which
    is what keeps two syncs of one tenant from ever running at once. A running run writes
    `heartbeat_at` after every page; one whose heartbeat stopped (its worker was killed) is
    marked failed by the next request, so no run stays "running" forever.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    connection = models.ForeignKey(
        "integrations.AshbyConnection", on_delete=models.CASCADE, related_name="sync_runs"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    full = models.BooleanField(
        "full sync", default=False, help_text="A full pass of every resource."
    )
    reason = models.CharField(max_length=200, blank=True)
    requested_at = models.DateTimeField("requested", default=timezone.now)
    started_at = models.DateTimeField("started", null=True, blank=True)
    finished_at = models.DateTimeField("finished", null=True, blank=True)
    heartbeat_at = models.DateTimeField("last heartbeat", null=True, blank=True)
    current_resource = models.CharField(max_length=40, blank=True)
    # {resource: {"fetched", "created", "updated", "deleted", "skipped", "pages", "error"}}
    progress = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    task_id = models.CharField("task id", max_length=64, blank=True)
    # A run is worked on in slices (integrations/sync_runs.py): `in_slice` is false only while
    # a running run waits in the queue for its next slice; `slices` is how many it began;
    # `checkpoint` is the engine's state between them.
    in_slice = models.BooleanField("in a slice", default=True)
    slices = models.PositiveIntegerField(default=0)
    checkpoint = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_sync_per_connection",
            )
        ]
        indexes = [models.Index(fields=["connection", "-requested_at"])]

    def __str__(self) -> str:
        return f"Sync {self.pk} of connection {self.connection_id} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    def is_stale(self, after: timedelta, now=None) -> bool:
        """Whether this active run stopped showing signs of life `after` ago."""
        last = self.heartbeat_at or self.started_at or self.requested_at
        return self.is_active and last < (now or timezone.now()) - after

    @property
    def duration(self) -> timedelta | None:
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None

    def total(self, key: str) -> int:
        return sum(int(counts.get(key) or 0) for counts in self.progress.values())


class SyncState(models.Model):
    """Where the incremental sync of one resource stands for a connection.

    `sync_token` is Ashby's opaque incremental-sync token. It is not a credential, but it is
    kept out of `repr`, logs and pages all the same.
    """

    connection = models.ForeignKey(
        "integrations.AshbyConnection", on_delete=models.CASCADE, related_name="sync_states"
    )
    resource = models.CharField(max_length=40)
    sync_token = models.TextField(blank=True)
    last_full_sync_at = models.DateTimeField("last full sync", null=True, blank=True)
    last_synced_at = models.DateTimeField("last sync", null=True, blank=True)
    # A pass under way, saved with every page it stored, so the next slice (or, after a
    # crash, the next run) resumes it: where to go on from (the next page's cursor; for the
    # stages, the last plan done), whether it is a full pass, and the run whose SyncSeen
    # rows it has written. An empty `cursor`: no pass under way.
    cursor = models.TextField(blank=True)
    pass_full = models.BooleanField(default=False)
    pass_run = models.ForeignKey(
        SyncRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "resource"], name="one_sync_state_per_resource"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resource} of connection {self.connection_id}"

    def __repr__(self) -> str:
        return f"<SyncState {self.resource} connection={self.connection_id} token={'set' if self.sync_token else 'none'}>"

    def forget_pass(self) -> None:
        """No pass under way any more (saved by the caller)."""
        self.cursor, self.pass_full, self.pass_run = "", False, None


class SyncSeen(models.Model):
    """The external ids a full pass of a resource has seen so far, on disk not in memory.

    After the pass, records of that resource missing here are the ones Ashby no longer
    returns; the rows are dropped when the pass ends (and with their run).
    """

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="+")
    resource = models.CharField(max_length=40)
    external_id = models.CharField("ATS id", max_length=64)

    class Meta:
        verbose_name = "id seen by a full sync"
        verbose_name_plural = "ids seen by full syncs"
        indexes = [models.Index(fields=["run", "resource", "external_id"])]

    def __str__(self) -> str:
        return f"{self.resource} {self.external_id} seen by run {self.run_id}"
