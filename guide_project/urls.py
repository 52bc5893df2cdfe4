from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from guides import views as guide_views
from integrations.views import metrics as metrics_views
from tenants import views as tenant_views

urlpatterns = [
    path("", guide_views.home, name="home"),
    path("healthz", tenant_views.healthz, name="healthz"),
    path("metrics", metrics_views.metrics, name="metrics"),
    path("accounts/", include("django.contrib.auth.urls")),
    # Tenant and Membership moved from the guides app to tenants: old console links still work.
    re_path(
        r"^admin/guides/(?P<model>tenant|membership)/(?P<rest>.*)$",
        RedirectView.as_view(url="/admin/tenants/%(model)s/%(rest)s", query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("", include("integrations.urls")),
    path("", include("guides.urls")),
    path("", include("emails.urls")),
]

if settings.ASHBY_SANDBOX:
    from ashby_sandbox.admin import site as sandbox_admin_site

    # The sandbox's tables: an admin site of its own, never in the support console.
    urlpatterns[:0] = [
        path("sandbox/ashby/admin/", sandbox_admin_site.urls),
        path("sandbox/ashby/", include("ashby_sandbox.urls")),
    ]
