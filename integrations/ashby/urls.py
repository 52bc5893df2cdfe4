"""Ashby's pages. Included by integrations/urls.py (through the registry's URLCONF) under the
`integrations` namespace, so this module sets no app_name and the names stay
"integrations:connect", "integrations:webhooks", ..."""

from django.urls import path

from integrations.ashby.views import configure_webhooks, connect, write_back

urlpatterns = [
    path("settings/integrations/ashby/connect/", connect.connect, name="connect"),
    path("settings/integrations/ashby/disconnect/", connect.disconnect, name="disconnect"),
    path("settings/integrations/ashby/check/", connect.check, name="check"),
    path("settings/integrations/ashby/guide-link/", write_back.settings_page, name="write_back"),
    path(
        "settings/integrations/ashby/guide-link/retry/",
        write_back.retry_failed,
        name="write_back_retry",
    ),
    path(
        "settings/integrations/ashby/webhooks/", configure_webhooks.webhooks_page, name="webhooks"
    ),
    path(
        "settings/integrations/ashby/webhooks/status/",
        configure_webhooks.webhooks_status,
        name="webhooks_status",
    ),
    path(
        "settings/integrations/ashby/webhooks/<int:pk>/rotate/",
        configure_webhooks.rotate,
        name="webhooks_rotate",
    ),
    path(
        "settings/integrations/ashby/webhooks/deliveries/<int:pk>/replay/",
        configure_webhooks.replay,
        name="webhooks_replay",
    ),
    path(
        "settings/integrations/ashby/webhooks/create-in-ashby/",
        configure_webhooks.create_in_ashby,
        name="webhooks_create_in_ashby",
    ),
]
