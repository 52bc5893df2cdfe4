from django.conf import settings
from django.urls import path

from guides import views, views_profiles, views_public, views_settings, views_staff

app_name = "guides"

urlpatterns = [
    path("guides/", views.guide_list, name="list"),
    path("guides/<int:pk>/preview/", views_staff.guide_preview, name="preview"),
    path("interviewers/", views_staff.interviewer_list, name="interviewers"),
    path("interviewers/<int:pk>/edit/", views_staff.interviewer_edit, name="interviewer_edit"),
    path("interviewers/invite-all/", views_profiles.invite_all, name="invite_all"),
    path("interviewers/<int:pk>/invite/", views_profiles.invite_one, name="invite_one"),
    path("interviewers/links/<int:pk>/revoke/", views_profiles.invite_revoke, name="invite_revoke"),
    path("guides/language/", views_staff.guide_language_settings, name="language"),
    path("jobs/", views_staff.job_list, name="jobs"),
    path("jobs/<int:pk>/stages/", views_staff.job_stages, name="job_stages"),
    path("settings/guide/", views_settings.brand, name="settings_brand"),
    path("settings/guide/texts/", views_settings.texts, name="settings_texts"),
    path("settings/guide/stages/", views_settings.stages, name="settings_stages"),
    path("settings/guide/interviews/", views_settings.interviews, name="settings_interviews"),
    path("tenants/switch/", views.switch, name="switch_tenant"),
    # The candidate's guide: public, reached by its token only.
    # An interviewer's own profile, reached by the signed link an admin made.
    path("profile/<str:token>/", views_profiles.own_profile, name="own_profile"),
    # Uploaded images, where the storage has no address of its own (local files).
    path(f"{settings.MEDIA_URL.strip('/')}/<path:name>", views_public.media_file, name="media"),
    path("g/<str:token>/", views_public.guide_page, name="public"),
    path("g/<str:token>/calendar.ics", views_public.calendar_ics, name="calendar_ics"),
    path(
        "g/<str:token>/interviews/<str:event_id>.ics",
        views_public.event_ics,
        name="event_ics",
    ),
]
