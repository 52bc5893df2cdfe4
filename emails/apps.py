from django.apps import AppConfig
from django.db.models.signals import post_migrate


class EmailsConfig(AppConfig):
    name = "emails"
    verbose_name = "Emails"

    def ready(self) -> None:
        from emails.personal_data import HOLDER
        from emails.schedule import on_post_migrate
        from tenants.personal_data import register

        register(HOLDER)  # erasure, access requests and offboarding reach the emails
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="guide-email-schedule")
