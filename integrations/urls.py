from django.urls import path

from integrations.views import connect, sync

app_name = "integrations"

urlpatterns = [
    path("settings/integrations/", connect.integrations_page, name="integrations"),
    path("settings/integrations/ashby/sync/", sync.sync_now, name="sync_now"),
    path("settings/integrations/ashby/sync/status/", sync.sync_status_json, name="sync_status"),
]
