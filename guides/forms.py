"""Forms of the staff pages. Every choice list is scoped to the tenant the form is built for,
so another tenant's job or stage is simply not a valid choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.core.validators import URLValidator
from django.forms import BaseModelFormSet, modelformset_factory

from guides.models import GuideSettings, Interviewer, InterviewStage, Job
from tenants.models import Tenant

HTTP_URL = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with https://."
)
BIO_MAX = Interviewer._meta.get_field("bio").max_length


class GuideFilterForm(forms.Form):
    q = forms.CharField(
        label="Search by candidate name or email", required=False, max_length=200, strip=True
    )
    job = forms.ModelChoiceField(
        queryset=Job.objects.none(), required=False, empty_label="All jobs"
    )
    stage = forms.ModelChoiceField(
        queryset=InterviewStage.objects.none(), required=False, empty_label="All stages"
    )
    opened = forms.ChoiceField(
        label="Opened by the candidate",
        required=False,
        choices=[("", "Opened or not"), ("yes", "Opened"), ("no", "Not opened yet")],
        error_messages={"invalid_choice": "Choose Opened or Not opened yet."},
    )

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["job"].queryset = Job.objects.filter(tenant=tenant).order_by("title", "pk")
        self.fields["stage"].queryset = InterviewStage.objects.filter(tenant=tenant)
        self.fields["stage"].choices = self._stages_by_job(tenant)
        self.fields["job"].error_messages["invalid_choice"] = "That job is not one of yours."
        self.fields["stage"].error_messages["invalid_choice"] = "That stage is not one of yours."

    def _stages_by_job(self, tenant: Tenant) -> list:
        """The stage choices grouped under each job (a plan shared by jobs appears under each);
        only the chosen job's group when the search names a job. Two queries."""
        jobs = Job.objects.filter(tenant=tenant, interview_plan__isnull=False)
        chosen = str(self.data.get("job", "")) if self.is_bound else ""
        if chosen.isdigit():
            jobs = jobs.filter(pk=int(chosen))
        jobs = list(jobs.order_by("title", "pk"))
        stages: dict[int, list] = {}
        plan_ids = {job.interview_plan_id for job in jobs}
        for stage in InterviewStage.objects.filter(tenant=tenant, plan_id__in=plan_ids).order_by(
            "order", "pk"
        ):
            stages.setdefault(stage.plan_id, []).append((stage.pk, stage.title))
        groups = [
            (job.title, stages[job.interview_plan_id])
            for job in jobs
            if job.interview_plan_id in stages
        ]
        return [("", "All stages"), *groups]


class SearchForm(forms.Form):
    q = forms.CharField(label="Search by name or email", required=False, max_length=200)


class HttpURLField(forms.URLField):
    """A URL that must be http(s): no javascript:, data: or ftp: address reaches a page."""

    default_validators = [HTTP_URL]
    default_error_messages = {"invalid": HTTP_URL.message}


def _http_url_field(label: str, help_text: str) -> forms.URLField:
    return HttpURLField(
        label=label, required=False, max_length=200, assume_scheme="https", help_text=help_text
    )


class InterviewerProfileForm(forms.ModelForm):
    """The profile candidates see. The ATS never writes these fields."""

    photo_url = _http_url_field("Photo URL", "A square image, at least 128×128 pixels.")
    linkedin_url = _http_url_field(
        "LinkedIn profile", "For example https://www.linkedin.com/in/name"
    )
    bio = forms.CharField(
        label="Short bio",
        required=False,
        max_length=BIO_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"A few sentences, at most {BIO_MAX} characters.",
    )

    class Meta:
        model = Interviewer
        fields = ["display_name", "title", "photo_url", "pronouns", "bio", "linkedin_url"]
        labels = {"display_name": "Name shown to candidates", "title": "Job title"}
        help_texts = {"display_name": "Leave empty to use the name from your ATS."}

    def clean_linkedin_url(self) -> str:
        url = self.cleaned_data["linkedin_url"]
        host = (urlsplit(url).hostname or "").lower()
        if url and host != "linkedin.com" and not host.endswith(".linkedin.com"):
            raise forms.ValidationError("Enter a LinkedIn address (on linkedin.com).")
        return url


class StageTextForm(forms.ModelForm):
    class Meta:
        model = InterviewStage
        fields = ["candidate_title", "what_to_expect"]
        labels = {"candidate_title": "Name shown to candidates", "what_to_expect": "What to expect"}
        widgets = {"what_to_expect": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, defaults: dict | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Empty means "use the tenant's text for this stage name (Settings > Guide > Stages),
        # else the ATS's name": show what would apply as the placeholder.
        defaults = defaults or {}
        title = defaults.get("title") or self.instance.title
        self.fields["candidate_title"].widget.attrs["placeholder"] = title
        if defaults.get("description"):
            self.fields["what_to_expect"].widget.attrs["placeholder"] = defaults["description"]


class StageTextBaseFormSet(BaseModelFormSet):
    """Each stage's form knows the tenant's texts for its name (the placeholders)."""

    def __init__(self, *args, texts: GuideSettings | None = None, **kwargs) -> None:
        self.texts = texts
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        stages = self.get_queryset()
        if self.texts is not None and index is not None and index < len(stages):
            kwargs["defaults"] = self.texts.stage_text(stages[index].title)
        return kwargs


StageTextFormSet: type[BaseModelFormSet] = modelformset_factory(
    InterviewStage, form=StageTextForm, formset=StageTextBaseFormSet, extra=0, edit_only=True
)
