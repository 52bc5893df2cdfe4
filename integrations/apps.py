from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from guides.list_notices import register_notice
        from integrations.deliveries import ensure_sweep_schedule
        from integrations.list_notices import hidden_candidates_notice
        from integrations.personal_holders import register_holders
        from integrations.retention import ensure_retention_schedule
        from integrations.schedule import ensure_write_back_schedule, on_post_migrate

        # Once per `migrate` (sender: this app), after every app's tables exist.
        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="guide-sync-schedule")
        # The webhook sweep's schedule, likewise.
        post_migrate.connect(ensure_sweep_schedule, sender=self, dispatch_uid="guide-webhook-sweep")
        # The retention of deliveries' bodies and rows, likewise.
        post_migrate.connect(ensure_retention_schedule, sender=self, dispatch_uid="guide-retention")
        # The guide links written back to the ATS (integrations/ashby/write_back.py), likewise.
        post_migrate.connect(
            ensure_write_back_schedule, sender=self, dispatch_uid="guide-write-back"
        )
        # Where personal data is held (tenants/personal_data.py): erasure and export ask them.
        register_holders()
        # The Guides page's notice of candidates the key cannot see (confidential jobs).
        register_notice("hidden-candidates", hidden_candidates_notice)
