from __future__ import annotations

from django import forms

from emails.models import EmailSettings
from emails.tokens import TOKENS, TemplateError, check_template
from guides.models import Guide, Job


class EmailSettingsForm(forms.ModelForm):
    guide_link_job_ids = forms.ModelMultipleChoiceField(
        queryset=Job.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Jobs that send the guide link",
    )

    class Meta:
        model = EmailSettings
        fields = [
            "from_name",
            "reply_to",
            "reply_to_address",
            "reminder_hours",
            "guide_link_trigger",
            "guide_link_jobs",
            "email_archived",
        ]
        widgets = {"reply_to": forms.RadioSelect, "guide_link_jobs": forms.RadioSelect}

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        jobs = (
            Job.objects.filter(tenant=tenant)
            .exclude(status=Job.Status.ARCHIVED)
            .order_by("title", "pk")
        )
        self.fields["guide_link_job_ids"].queryset = jobs
        self.fields[
            "reminder_hours"
        ].help_text = "One email per candidate per interview day, listing that day's interviews, with a calendar file."

    def clean(self):
        data = super().clean()
        if data.get("reply_to") == EmailSettings.ReplyTo.ADDRESS and not data.get(
            "reply_to_address"
        ):
            self.add_error(
                "reply_to_address",
                "Give the address replies go to, or let replies go to the recruiter.",
            )
        return data


class TemplateForm(forms.Form):
    subject = forms.CharField(max_length=200)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 14}), max_length=10000)

    def clean(self):
        data = super().clean()
        if "subject" in data and "body" in data:
            try:
                check_template(data["subject"], data["body"])
            except TemplateError as exc:
                raise forms.ValidationError(str(exc))
        return data


class PreviewForm(forms.Form):
    guide = forms.ModelChoiceField(
        queryset=Guide.objects.none(), label="Preview for", required=False
    )

    def __init__(self, *args, tenant, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["guide"].queryset = (
            Guide.objects.filter(tenant=tenant)
            .select_related("candidate")
            .order_by("-updated_at", "pk")[:200]
        )
        self.fields["guide"].label_from_instance = lambda g: g.candidate.name


TOKEN_HELP = TOKENS
