from django.apps import AppConfig


class AshbyConfig(AppConfig):
    """Installed only so that Django finds Ashby's templates (templates/ashby/) beside its code;
    it has no models."""

    name = "integrations.ashby"
    label = "ashby"
    verbose_name = "Ashby"
