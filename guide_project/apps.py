from __future__ import annotations

from django.contrib.admin.apps import AdminConfig


class ConsoleAdminConfig(AdminConfig):
    """django.contrib.admin with Guide's support console as `admin.site`, so every
    `@admin.register` lands on it and every /admin/ URL stays where it was."""

    default_site = "guide_project.console.GuideConsoleSite"
