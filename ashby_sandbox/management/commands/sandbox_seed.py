"""manage.py sandbox_seed --candidates N --seed S [--if-empty] [--flush] [--organisation NAME]

With --organisation, the company of that name (created when missing) is seeded, flushed or
checked, and no other; give each organisation its own --seed (the seed fixes the ids)."""

from __future__ import annotations

import contextlib
import time

from django.core.management.base import BaseCommand, CommandError

from ashby_sandbox import organisations
from ashby_sandbox import seed as seeding
from ashby_sandbox.models import Organization


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
        parser.add_argument(
            "--organisation",
            help="Seed this organisation (created when missing) instead of the default one.",
        )

    def handle(self, *args, organisation: str | None = None, **options):
        with _scope(organisation):
            self.seed(**options)

    def seed(self, *, candidates: int, seed: int, if_empty: bool, flush: bool, **options):
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


def _scope(organisation: str | None):
    """The named organisation's scope (created when missing); the default one for None."""
    if organisation is None:
        return contextlib.nullcontext()
    return organisations.scope(Organization.named(organisation))
