from django.urls import path

from emails import views

app_name = "emails"

urlpatterns = [
    path("settings/emails/", views.email_settings, name="settings"),
    path("settings/emails/templates/<str:kind>/", views.template_edit, name="template"),
    path("guides/<int:pk>/emails/", views.guide_emails, name="guide"),
    path("guides/<int:pk>/emails/send/", views.send_guide_link, name="send_guide_link"),
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
