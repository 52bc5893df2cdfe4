from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from guides import views as guide_views

urlpatterns = [
    path("", guide_views.home, name="home"),
    path("healthz", guide_views.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("integrations.urls")),
    path("", include("guides.urls")),
]

if settings.ASHBY_SANDBOX:
    urlpatterns.insert(0, path("sandbox/ashby/", include("ashby_sandbox.urls")))
