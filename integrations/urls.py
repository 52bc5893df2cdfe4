from django.urls import path

from integrations.views import connect, receiver, sync, webhooks

app_name = "integrations"

urlpatterns = [
    # First: Ashby's deliveries are the most frequent request, and URLs are tried in order.
    path("webhooks/ashby/<str:token>/", receiver.receive, name="receiver"),
    path("settings/integrations/", connect.integrations_page, name="integrations"),
    path("settings/integrations/ashby/connect/", connect.connect, name="connect"),
    path("settings/integrations/ashby/disconnect/", connect.disconnect, name="disconnect"),
    path("settings/integrations/ashby/check/", connect.check, name="check"),
    path("settings/integrations/ashby/sync/", sync.sync_now, name="sync_now"),
    path("settings/integrations/ashby/sync/status/", sync.sync_status_json, name="sync_status"),
    path("settings/integrations/ashby/webhooks/", webhooks.webhooks_page, name="webhooks"),
    path(
        "settings/integrations/ashby/webhooks/status/",
        webhooks.webhooks_status,
        name="webhooks_status",
    ),
    path(
        "settings/integrations/ashby/webhooks/<int:pk>/rotate/",
        webhooks.rotate,
        name="webhooks_rotate",
    ),
    path(
        "settings/integrations/ashby/webhooks/deliveries/<int:pk>/replay/",
        webhooks.replay,
        name="webhooks_replay",
    ),
    path(
        "settings/integrations/ashby/webhooks/create-in-ashby/",
        webhooks.create_in_ashby,
        name="webhooks_create_in_ashby",
    ),
]
