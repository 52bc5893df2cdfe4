"""Ashby's card on the Integrations page, and the Connect / Replace key / Disconnect flows.

The Connect dialog is a real <dialog> whose form posts to the full-page Connect form's URL,
so everything works with JavaScript off: the Connect button is a link to that page, and a
failed attempt from the dialog re-renders the Integrations page with the dialog open.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from guides.models import Candidate
from integrations.ashby import permissions as perms
from integrations.ashby.confidential import SETTING as CONFIDENTIAL_SETTING
from integrations.ashby.confidential import confidential_state
from integrations.ashby.connect import check_connection, connect_ashby, disconnect_ashby
from integrations.ashby.forms import ConnectForm, DisconnectForm
from integrations.ashby.key_check import ConnectError
from integrations.ashby.views.write_back import summary as write_back_summary
from integrations.models import AshbyConnection, WebhookDelivery
from integrations.tenant_erasure import active_erasure, latest_erasure
from tenants.tenancy import tenant_admin_required


def _connection(request: HttpRequest) -> AshbyConnection | None:
    return (
        AshbyConnection.objects.filter(tenant=request.tenant).select_related("connected_by").first()
    )


ERASING = (
    "Guide is still deleting the data it held for this tenant (see its progress on the "
    "Integrations page). Connect Ashby again once that has finished."
)


def _holds_data(tenant) -> bool:
    """Whether Guide still holds the tenant's synced data or deliveries (not connected)."""
    return (
        Candidate.objects.filter(tenant=tenant).exists()
        or WebhookDelivery.objects.filter(tenant=tenant).exists()
    )


def panel_context(request: HttpRequest, form: ConnectForm | None = None, **extra) -> dict:
    """What the Integrations page (integrations/views/pages.py) renders Ashby's card with."""
    connection = _connection(request)
    return {
        "erasure": latest_erasure(request.tenant),
        "holds_data": connection is None and _holds_data(request.tenant),
        "panel_template": "ashby/_card.html",
        "tenant": request.tenant,
        "connection": connection,
        "can_manage": request.membership.is_admin,
        "form": form if form is not None else ConnectForm(),
        "required_permissions": perms.REQUIRED,
        "optional_permissions": perms.OPTIONAL,
        "admin_path": perms.ADMIN_PATH,
        "confidential": confidential_state(request.tenant),
        "confidential_setting": CONFIDENTIAL_SETTING,
        "write_back": write_back_summary(request.tenant, connection),
        **extra,
    }


@tenant_admin_required
@require_http_methods(["GET", "POST"])
def connect(request: HttpRequest) -> HttpResponse:
    """Connect Ashby, or replace the key: the same check, then the key is stored."""
    form = ConnectForm(request.POST if request.method == "POST" else None)
    error = None
    if form.is_bound and active_erasure(request.tenant) is not None:
        form.add_error("api_key", ERASING)
    elif form.is_bound and form.is_valid():
        try:
            connect_ashby(request.tenant, api_key=form.cleaned_data["api_key"], user=request.user)
        except ConnectError as exc:
            error = exc
            form.add_error("api_key", exc.message)
        else:
            messages.success(request, "Ashby is linked. Guide is starting the first sync now.")
            return redirect("integrations:integrations")
    extra = {"connect_error": error, "dialog_open": form.is_bound}
    if request.POST.get("via") == "dialog":
        return render(
            request, "integrations/integrations.html", panel_context(request, form, **extra)
        )
    return render(request, "ashby/connect.html", panel_context(request, form, **extra))


@tenant_admin_required
@require_http_methods(["GET", "POST"])
def disconnect(request: HttpRequest) -> HttpResponse:
    """A confirmation page; on POST the stored key (and, if asked, the synced data) goes."""
    connection = get_object_or_404(AshbyConnection, tenant=request.tenant)
    form = DisconnectForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        disconnect_ashby(request.tenant, user=request.user, delete_data=form.delete_data)
        done = (
            ". Guide is deleting everything it holds for this tenant: the progress is below"
            if form.delete_data
            else "; the data stays"
        )
        messages.success(request, f"Ashby is disconnected: the stored API key was deleted{done}.")
        return redirect("integrations:integrations")
    return render(
        request,
        "ashby/disconnect.html",
        {"tenant": request.tenant, "connection": connection, "form": form},
    )


@tenant_admin_required
@require_POST
def check(request: HttpRequest) -> HttpResponse:
    """Check the stored key again (after fixing its permissions in Ashby)."""
    connection = get_object_or_404(AshbyConnection, tenant=request.tenant)
    try:
        connection = check_connection(connection)
    except ConnectError as exc:
        messages.error(request, exc.message)
    else:
        if connection.is_usable:
            messages.success(request, "Ashby accepts the key: the connection works.")
        else:
            messages.warning(request, "The key still needs attention: see below.")
    return redirect("integrations:integrations")
