from django.apps import AppConfig


class AshbySandboxConfig(AppConfig):
    name = "ashby_sandbox"
    verbose_name = "Ashby sandbox"
