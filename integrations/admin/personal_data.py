"""Access and erasure on request, from the support console: for a tenant and an email address
or an ATS candidate id, what Guide holds about that person (counts on the page, everything in
one JSON download, audited), and "Erase now" with a confirmation page, for a request made
outside the ATS. Also the list of tenants' data erasures (offboarding) and their progress.

Every page needs the support action permission (the Support group has it): a person's data is
not for every staff user. The pages hang off the TenantErasure admin's URLs.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode

from integrations import erasure
from integrations.admin.base import CONFIRMED, SUPPORT_PERMISSION
from integrations.models import AuditEvent, TenantErasure
from integrations.tenant_erasure import latest_erasure
from tenants.admin_kit import ReadOnlyAdmin
from tenants.models import Tenant
from tenants.personal_data import Person, holders


class PersonForm(forms.Form):
    """Whose data: a tenant, and an email address or the ATS's candidate id."""

    tenant = forms.ModelChoiceField(
        Tenant.objects.order_by("name"),
        error_messages={"required": "Choose the tenant the request is about."},
    )
    who = forms.CharField(
        label="Email address or Ashby candidate id",
        max_length=254,
        error_messages={"required": "Type the person's email address or Ashby candidate id."},
    )

    def clean_who(self) -> str:
        who = self.cleaned_data["who"].strip()
        if "@" in who:
            try:
                validate_email(who)
            except forms.ValidationError:
                raise forms.ValidationError(
                    f"“{who}” is not a valid email address: check it, or use the Ashby "
                    "candidate id instead."
                ) from None
        elif len(who) > 64 or any(c.isspace() for c in who):
            raise forms.ValidationError(
                "An Ashby candidate id is one word of at most 64 characters (as in the "
                "candidate's Ashby URL); for a name, ask for their email address."
            )
        return who

    def person(self) -> Person:
        who = self.cleaned_data["who"]
        tenant = self.cleaned_data["tenant"]
        if "@" in who:
            return erasure.find_person(tenant, email=who)
        return erasure.find_person(tenant, candidate_id=who)


def _found(person: Person) -> list[tuple[str, int]]:
    """(holder, rows found) for every holder of the person's data."""
    return [(holder.label, len(holder.export(person))) for holder in holders()]


@admin.register(TenantErasure)
class TenantErasureAdmin(ReadOnlyAdmin):
    list_display = [
        "tenant",
        "status",
        "deleted_total",
        "current",
        "requested_by_name",
        "requested_at",
        "finished_at",
    ]
    list_filter = ["status"]
    list_select_related = ["tenant"]
    fields = list_display[:1] + [
        "status",
        "progress",
        "current",
        "error",
        "requested_by_name",
        "requested_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields

    def get_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("person/", view(self.person_view), name="integrations_person"),
            path("person/export/", view(self.export_view), name="integrations_person_export"),
            path("person/erase/", view(self.erase_view), name="integrations_person_erase"),
            *super().get_urls(),
        ]

    def _context(self, request: HttpRequest, **extra) -> dict:
        return {**self.admin_site.each_context(request), "opts": self.model._meta, **extra}

    def _bound_form(self, request: HttpRequest, data) -> PersonForm:
        if not request.user.has_perm(SUPPORT_PERMISSION):
            raise PermissionDenied
        return PersonForm(data if data.get("tenant") or data.get("who") else None)

    def _posted_form(self, request: HttpRequest) -> PersonForm | HttpResponse:
        """The valid form of a POST, or the answer: 403, 405, or back to the lookup."""
        form = self._bound_form(request, request.POST)
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        return form if form.is_valid() else _back(form)

    def person_view(self, request: HttpRequest) -> TemplateResponse:
        """The lookup: the form, then what is held (counts) with Download and Erase now."""
        form = self._bound_form(request, request.GET)
        found = None
        if form.is_bound and form.is_valid():
            found = _found(form.person())
        context = self._context(
            request, title="A person's data", form=form, found=found, held=_held(found)
        )
        return TemplateResponse(request, "admin/integrations/person.html", context)

    def export_view(self, request: HttpRequest) -> HttpResponse:
        """Everything held about the person as one JSON file (the request is audited)."""
        form = self._posted_form(request)
        if isinstance(form, HttpResponse):
            return form
        data = erasure.export_person(form.person(), user=request.user)
        name = f"guide-personal-data-{form.cleaned_data['tenant'].slug}-{timezone.now():%Y%m%d-%H%M}.json"
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False, default=str),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "no-store"
        return response

    def erase_view(self, request: HttpRequest) -> HttpResponse:
        """Erase now: a confirmation page first; only its POST (with the field) erases."""
        form = self._posted_form(request)
        if isinstance(form, HttpResponse):
            return form
        person = form.person()
        found = _found(person)
        if not _held(found):
            messages.warning(request, "Guide holds nothing about this person: nothing to erase.")
            return _back(form)
        if request.POST.get(CONFIRMED) != "yes":
            context = self._context(
                request, title="Erase this person's data?", form=form, found=found, person=person
            )
            return TemplateResponse(request, "admin/integrations/person_erase.html", context)
        report = erasure.erase_person(
            person,
            user=request.user,
            reason="erased on request, by support",
            source=AuditEvent.Source.ADMIN,
        )
        messages.success(request, f"Erased: {report.summary()}. The audit trail records it.")
        return _back(form)


def _held(found: list[tuple[str, int]] | None) -> int:
    return sum(n for _, n in found or [])


def _back(form: PersonForm) -> HttpResponse:
    """To the lookup page with the same request filled in."""
    query = {k: form.data.get(k, "") for k in ("tenant", "who")}
    return redirect(f"{reverse('admin:integrations_person')}?{urlencode(query)}")


def person_panel(tenant: Tenant, request: HttpRequest) -> str:
    """The tenant page's panel: look a person up in this tenant; the tenant's data erasure."""
    if not request.user.has_perm(SUPPORT_PERMISSION):
        return ""
    context = {"tenant": tenant, "erasure": latest_erasure(tenant)}
    return render_to_string("admin/integrations/person_panel.html", context, request)
