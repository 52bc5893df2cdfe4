"""A realistic, deterministic Ashby organisation for demos, tests and benchmarks.

The same `seed` always gives the same ids, names and shapes; times are anchored on the
current UTC day so schedules always have events in the past and in the future. Rows are
written with `bulk_create` in batches, candidates a chunk at a time (with their
applications, schedules and events), so 100,000 candidates take minutes.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from ashby_sandbox import models as m
from ashby_sandbox.changes import next_seq
from ashby_sandbox.seed_data import (
    ARCHIVE_REASONS,
    CITIES,
    COMPANIES,
    DEPARTMENTS,
    FIRST_NAMES,
    JOB_INTERVIEWS,
    LAST_NAMES,
    LEVELS,
    OFFICES,
    ROLES,
    SCHOOLS,
    SHARED_INTERVIEWS,
    SOURCES,
    STAGE_WEIGHTS,
    STAGES,
)

logger = logging.getLogger(__name__)

BATCH = 2000


@dataclass
class Org:
    """What later chunks need from the fixed part of the organisation."""

    users: list[m.User] = field(default_factory=list)
    jobs: list[m.Job] = field(default_factory=list)
    stages: dict = field(default_factory=dict)  # job id -> [InterviewStage, ...]
    interviews: dict = field(default_factory=dict)  # (job id, stage index) -> [Interview]


class Seeder:
    def __init__(self, seed: int, now: dt.datetime) -> None:
        self.rng = random.Random(seed)
        self.anchor = now.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def past(self, max_days: int, min_days: int = 1) -> dt.datetime:
        seconds = self.rng.randint(min_days * 86400, max_days * 86400)
        return self.anchor - dt.timedelta(seconds=seconds)

    def stamp(self, rows: list[m.Tracked]) -> list[m.Tracked]:
        """Give rows unique, consecutive updated_seq values and a uuid."""
        first = next_seq(len(rows)) if rows else 0
        for offset, row in enumerate(rows):
            row.updated_seq = first + offset
            row.updated_at = row.updated_at or row.created_at
        return rows

    def save(self, model: type[m.Tracked], rows: list[m.Tracked]) -> None:
        model.objects.bulk_create(self.stamp(rows), batch_size=BATCH)

    # --- the fixed part ---------------------------------------------------------------------

    def organisation(self, candidates: int) -> Org:
        org = Org()
        departments = self.departments()
        locations = self.locations()
        org.users = self.users(min(400, max(20, candidates // 40)))
        self.jobs(org, min(2000, max(8, candidates // 50)), departments, locations)
        return org

    def departments(self) -> list[m.Department]:
        created = self.past(900, 700)
        rows = [m.Department(id=self.uuid(), name=name, created_at=created) for name in DEPARTMENTS]
        platform = m.Department(
            id=self.uuid(), name="Platform", parent_id=rows[0].id, created_at=created
        )
        legacy = m.Department(
            id=self.uuid(), name="Legacy Research", is_archived=True, created_at=created
        )
        self.save(m.Department, [*rows, platform, legacy])
        return rows

    def locations(self) -> list[m.Location]:
        created = self.past(900, 700)
        rows = []
        for name, city_index, workplace in [*OFFICES, ("Austin (closed)", 3, "OnSite")]:
            city, region, country, tz = CITIES[city_index]
            rows.append(
                m.Location(
                    id=self.uuid(),
                    name=name,
                    is_archived=name.endswith("(closed)"),
                    country=country,
                    region=region,
                    locality=city,
                    postal_code=str(self.rng.randint(10000, 99999)),
                    street_address=f"{self.rng.randint(1, 400)} Market Street",
                    workplace_type=workplace,
                    timezone=tz,
                    created_at=created,
                )
            )
        self.save(m.Location, rows)
        return [loc for loc in rows if not loc.is_archived]

    def users(self, count: int) -> list[m.User]:
        rows = []
        for index in range(count):
            first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
            role = (
                "Organization Admin"
                if index < 2
                else self.rng.choice(
                    ["Elevated Access", "Limited Access", "Limited Access", "External Recruiter"]
                )
            )
            rows.append(
                m.User(
                    id=self.uuid(),
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}.{index}@acme-sandbox.example".lower(),
                    global_role=role,
                    # About one user in ten has left: deactivated, listed only on request.
                    is_enabled=index < 2 or self.rng.random() > 0.1,
                    manager_id=rows[0].id if rows and index % 5 else None,
                    created_at=self.past(800, 30),
                )
            )
        self.save(m.User, rows)
        return rows

    def jobs(self, org: Org, count: int, departments, locations) -> None:
        enabled = [u for u in org.users if u.is_enabled]
        plans, jobs, stages, interviews = [], [], [], []
        statuses = ["Open", "Closed", "Archived", "Draft"]
        for index in range(count):
            dept = self.rng.choice(departments)
            title = self.rng.choice(LEVELS) + self.rng.choice(ROLES[dept.name])
            # Every status appears; then mostly open jobs.
            status = (
                statuses[index] if index < 4 else self.rng.choices(statuses, [60, 15, 10, 10])[0]
            )
            created = self.past(500, 20)
            plan = m.InterviewPlan(
                id=self.uuid(), title=f"{title} Interview Plan", created_at=created
            )
            plans.append(plan)
            team = self.rng.sample(enabled, k=min(3, len(enabled)))
            job = m.Job(
                id=self.uuid(),
                title=title,
                status=status,
                employment_type=self.rng.choices(
                    ["FullTime", "PartTime", "Intern", "Contract", "Temporary"], [80, 5, 5, 8, 2]
                )[0],
                confidential=index == 5 or (index > 8 and self.rng.random() < 0.03),
                department=dept,
                location=self.rng.choice(locations),
                interview_plan=plan,
                author=team[0],
                hiring_team=[
                    {"userId": str(team[0].id), "role": "Hiring Manager"},
                    {"userId": str(team[1].id), "role": "Recruiter"},
                    {"userId": str(team[2].id), "role": "Coordinator"},
                ],
                opened_at=None if status == "Draft" else created + dt.timedelta(days=2),
                closed_at=self.past(15) if status in ("Closed", "Archived") else None,
                created_at=created,
            )
            jobs.append(job)
            job_stages = [
                m.InterviewStage(
                    id=self.uuid(), plan=plan, title=t, type=kind, order=order, created_at=created
                )
                for order, (t, kind) in enumerate(STAGES)
            ]
            stages.extend(job_stages)
            org.stages[job.id] = job_stages
            for title_, stage_index, minutes, debrief in JOB_INTERVIEWS:
                interview = m.Interview(
                    id=self.uuid(),
                    title=title_,
                    external_title=f"{title_} with {job.title.split()[-1]} team",
                    is_debrief=debrief,
                    job=job,
                    stage=job_stages[stage_index],
                    duration_minutes=minutes,
                    instructions=f"Assess the candidate for the {title} role.",
                    feedback_form_definition_id=self.uuid(),
                    created_at=created,
                )
                interviews.append(interview)
                org.interviews.setdefault((job.id, stage_index), []).append(interview)
        archived_plan = m.InterviewPlan(
            id=self.uuid(),
            title="Old Generic Plan",
            is_archived=True,
            created_at=self.past(900, 800),
        )
        self.save(m.InterviewPlan, [*plans, archived_plan])
        self.save(m.Job, jobs)
        self.save(m.InterviewStage, stages)
        for title_, minutes, archived in SHARED_INTERVIEWS:
            interviews.append(
                m.Interview(
                    id=self.uuid(),
                    title=title_,
                    is_archived=archived,
                    duration_minutes=minutes,
                    feedback_form_definition_id=self.uuid(),
                    created_at=self.past(600, 300),
                )
            )
        self.save(m.Interview, interviews)
        org.jobs = jobs

    # --- candidates, a chunk at a time ------------------------------------------------------

    def candidates(self, org: Org, count: int, offset: int) -> None:
        with_candidates = [j for j in org.jobs if j.status != "Draft"]
        enabled = [u for u in org.users if u.is_enabled]
        cands, apps, schedules, events = [], [], [], []
        for index in range(offset, offset + count):
            cand = self.candidate(index)
            cands.append(cand)
            for job in self.rng.sample(with_candidates, k=2 if self.rng.random() < 0.1 else 1):
                app = self.application(org, cand, job, enabled)
                apps.append(app)
                cand.confidential = cand.confidential or job.confidential
                self.schedules_for(org, app, enabled, schedules, events)
        self.save(m.Candidate, cands)
        self.save(m.Application, apps)
        self.save(m.InterviewSchedule, schedules)
        self.save(m.InterviewEvent, events)

    def candidate(self, index: int) -> m.Candidate:
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        city, region, country, tz = self.rng.choice(CITIES)
        created = self.past(365)
        return m.Candidate(
            id=self.uuid(),
            name=f"{first} {last}",
            email=f"{first}.{last}.{index}@example.com".lower(),
            phone=f"+1 555 {index % 10000:04d}",
            position=self.rng.choice(sum(ROLES.values(), [])),
            company=self.rng.choice(COMPANIES),
            school=self.rng.choice(SCHOOLS),
            linkedin_url=f"https://www.linkedin.com/in/{first}-{last}-{index}".lower(),
            timezone=tz,
            city=city,
            region=region,
            country=country,
            location_id=uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-city:{city}"),
            source=self.rng.choice(SOURCES),
            created_at=created,
            updated_at=min(self.anchor, created + dt.timedelta(days=self.rng.randint(0, 20))),
        )

    def application(self, org: Org, cand: m.Candidate, job: m.Job, users) -> m.Application:
        stage_index = self.rng.choices(range(len(STAGES)), STAGE_WEIGHTS)[0]
        stage_type = STAGES[stage_index][1]
        status = {"Hired": "Hired", "Archived": "Archived", "Lead": "Lead"}.get(
            stage_type, "Active"
        )
        created = max(cand.created_at, job.created_at)
        app = m.Application(
            id=self.uuid(),
            candidate=cand,
            job=job,
            status=status,
            stage=org.stages[job.id][stage_index],
            source=cand.source,
            credited_to=self.rng.choice(users) if self.rng.random() < 0.5 else None,
            created_at=created,
            updated_at=min(self.anchor, created + dt.timedelta(days=self.rng.randint(0, 30))),
        )
        app.stage_index = stage_index  # used by schedules_for, not saved
        if status == "Archived":
            app.archive_reason = self.rng.choice(ARCHIVE_REASONS)
            app.archived_at = app.updated_at
        if status == "Hired":
            app.hired_at = app.updated_at
        return app

    def schedules_for(self, org: Org, app, users, schedules: list, events: list) -> None:
        job_stages = org.stages[app.job.id]
        # Interviews already held (past, complete) for earlier stages, and one for the current
        # interview stage: upcoming for most, awaiting feedback for the rest.
        for stage_index in (2, 3, 4):
            if stage_index > app.stage_index or app.stage_index == 7 and self.rng.random() < 0.6:
                break
            current = stage_index == app.stage_index
            upcoming = current and self.rng.random() < 0.7
            status = "Scheduled" if upcoming else ("WaitingOnFeedback" if current else "Complete")
            schedule = m.InterviewSchedule(
                id=self.uuid(),
                application=app,
                stage=job_stages[stage_index],
                status=status,
                scheduled_by=self.rng.choice(users),
                created_at=app.created_at,
            )
            schedules.append(schedule)
            day = (
                self.anchor + dt.timedelta(days=self.rng.randint(1, 21))
                if upcoming
                else self.past(60, 1)
            )
            start = day.replace(hour=self.rng.randint(13, 21), minute=self.rng.choice([0, 30]))
            for interview in org.interviews[(app.job.id, stage_index)]:
                end = start + dt.timedelta(minutes=interview.duration_minutes)
                remote = self.rng.random() < 0.6
                events.append(
                    m.InterviewEvent(
                        id=self.uuid(),
                        schedule=schedule,
                        interview=interview,
                        start_time=start,
                        end_time=end,
                        interviewer_ids=[
                            str(u.id) for u in self.rng.sample(users, k=self.rng.randint(1, 3))
                        ],
                        location=""
                        if remote
                        else (app.job.location.name if app.job.location else "Office"),
                        meeting_link=f"https://meet.example.com/{self.uuid().hex[:10]}"
                        if remote
                        else "",
                        has_submitted_feedback=not upcoming and not current,
                        created_at=schedule.created_at,
                    )
                )
                start = end + dt.timedelta(minutes=15)


def has_data() -> bool:
    return m.Candidate.objects.exists() or m.Job.objects.exists()


def flush() -> None:
    """Delete the organisation's hiring data (keys and webhooks stay)."""
    for model in (
        m.InterviewEvent,
        m.InterviewSchedule,
        m.Application,
        m.Candidate,
        m.Interview,
        m.Job,
        m.InterviewStage,
        m.InterviewPlan,
        m.User,
        m.Location,
        m.Department,
    ):
        model.objects.all().delete()


def seed(candidates: int, seed: int = 1, now: dt.datetime | None = None, progress=None) -> Org:
    """Build the organisation: the fixed part, then `candidates` candidates in chunks."""
    seeder = Seeder(seed, now or timezone.now())
    with transaction.atomic():
        org = seeder.organisation(candidates)
        seed_custom_fields()
    done = 0
    while done < candidates:
        size = min(BATCH, candidates - done)
        with transaction.atomic():
            seeder.candidates(org, size, done)
        done += size
        if progress:
            progress(done)
    logger.info("Sandbox seeded: %s candidates, %s jobs", candidates, len(org.jobs))
    return org


def seed_custom_fields() -> None:
    """Candidate custom fields a write-back can pick (text) or must not (a number)."""
    for title, field_type in (("Guide link", "String"), ("Years of experience", "Number")):
        m.CustomField.objects.get_or_create(
            title=title, defaults={"object_type": "Candidate", "field_type": field_type}
        )
