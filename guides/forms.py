"""Forms of the staff pages. Every choice list is scoped to the tenant the form is built for,
so another tenant's job or stage is simply not a valid choice."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.core.validators import URLValidator
from django.forms import BaseModelFormSet, modelformset_factory

from guides.images import clean_image
from guides.models import Interviewer, InterviewStage, Job
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

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["job"].queryset = Job.objects.filter(tenant=tenant).order_by("title", "pk")
        stages = InterviewStage.objects.filter(tenant=tenant).select_related("plan")
        self.fields["stage"].queryset = stages.order_by("plan__title", "plan_id", "order", "pk")
        self.fields["stage"].label_from_instance = lambda s: f"{s.plan} · {s.title}"
        self.fields["job"].error_messages["invalid_choice"] = "That job is not one of yours."
        self.fields["stage"].error_messages["invalid_choice"] = "That stage is not one of yours."


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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Empty means "use the ATS's name": show that name as the placeholder.
        self.fields["candidate_title"].widget.attrs["placeholder"] = self.instance.title


StageTextFormSet: type[BaseModelFormSet] = modelformset_factory(
    InterviewStage, form=StageTextForm, extra=0, edit_only=True
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
