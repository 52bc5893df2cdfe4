from django.urls import include, path

from integrations import registry
from integrations.views import erase_data, pages, receiver, sync_now

app_name = "integrations"

urlpatterns = [
    # First: Ashby's deliveries are the most frequent request, and URLs are tried in order.
    path("webhooks/ashby/<str:token>/", receiver.receive, name="receiver"),
    path("settings/integrations/", pages.integrations_page, name="integrations"),
    path("settings/integrations/ashby/sync/", sync_now.sync_now, name="sync_now"),
    path("settings/integrations/ashby/sync/status/", sync_now.sync_status_json, name="sync_status"),
    path("settings/integrations/erase-data/", erase_data.erase_data, name="erase_data"),
    # The integration's own pages (Connect, Configure Webhooks, ...), in this namespace.
    path("", include(registry.URLCONF)),
]
