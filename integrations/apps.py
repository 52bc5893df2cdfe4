from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from integrations.deliveries import ensure_sweep_schedule

        # The webhook sweep's schedule exists wherever the database is migrated.
        post_migrate.connect(ensure_sweep_schedule, sender=self)
