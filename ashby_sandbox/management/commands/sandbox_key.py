"""manage.py sandbox_key --name NAME [--partner Guide] [--permissions guide|a,b,c] [faults]

Prints the new key alone on the last line of stdout, so scripts can capture it:
    KEY=$(python manage.py sandbox_key --name demo --permissions guide | tail -n 1)
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from ashby_sandbox.keys import ALL_PERMISSIONS, GUIDE_PERMISSIONS, create_key


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
        parser.add_argument("--error-rate", type=float, default=0.0)
        parser.add_argument("--rate-limit-rate", type=float, default=0.0)
        parser.add_argument("--latency-ms", type=int, default=0)
        parser.add_argument("--rate-limit-per-minute", type=int, default=None)

    def handle(self, *args, **options):
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
        self.stdout.write(new.secret)
