"""Forms of the Settings pages (what every candidate's guide shows). Each field says what is
wrong and what to do; nothing is saved unless the whole form is valid."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from guides.colors import HEX_COLOR, MIN_CONTRAST, contrast_with_white, darker_shade
from guides.images import clean_image
from guides.models import Guide, GuideSettings, Interview
from guides.models_guide_settings import TEXT_MAX
from tenants.models import Tenant

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 600  # shown 40 px tall; enough for a sharp logo on any screen
LOGO_MIN_SIDE = 16
STAGE_TITLE_MAX = 255
STAGE_TEXT_MAX = 4000


def clean_brand_color(raw: str) -> str:
    """A #rrggbb colour readable against white, or a ValidationError saying how to fix it."""
    value = (raw or "").strip().lower()
    if value and not value.startswith("#"):
        value = "#" + value
    if len(value) == 4 and HEX_COLOR.match("#" + "".join(c * 2 for c in value[1:])):
        value = "#" + "".join(c * 2 for c in value[1:])  # #abc -> #aabbcc
    if not HEX_COLOR.match(value):
        raise ValidationError(
            "Enter a colour as # and six hexadecimal digits, such as #4f46e5.", code="format"
        )
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            "%(color)s has a contrast of %(ratio).1f:1 against white; text in it needs at least "
            "%(min).1f:1 to be readable (WCAG AA). Choose a darker colour, such as %(darker)s.",
            code="contrast",
            params={
                "color": value,
                "ratio": ratio,
                "min": MIN_CONTRAST,
                "darker": darker_shade(value),
            },
        )
    return value


class PreviewChoiceMixin:
    """A `preview_guide` field: the real candidate whose guide a preview shows."""

    def add_preview_field(self, tenant: Tenant) -> None:
        guides = Guide.objects.filter(tenant=tenant).select_related("candidate")
        self.fields["preview_guide"] = forms.ModelChoiceField(
            queryset=guides.order_by("-updated_at", "-pk"),
            required=False,
            label="Preview with the guide of",
            empty_label="The latest candidate in progress",
            error_messages={"invalid_choice": "That candidate is not one of yours."},
        )
        self.fields["preview_guide"].label_from_instance = lambda g: g.candidate.name


class BrandForm(PreviewChoiceMixin, forms.Form):
    brand_color = forms.CharField(
        label="Brand colour",
        max_length=20,
        help_text="Buttons, headings' borders and the page header use it; it must be readable "
        "against white (contrast of 4.5:1 or more).",
        widget=forms.TextInput(attrs={"placeholder": "#4f46e5", "spellcheck": "false"}),
    )
    logo = forms.FileField(
        label="Logo",
        required=False,
        help_text=f"A PNG, JPEG or WebP image of at most {filesizeformat(LOGO_MAX_BYTES)}; "
        f"shown 40 pixels tall. Its metadata is removed.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label="Remove the current logo", required=False)

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_preview_field(tenant)

    def clean_brand_color(self) -> str:
        return clean_brand_color(self.cleaned_data["brand_color"])

    def clean_logo(self):
        uploaded = self.cleaned_data.get("logo")
        if not uploaded:
            return None
        return clean_image(
            uploaded, max_bytes=LOGO_MAX_BYTES, max_side=LOGO_MAX_SIDE, min_side=LOGO_MIN_SIDE
        )

    def clean(self):
        data = super().clean()
        if data.get("logo") and data.get("remove_logo"):
            self.add_error(
                "remove_logo", "Either upload a new logo or remove the current one, not both."
            )
        return data


def _text_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX,
        help_text=f"{help_text} At most {TEXT_MAX} characters.",
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class TextsForm(PreviewChoiceMixin, forms.ModelForm):
    company_intro = _text_field(
        "Company introduction", "Shown on every guide in progress, after the interviews."
    )
    what_to_expect = _text_field(
        "What to expect", "How your process works: its length, who the candidate meets, tips."
    )
    archived_message = _text_field(
        "When an application is closed",
        "Shown when Ashby archives the application. Empty: a neutral 'This process is closed' "
        "and the recruiter's contact; the archive reason is never shown.",
    )
    hired_message = _text_field(
        "When the candidate is hired", "Empty: a short congratulation and welcome."
    )
    preview_as = forms.ChoiceField(
        label="Show the candidate's guide as",
        required=False,
        choices=[("", "It is now"), ("archived", "Closed (archived)"), ("hired", "Hired")],
    )

    class Meta:
        model = GuideSettings
        fields = ["company_intro", "what_to_expect", "archived_message", "hired_message"]

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_preview_field(tenant)


class InterviewsForm(PreviewChoiceMixin, forms.Form):
    hidden = forms.ModelMultipleChoiceField(
        queryset=Interview.objects.none(),
        required=False,
        label="Hidden from candidates",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "That interview kind is not one of yours."},
    )

    def __init__(self, *args, tenant: Tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        kinds = Interview.objects.filter(tenant=tenant).order_by("is_archived", "title", "pk")
        self.fields["hidden"].queryset = kinds
        self.fields["hidden"].label_from_instance = lambda i: (
            i.title + (" (archived in your ATS)" if i.is_archived else "")
        )
        self.add_preview_field(tenant)


class StageTextsForm(PreviewChoiceMixin, forms.Form):
    """One group of fields per stage name used in the tenant's interview plans."""

    def __init__(self, *args, tenant: Tenant, stage_names: list, saved: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.stage_names = stage_names
        for name in stage_names:
            text = saved.get(name.key) or {}
            self.fields[f"{name.field}-title"] = forms.CharField(
                label="Name shown to candidates",
                required=False,
                max_length=STAGE_TITLE_MAX,
                initial=text.get("title", ""),
                widget=forms.TextInput(attrs={"placeholder": name.title}),
            )
            self.fields[f"{name.field}-description"] = forms.CharField(
                label="Description",
                required=False,
                max_length=STAGE_TEXT_MAX,
                initial=text.get("description", ""),
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"{name.field}-hidden"] = forms.BooleanField(
                label="Hide this stage from candidates",
                required=False,
                initial=bool(text.get("hidden")),
            )
        self.add_preview_field(tenant)

    def groups(self) -> list[tuple]:
        """(stage name, its title field, description field, hidden field) for the template."""
        return [
            (n, self[f"{n.field}-title"], self[f"{n.field}-description"], self[f"{n.field}-hidden"])
            for n in self.stage_names
        ]

    def texts(self) -> dict[str, dict]:
        """The stage texts the form holds, by stage key; names left blank are dropped."""
        texts = {}
        for name in self.stage_names:
            entry = {
                "title": self.cleaned_data[f"{name.field}-title"].strip(),
                "description": self.cleaned_data[f"{name.field}-description"].strip(),
                "hidden": self.cleaned_data[f"{name.field}-hidden"],
            }
            if any(entry.values()):
                texts[name.key] = entry
        return texts
