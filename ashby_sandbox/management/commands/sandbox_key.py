"""manage.py sandbox_key --name NAME [--partner Guide] [--permissions guide|a,b,c] [faults]
    [--organisation NAME]   (the key's company, created when missing; default: the first)

Prints the new key alone on the last line of stdout, so scripts can capture it:
    KEY=$(python manage.py sandbox_key --name demo --permissions guide | tail -n 1)
"""

from __future__ import annotations

import contextlib

from django.core.management.base import BaseCommand, CommandError

from ashby_sandbox import organisations
from ashby_sandbox.keys import ALL_PERMISSIONS, GUIDE_PERMISSIONS, create_key
from ashby_sandbox.models import ApiKey, Organization


class Command(BaseCommand):
    help = "Create a sandbox API key and print it (shown only here)."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--partner", default="")
        parser.add_argument(
            "--permissions",
            default="guide",
            help="'guide' (what Guide needs), 'all', or a comma-separated list such as "
            "candidatesRead,jobsRead.",
        )
        parser.add_argument("--allow-confidential", action="store_true")
        parser.add_argument("--organisation", help="The key's organisation (created when missing).")
        parser.add_argument("--error-rate", type=float, default=0.0)
        parser.add_argument("--rate-limit-rate", type=float, default=0.0)
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--rate-limit-per-minute", type=int, default=None)
        parser.add_argument(
            "--if-absent",
            action="store_true",
            help="Do nothing when an active key with this name exists (keys are shown once, "
            "so `make run` prints its demo key on the first run only).",
        )
        parser.add_argument(
            "--announce",
            action="store_true",
            help="Print a line saying what the key is for before the key.",
        )

    def handle(self, *args, organisation: str | None = None, **options):
        with _scope(organisation):
            self.create(**options)

    def create(self, **options):
        existing = ApiKey.objects.filter(title=options["name"], is_active=True)
        if options["if_absent"] and existing.exists():
            self.stdout.write(
                f"The sandbox API key “{options['name']}” already exists (a key is shown only "
                "once). Create another under Admin > API Keys or with manage.py sandbox_key."
            )
            return
        raw = options["permissions"].strip()
        if raw == "guide":
            permissions = GUIDE_PERMISSIONS
        elif raw == "all":
            permissions = ALL_PERMISSIONS
        else:
            permissions = [p.strip() for p in raw.split(",") if p.strip()]
        try:
            new = create_key(
                options["name"],
                permissions,
                partner=options["partner"],
                allow_confidential=options["allow_confidential"],
                error_rate=options["error_rate"],
                rate_limit_rate=options["rate_limit_rate"],
                latency_ms=max(0, options["latency_ms"]),
                rate_limit_per_minute=options["rate_limit_per_minute"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if options["announce"]:
            self.stdout.write(
                f"Sandbox API key “{new.key.title}” with {', '.join(new.key.permissions)}; "
                "paste it into Guide's Connect dialog (it is shown only now):"
            )
        self.stdout.write(new.secret)


def _scope(organisation: str | None):
    """The named organisation's scope (created when missing); the default one for None."""
    if organisation is None:
        return contextlib.nullcontext()
    return organisations.scope(Organization.named(organisation))
