"""A staff user's own console settings: "Your time zone" (linked from the admin's user tools).

Every staff user may set their own zone, and only their own; superusers also see the list of
everyone's profiles. The zone is an IANA name, checked: a typo gets a clear error, never a
stack trace.
"""

from __future__ import annotations

import zoneinfo

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from tenants.console_format import console_zone, format_moment
from tenants.models import StaffProfile


class TimeZoneForm(forms.ModelForm):
    class Meta:
        model = StaffProfile
        fields = ["time_zone"]
        widgets = {"time_zone": forms.TextInput(attrs={"list": "time-zones", "size": 40})}

    def clean_time_zone(self) -> str:
        return self.cleaned_data["time_zone"].strip()


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "time_zone"]
    search_fields = ["user__username", "time_zone"]
    list_select_related = ["user"]
    raw_id_fields = ["user"]

    def get_urls(self) -> list:
        mine = path(
            "time-zone/",
            self.admin_site.admin_view(self.time_zone_view),
            name="tenants_staffprofile_mine",
        )
        return [mine, *super().get_urls()]

    def time_zone_view(self, request: HttpRequest) -> HttpResponse:
        """The signed-in staff user's own zone (admin_view lets only staff in)."""
        profile = StaffProfile.objects.filter(user=request.user).first()
        profile = profile or StaffProfile(user=request.user)
        form = TimeZoneForm(request.POST or None, instance=profile)
        if request.method == "POST" and form.is_valid():
            form.save()
            chosen = form.instance.time_zone
            text = (
                f"Times in the console now show in {chosen}."
                if chosen
                else ("No time zone set: a tenant's pages show the tenant's zone, others UTC.")
            )
            messages.success(request, text)
            return redirect("admin:tenants_staffprofile_mine")
        zone = console_zone(request)
        context = {
            **self.admin_site.each_context(request),
            "title": "Your time zone",
            "form": form,
            "zones": sorted(zoneinfo.available_timezones()),
            "now_there": format_moment(timezone.now(), zone),
            "zone_in_effect": zone,
            "opts": self.opts,
        }
        return TemplateResponse(request, "admin/tenants/staffprofile/time_zone.html", context)
