"""manage.py sandbox_deliver [--loop SECONDS]: send the webhook deliveries that are due."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from ashby_sandbox.webhook_sender import deliver_due


class Command(BaseCommand):
    help = "Send the sandbox's due webhook deliveries (once, or in a loop)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=float, default=0, help="Keep sending for this many seconds."
        )

    def handle(self, *args, loop: float, **options):
        deadline = time.monotonic() + loop
        total = deliver_due()
        while time.monotonic() < deadline:
            time.sleep(0.2)
            total += deliver_due()
        self.stdout.write(f"{total} delivery attempts made.")
