"""Forms of the Integrations pages. The key field never renders a value back."""

from __future__ import annotations

from django import forms

from integrations.ashby.key_check import ConnectError, clean_api_key


class ConnectForm(forms.Form):
    api_key = forms.CharField(
        label="Ashby API Key",
        strip=True,
        required=False,  # clean_api_key says what is wrong, in words about API keys
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off"},
        ),
    )

    def clean_api_key(self) -> str:
        try:
            return clean_api_key(self.cleaned_data.get("api_key", ""))
        except ConnectError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


class DisconnectForm(forms.Form):
    delete_data = forms.BooleanField(
        required=False,
        label="Also delete the data synced from Ashby",
        help_text="Candidates, applications, jobs, interviews, interviewers (with the profiles "
        "written in Guide) and the candidates' guides. This cannot be undone.",
    )
