from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tenants.services import create_tenant


class Command(BaseCommand):
    help = "Create the local demo tenant 'Acme' with the admin/admin account (DEBUG only)."

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "demo_tenant creates a well-known password: run it with DEBUG on only."
            )
        tenant, created = create_tenant(
            "Acme", admin_username="admin", admin_password="admin", timezone="America/New_York"
        )
        # The demo admin may also open the Django admin (the support console).
        from django.contrib.auth import get_user_model

        get_user_model().objects.filter(username="admin").update(is_staff=True, is_superuser=True)
        state = "created" if created else "already there"
        self.stdout.write(f"Demo tenant {tenant.name}: sign in as admin / admin ({state}).")
