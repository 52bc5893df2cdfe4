from django.urls import path

from guides import views, views_public, views_settings, views_staff

app_name = "guides"

urlpatterns = [
    path("guides/", views.guide_list, name="list"),
    path("guides/<int:pk>/preview/", views_staff.guide_preview, name="preview"),
    path("interviewers/", views_staff.interviewer_list, name="interviewers"),
    path("interviewers/<int:pk>/edit/", views_staff.interviewer_edit, name="interviewer_edit"),
    path("jobs/", views_staff.job_list, name="jobs"),
    path("jobs/<int:pk>/stages/", views_staff.job_stages, name="job_stages"),
    path("settings/guide/", views_settings.brand, name="settings_brand"),
    path("settings/guide/texts/", views_settings.texts, name="settings_texts"),
    path("settings/guide/stages/", views_settings.stages, name="settings_stages"),
    path("settings/guide/interviews/", views_settings.interviews, name="settings_interviews"),
    path("tenants/switch/", views.switch, name="switch_tenant"),
    # The candidate's guide: public, reached by its token only.
    path("g/<str:token>/", views_public.guide_page, name="public"),
    path("g/<str:token>/calendar.ics", views_public.calendar_ics, name="calendar_ics"),
    path(
        "g/<str:token>/interviews/<str:event_id>.ics",
        views_public.event_ics,
        name="event_ics",
    ),
]
