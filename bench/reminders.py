"""Benchmark: N interview reminders for one morning, planned and sent through a local SMTP
server (aiosmtpd, counting messages), with the peak memory of the sending process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide_email \
        .venv/bin/python bench/reminders.py --reminders 10000 --smtp-port 8186

It seeds one tenant (reminders 24 h before) with N candidates, each with a guide and one
interview between 08:00 and 12:00 UTC tomorrow, plans the reminders, then runs the worker's
loop (`send_due_emails`) at a moment when all are due. Prints the planning time, the send rate
and the process's peak resident memory before and after sending (bounded: the rows are read
in batches of GUIDE_EMAIL_BATCH, never all at once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide_project.settings")
os.environ.setdefault("GUIDE_ENV_FILE", "")
os.environ.setdefault("SECRET_KEY", "bench-secret-key-" + "k" * 50)
os.environ.setdefault("GUIDE_ENCRYPTION_KEYS", "feRno68qtZ-Sm836THoO_GbI2wuzOl8kz5Fk7_Xqc6E=")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guide_email")
os.environ.setdefault("LOG_LEVEL", "WARNING")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def seed(n: int, tomorrow: dt.datetime):
    from emails.models import EmailSettings
    from guides.models import Application, Candidate, Guide, InterviewEvent, InterviewSchedule, Job
    from tenants.models import Tenant

    Tenant.objects.filter(slug="bench-reminders").delete()
    tenant = Tenant.objects.create(name="Bench", slug="bench-reminders", default_timezone="UTC")
    EmailSettings.objects.create(tenant=tenant, reminder_hours=24)
    job = Job.objects.create(tenant=tenant, external_id="job-1", title="Engineer")
    cands = Candidate.objects.bulk_create(
        Candidate(tenant=tenant, external_id=f"c{i}", name=f"Cand {i}", email=f"c{i}@bench.test")
        for i in range(n)
    )
    Guide.objects.bulk_create(Guide(tenant=tenant, candidate=c) for c in cands)
    apps = Application.objects.bulk_create(
        Application(tenant=tenant, external_id=f"a{i}", candidate=c, job=job)
        for i, c in enumerate(cands)
    )
    scheds = InterviewSchedule.objects.bulk_create(
        InterviewSchedule(tenant=tenant, external_id=f"s{i}", application=a, status="Scheduled")
        for i, a in enumerate(apps)
    )
    InterviewEvent.objects.bulk_create(
        InterviewEvent(
            tenant=tenant,
            external_id=f"e{i}",
            schedule=s,
            start_time=tomorrow + dt.timedelta(minutes=(i * 240) // n),
            end_time=tomorrow + dt.timedelta(minutes=(i * 240) // n + 45),
        )
        for i, s in enumerate(scheds)
    )
    return tenant


def _worker(queue) -> None:
    from emails import tasks

    queue.put(tasks.send_due_emails(max_seconds=3600))


def send(workers: int, tasks) -> int:
    """`send_due_emails` in this process, or in `workers` forked processes racing for rows."""
    if workers == 1:
        return tasks.send_due_emails(max_seconds=3600)
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each child opens its own
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    procs = [context.Process(target=_worker, args=(queue,)) for _ in range(workers)]
    for proc in procs:
        proc.start()
    sent = sum(queue.get() for _ in procs)
    for proc in procs:
        proc.join()
    return sent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=10000)
    parser.add_argument("--smtp-port", type=int, default=8186)
    parser.add_argument("--workers", type=int, default=1, help="sending processes racing")
    args = parser.parse_args()
    os.environ["EMAIL_URL"] = f"smtp://127.0.0.1:{args.smtp_port}"
    import django

    django.setup()
    from aiosmtpd.controller import Controller
    from django.core.management import call_command
    from django.utils import timezone

    from emails import tasks
    from emails.reminders import plan_reminders

    call_command("migrate", verbosity=0)
    tomorrow = (timezone.now() + dt.timedelta(days=1)).replace(
        hour=8, minute=0, second=0, microsecond=0
    )
    started = time.perf_counter()
    tenant = seed(args.reminders, tomorrow)
    print(f"seeded {args.reminders} candidates in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    planned = plan_reminders(tenant, 24, tomorrow - dt.timedelta(hours=25))
    print(f"planned {planned} reminders in {time.perf_counter() - started:.1f} s")
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=args.smtp_port)
    controller.start()
    before = peak_mb()
    fake_now = tomorrow + dt.timedelta(hours=-20)  # every reminder of the morning is due
    timezone.now = lambda: fake_now
    started = time.perf_counter()
    try:
        sent = send(args.workers, tasks)
    finally:
        controller.stop()
    took = time.perf_counter() - started
    print(
        f"sent {sent} reminders ({counter.count} received by the SMTP server) in {took:.1f} s: "
        f"{sent / took:.0f} emails/s"
    )
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"peak RSS: {before:.0f} MB before sending, {peak_mb():.0f} MB after"
        + (f" (largest worker {children:.0f} MB)" if args.workers > 1 else "")
    )
    print("load:", os.popen("uptime").read().strip())  # noqa: S605
    tenant.delete()
    return 0 if sent == counter.count == args.reminders else 1


if __name__ == "__main__":
    sys.exit(main())
