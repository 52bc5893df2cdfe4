from django.urls import path

from ashby_sandbox import views

app_name = "ashby_sandbox"

urlpatterns = [
    path("", views.index, name="index"),
]
