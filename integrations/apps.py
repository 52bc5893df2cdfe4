from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from integrations.schedule import on_post_migrate

        # Once per `migrate` (sender: this app), after every app's tables exist.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="guide-sync-schedule")
