from __future__ import annotations

from django.urls import path

from ashby_sandbox import api, views

app_name = "ashby_sandbox"

urlpatterns = [
    path("", views.index, name="index"),
    path("api/<str:name>", api.endpoint, name="api"),
    path("api-keys/", views.api_keys, name="api_keys"),
    path("api-keys/<uuid:key_id>/deactivate", views.deactivate_key, name="deactivate_key"),
    path("webhooks/", views.webhook_list, name="webhooks"),
    path("webhooks/<uuid:webhook_id>/", views.webhook_edit, name="webhook_edit"),
    path("webhooks/<uuid:webhook_id>/delete", views.webhook_delete, name="webhook_delete"),
    path("activity/", views.activity, name="activity"),
]
