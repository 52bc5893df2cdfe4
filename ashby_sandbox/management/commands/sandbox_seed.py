"""manage.py sandbox_seed --candidates N --seed S [--if-empty] [--flush]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from ashby_sandbox import seed as seeding


class Command(BaseCommand):
    help = "Build a realistic, deterministic Ashby organisation in the sandbox."

    def add_arguments(self, parser):
        parser.add_argument("--candidates", type=int, default=300)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing when the sandbox has data."
        )
        parser.add_argument(
            "--flush", action="store_true", help="Delete the existing hiring data first."
        )

    def handle(self, *args, candidates: int, seed: int, if_empty: bool, flush: bool, **options):
        if candidates < 0:
            raise CommandError("--candidates must be 0 or more")
        if has_data := seeding.has_data():
            if if_empty:
                self.stdout.write("The sandbox already has data: nothing to do.")
                return
            if not flush:
                raise CommandError(
                    "The sandbox already has data. Use --flush to replace it or --if-empty to "
                    "keep it."
                )
        if flush and has_data:
            seeding.flush()
        started = time.monotonic()

        def progress(done: int) -> None:
            if options.get("verbosity", 1) > 1 or done % 20000 == 0:
                self.stdout.write(f"  {done} candidates")

        org = seeding.seed(candidates, seed=seed, progress=progress)
        self.stdout.write(
            f"Seeded {candidates} candidates, {len(org.jobs)} jobs and {len(org.users)} users "
            f"in {time.monotonic() - started:.1f} s (seed {seed})."
        )
