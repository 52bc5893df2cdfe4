"""The guide link on the candidate's Ashby profile: the admin's settings page (off by default;
offered only when the key has Candidates write) and the panel's summary. The writing itself:
integrations/ashby/write_back.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from integrations.ashby import errors
from integrations.ashby import permissions as perms
from integrations.ashby import write_back as wb
from integrations.ashby.client import INTERACTIVE_RETRY, AshbyClient
from integrations.models import AshbyConnection
from tenants.tenancy import tenant_admin_required

OFF = "off"


def summary(tenant, connection: AshbyConnection | None) -> dict:
    """What the Integrations panel says about write-back (None when it cannot be offered)."""
    if connection is None or not perms.can_write_guide_links(connection.permissions):
        return {"offered": False}
    on = wb.is_on(connection)
    return {
        "offered": True,
        "on": on,
        "target": wb.target_label(connection) if on else "",
        "counts": wb.counts(tenant),
    }


def _fields(connection: AshbyConnection) -> tuple[list[dict], str]:
    """The Candidate String/LongText fields, or [] and why none can be listed."""
    client = AshbyClient(
        connection.api_key, retry=INTERACTIVE_RETRY, tenant_id=connection.tenant_id
    )
    try:
        return wb.candidate_fields(client), ""
    except errors.MissingPermission:
        return [], (
            "Guide cannot list your custom fields: the key lacks Hiring Process Metadata read. "
            + perms.how_to_enable("hiringProcessMetadataRead")
            + " Until then Guide can write the link as a note on the candidate."
        )
    except errors.AshbyError as exc:
        return [], f"Ashby did not list the custom fields just now ({exc.message}). Try again."


class WriteBackForm(forms.Form):
    target = forms.ChoiceField(
        label="Write each candidate's guide link into", widget=forms.RadioSelect
    )

    def __init__(self, *args, fields: list[dict], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.titles = {f["id"]: f["title"] for f in fields}
        self.fields["target"].choices = [
            (OFF, "Nothing: Guide writes nothing to Ashby (the default)"),
            *[(f["id"], f"The custom field “{f['title']}”") for f in fields],
            (
                AshbyConnection.NOTE,
                "A note on the candidate (a new note each time the link changes)",
            ),
        ]
        self.fields["target"].error_messages["invalid_choice"] = (
            "Pick one of the listed places: that custom field is not a Candidate text field "
            "Ashby lists any more."
        )


def _save(connection: AshbyConnection, form: WriteBackForm) -> str:
    target = form.cleaned_data["target"]
    connection.guide_link_target = "" if target == OFF else target
    connection.guide_link_field_title = form.titles.get(target, "")
    connection.save(update_fields=["guide_link_target", "guide_link_field_title", "updated_at"])
    if target == OFF:
        return "Guide no longer writes guide links to Ashby. Links already written stay there."
    return (
        f"Guide writes each candidate's guide link into {wb.target_label(connection)}, "
        "within a few minutes."
    )


@tenant_admin_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    connection = get_object_or_404(AshbyConnection, tenant=request.tenant)
    if not perms.can_write_guide_links(connection.permissions):
        messages.error(
            request, "The key lacks Candidates write. " + perms.how_to_enable("candidatesWrite")
        )
        return redirect("integrations:integrations")
    fields, fields_error = _fields(connection)
    initial = {"target": connection.guide_link_target or OFF}
    form = WriteBackForm(request.POST or None, fields=fields, initial=initial)
    if form.is_bound and form.is_valid():
        messages.success(request, _save(connection, form))
        return redirect("integrations:integrations")
    context = {"tenant": request.tenant, "form": form, "fields_error": fields_error}
    return render(request, "ashby/write_back.html", context)


@tenant_admin_required
@require_POST
def retry_failed(request: HttpRequest) -> HttpResponse:
    count = wb.retry_failed(request.tenant)
    messages.success(
        request, f"Guide tries the {count} failed guide link(s) again within a few minutes."
    )
    return redirect("integrations:integrations")
