from django.urls import path

from integrations.views import connect

app_name = "integrations"

urlpatterns = [
    path("settings/integrations/", connect.integrations_page, name="integrations"),
]
