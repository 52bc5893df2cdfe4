from django.apps import AppConfig


class GuidesConfig(AppConfig):
    name = "guides"
    verbose_name = "Guides"

    def ready(self) -> None:
        from guides.personal_data import HOLDER
        from tenants.personal_data import register

        # The hiring rows and guides hold personal data: erasure and export reach them here.
        register(HOLDER)
