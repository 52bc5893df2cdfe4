"""The sandbox's admin forms, with the field names and order of Ashby's own pages."""

from __future__ import annotations

import datetime as dt

from django import forms

from ashby_sandbox.keys import ALL_PERMISSIONS
from ashby_sandbox.models import ApiKey, Job
from ashby_sandbox.webhook_types import WEBHOOK_TYPE_LABELS


class ApiKeyForm(forms.Form):
    title = forms.CharField(label="Name", max_length=200)
    partner = forms.ChoiceField(
        label="Integration Partner", choices=ApiKey.PARTNERS, required=False
    )
    permissions = forms.MultipleChoiceField(
        choices=[(p, p) for p in ALL_PERMISSIONS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    allow_confidential = forms.BooleanField(
        label="Allow access to confidential jobs and projects", required=False
    )


class WebhookForm(forms.Form):
    """New Webhook: Name, URL, Secret, Event, Enabled (in that order, as Ashby shows them)."""

    name = forms.CharField(label="Name", max_length=200, required=False)
    request_url = forms.CharField(label="URL", max_length=1000)
    secret_token = forms.CharField(
        label="Secret",
        max_length=200,
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Used to sign every request (Ashby-Signature). Optional, strongly encouraged.",
    )
    webhook_type = forms.ChoiceField(label="Event", choices=list(WEBHOOK_TYPE_LABELS.items()))
    enabled = forms.BooleanField(label="Enabled", required=False, initial=True)


class ActivityForm(forms.Form):
    """Every input any operation of the Activity page may need; each operation checks its own."""

    operation = forms.CharField()
    application_id = forms.UUIDField(required=False)
    schedule_id = forms.UUIDField(required=False)
    candidate_id = forms.UUIDField(required=False)
    other_candidate_id = forms.UUIDField(required=False)
    job_id = forms.UUIDField(required=False)
    name = forms.CharField(required=False, max_length=200)
    email = forms.EmailField(required=False)
    timezone = forms.CharField(required=False, max_length=64)
    start = forms.DateTimeField(
        required=False, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
    )
    meeting_link = forms.URLField(required=False, assume_scheme="https")
    location = forms.CharField(required=False, max_length=200)
    reason = forms.CharField(required=False, max_length=200)
    title = forms.CharField(required=False, max_length=200)
    status = forms.ChoiceField(required=False, choices=[("", "—"), *Job.STATUSES])

    def clean_start(self) -> dt.datetime | None:
        start = self.cleaned_data.get("start")
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=dt.UTC)
        return start
