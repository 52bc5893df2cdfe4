"""Forms of the staff pages. Every choice list is scoped to the tenant the form is built for,
so another tenant's job or stage is simply not a valid choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.core.validators import URLValidator
from django.forms import BaseModelFormSet, modelformset_factory

from guides.images import clean_image
from guides.models import GuideSettings, Interviewer, InterviewStage, Job
from tenants.models import Tenant

HTTP_URL = URLValidator(
    schemes=["http", "https"], message="Enter a web address starting with https://."
)
BIO_MAX = Interviewer._meta.get_field("bio").max_length
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_SIDE = 400  # pixels: sharp at the guide's largest avatar (96 CSS px) on a 4x screen


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


def _linkedin_field() -> forms.URLField:
    return _http_url_field("LinkedIn profile", "For example https://www.linkedin.com/in/name")


def _bio_field() -> forms.CharField:
    return forms.CharField(
        label="Short bio",
        required=False,
        max_length=BIO_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"A few sentences, at most {BIO_MAX} characters.",
    )


class ProfileFields(forms.Form):
    """What every profile form shares: the photo upload and the LinkedIn check."""

    photo = forms.FileField(
        label="Photo",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=(
            f"A JPEG, PNG or WebP photo of your face, at most {PHOTO_MAX_BYTES // 2**20} MB; "
            "it is cropped to a square and its metadata (location, camera) removed."
        ),
    )
    remove_photo = forms.BooleanField(label="Remove the current photo", required=False)

    def clean_photo(self):
        uploaded = self.cleaned_data.get("photo")
        if not uploaded:
            return None
        return clean_image(uploaded, max_bytes=PHOTO_MAX_BYTES, max_side=PHOTO_SIDE, square=True)

    def clean_linkedin_url(self) -> str:
        url = self.cleaned_data["linkedin_url"]
        host = (urlsplit(url).hostname or "").lower()
        if url and host != "linkedin.com" and not host.endswith(".linkedin.com"):
            raise forms.ValidationError("Enter a LinkedIn address (on linkedin.com).")
        return url


class InterviewerProfileForm(ProfileFields, forms.ModelForm):
    """The profile candidates see, edited by an admin. The ATS never writes these fields."""

    photo_url = _http_url_field(
        "Photo address", "Instead of an upload: a square image on the web, at least 128×128."
    )
    linkedin_url = _linkedin_field()
    bio = _bio_field()

    class Meta:
        model = Interviewer
        fields = ["display_name", "title", "photo_url", "pronouns", "bio", "linkedin_url"]
        labels = {"display_name": "Name shown to candidates", "title": "Job title"}
        help_texts = {"display_name": "Leave empty to use the name from your ATS."}

    field_order = ["display_name", "title", "photo", "remove_photo", "photo_url"]


class OwnProfileForm(ProfileFields, forms.ModelForm):
    """What an interviewer edits through their link: photo, title, pronouns, LinkedIn, bio."""

    linkedin_url = _linkedin_field()
    bio = _bio_field()

    class Meta:
        model = Interviewer
        fields = ["title", "pronouns", "linkedin_url", "bio"]
        labels = {"title": "Job title", "pronouns": "Pronouns"}
        help_texts = {
            "title": "As candidates should read it, e.g. Staff Engineer, Payments.",
            "pronouns": "Optional, e.g. she/her, he/him, they/them.",
        }

    field_order = ["photo", "remove_photo", "title", "pronouns", "linkedin_url", "bio"]


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


class GuideLanguageForm(forms.ModelForm):
    """The tenant's default language for candidates' guides."""

    class Meta:
        model = Tenant
        fields = ["guide_language"]
        labels = {"guide_language": "Default language of the candidates' guides"}
        help_texts = {
            "guide_language": "A candidate whose browser asks for a language Guide has "
            "(English, Español) reads their guide in it; everyone else reads it in this one."
        }
