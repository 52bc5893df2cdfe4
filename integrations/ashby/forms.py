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
    KEEP, DELETE = "keep", "delete"
    data = forms.ChoiceField(
        label="What happens to the data Guide holds",
        choices=[
            (
                KEEP,
                "Keep the data: candidates, jobs, guides and webhook deliveries stay, and stop "
                "updating.",
            ),
            (
                DELETE,
                "Delete everything Guide holds for this tenant: candidates, applications, jobs, "
                "interviews, interviewers (with the profiles written in Guide), the candidates' "
                "guides, webhook deliveries and webhook URLs. Only the audit trail stays. This "
                "cannot be undone.",
            ),
        ],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether Guide keeps the data or deletes everything it holds.",
            "invalid_choice": "Choose one of the two options: keep the data, or delete it all.",
        },
    )

    @property
    def delete_data(self) -> bool:
        return self.cleaned_data.get("data") == self.DELETE
