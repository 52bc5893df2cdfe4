"""Custom fields, their values on candidates, and notes on candidates: what customField.list,
customField.setValue and candidate.createNote read and write (ashby_sandbox/api_write.py)."""

from __future__ import annotations

import uuid

from django.db import models

from ashby_sandbox.organisations import ScopedManager, owner


class CustomField(models.Model):
    """A custom field definition ([SPEC] customField.info's results)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = owner()
    title = models.CharField(max_length=200)
    object_type = models.CharField(max_length=20, default="Candidate")
    field_type = models.CharField(max_length=20, default="String")
    is_archived = models.BooleanField(default=False)
    is_private = models.BooleanField(default=False)
    is_required = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.title} ({self.object_type}, {self.field_type})"


class CustomFieldValue(models.Model):
    """One field's value on one object (a candidate here)."""

    organization = owner()
    field = models.ForeignKey(CustomField, on_delete=models.CASCADE, related_name="values")
    object_id = models.UUIDField()
    value = models.JSONField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["field", "object_id"], name="sbx_cfv_one_per_object")
        ]

    def __str__(self) -> str:
        return f"{self.field.title} = {self.value}"


class CandidateNote(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = owner()
    candidate = models.ForeignKey("ashby_sandbox.Candidate", on_delete=models.CASCADE)
    content = models.TextField()
    content_type = models.CharField(max_length=20, default="text/plain")
    is_private = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    objects = ScopedManager()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.content[:60]
