from django.urls import path

from integrations.views import connect, sync

app_name = "integrations"

urlpatterns = [
    path("settings/integrations/", connect.integrations_page, name="integrations"),
    path("settings/integrations/ashby/connect/", connect.connect, name="connect"),
    path("settings/integrations/ashby/disconnect/", connect.disconnect, name="disconnect"),
    path("settings/integrations/ashby/check/", connect.check, name="check"),
    path("settings/integrations/ashby/sync/", sync.sync_now, name="sync_now"),
    path("settings/integrations/ashby/sync/status/", sync.sync_status_json, name="sync_status"),
]
