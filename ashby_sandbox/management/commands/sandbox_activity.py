"""manage.py sandbox_activity <operation> ...: hiring activity, with its webhooks.

Operations: add-candidate, move-stage, schedule, reschedule, cancel, hire, archive,
delete-candidate, merge, create-job, update-job. The id of the record the operation created
or changed is printed alone on the last line of stdout.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from ashby_sandbox import activity


def _when(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CommandError(f"Not an ISO 8601 date-time: {value}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


OPERATIONS = {
    "add-candidate": lambda o: activity.add_candidate(
        o["job"], name=o["name"] or "", email=o["email"] or "", timezone_name=o["timezone"]
    ),
    "move-stage": lambda o: activity.move_stage(o["id"], o["stage"]),
    "schedule": lambda o: activity.schedule_interview(
        o["id"],
        _when(o["start"]) if o["start"] else None,
        meeting_link=o["meeting_link"] or "",
        location=o["location"] or "",
    ),
    "reschedule": lambda o: activity.reschedule_interview(o["id"], _when(o["start"])),
    "cancel": lambda o: activity.cancel_interview(o["id"]),
    "hire": lambda o: activity.hire(o["id"]),
    "archive": lambda o: activity.archive(o["id"], o["reason"]),
    "delete-candidate": lambda o: activity.delete_candidate(o["id"]),
    "merge": lambda o: activity.merge_candidates(o["id"], o["other"]),
    "create-job": lambda o: activity.create_job(o["title"], o["status"] or "Open"),
    "update-job": lambda o: activity.update_job(o["id"], o["title"], o["status"]),
}
NEEDS_ID = {"move-stage", "schedule", "reschedule", "cancel", "hire", "archive"}
NEEDS_ID |= {"delete-candidate", "merge", "update-job"}


class Command(BaseCommand):
    help = "Simulate hiring activity in the sandbox (sends the matching webhooks)."

    def add_arguments(self, parser):
        parser.add_argument("operation", choices=sorted(OPERATIONS))
        parser.add_argument(
            "id",
            nargs="?",
            help="application id (move-stage, schedule, hire, archive), schedule id "
            "(reschedule, cancel), candidate id (delete-candidate; merge: the one kept) or "
            "job id (update-job)",
        )
        parser.add_argument("other", nargs="?", help="merge: the candidate merged away")
        parser.add_argument("--job", help="add-candidate: the job applied to")
        parser.add_argument("--name")
        parser.add_argument("--email")
        parser.add_argument("--timezone", default="Europe/Paris")
        parser.add_argument("--stage", help="move-stage: the stage id (default: the next)")
        parser.add_argument("--start", help="schedule / reschedule: ISO 8601 start time")
        parser.add_argument("--meeting-link")
        parser.add_argument("--location")
        parser.add_argument("--reason", default="Not a fit")
        parser.add_argument("--title")
        parser.add_argument("--status")

    def handle(self, *args, **options):
        operation = options["operation"]
        if operation in NEEDS_ID and not options["id"]:
            raise CommandError(f"{operation} needs an id")
        if operation == "merge" and not options["other"]:
            raise CommandError("merge needs two candidate ids: the one kept, the one merged")
        if operation == "reschedule" and not options["start"]:
            raise CommandError("reschedule needs --start")
        if operation == "create-job" and not options["title"]:
            raise CommandError("create-job needs --title")
        try:
            record = OPERATIONS[operation](options)
        except activity.ActivityError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{operation}: done")
        self.stdout.write(str(record.id))
