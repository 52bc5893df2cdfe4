"""Benchmark: the support console's list pages on big tables (PostgreSQL only).

Seeds 100,000 candidates (each with an application and a guide) and 1,000,000 webhook
deliveries over 20 tenants with SQL (generate_series), each tenant connected to Ashby with two
days of hourly syncs and a few in trouble, ANALYZEs, then renders the support home and each
list page (unfiltered, filtered, searched) as a superuser through Django's test client and
prints the number of queries and the median and 95th percentile time of a few requests.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/guide_admin .venv/bin/python bench/admin_lists.py
    # the support home at its target size: 1,000 tenants, 1,000,000 deliveries
    ... bench/admin_lists.py --tenants 1000 --candidates 10000 --only home --runs 20

It builds its own data in a fresh test database (test_<name>, created and destroyed here).
Options: --tenants N --candidates N --deliveries N --runs N --only TEXT --verbose.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guide_project.settings_test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.signals import request_finished, request_started  # noqa: E402
from django.db import close_old_connections, connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

TENANTS = 20  # the default of --tenants


def seed(tenants: int, candidates: int, deliveries: int) -> None:
    """Everything in SQL: bulk inserts through the ORM would take minutes."""
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO guides_tenant (name, slug, brand_color, logo_url, default_timezone,"
            " created_at) SELECT 'Tenant ' || i, 'tenant-' || i, '#4f46e5', '', 'UTC', now()"
            " FROM generate_series(1, %s) i",
            [tenants],
        )
        c.execute(
            "INSERT INTO guides_job (tenant_id, external_id, external_updated_at, synced_at,"
            " title, status, employment_type, confidential) SELECT id, 'job-' || id, now(),"
            " now(), 'Engineer', 'Open', '', false FROM guides_tenant"
        )
        c.execute(
            "INSERT INTO guides_candidate (tenant_id, external_id, external_updated_at,"
            " synced_at, name, email, timezone, location_summary)"
            " SELECT (SELECT min(id) FROM guides_tenant) + i %% %s, md5('c' || i)::uuid::text,"
            " now(), now() - (i %% 30) * interval '1 day', 'Person Number' || i,"
            " 'person' || i || '@example.com', '', '' FROM generate_series(1, %s) i",
            [tenants, candidates],
        )
        c.execute(
            "INSERT INTO guides_application (tenant_id, external_id, external_updated_at,"
            " synced_at, candidate_id, job_id, status, archive_reason)"
            " SELECT c.tenant_id, md5('a' || c.id)::uuid::text, now(), c.synced_at, c.id, j.id,"
            " (ARRAY['Active','Hired','Archived','Lead'])[1 + c.id % 4], ''"
            " FROM guides_candidate c JOIN guides_job j ON j.tenant_id = c.tenant_id"
        )
        c.execute(
            "INSERT INTO guides_guide (tenant_id, candidate_id, token, created_at, updated_at)"
            " SELECT tenant_id, id, md5('g' || id) || md5('h' || id), now(), synced_at"
            " FROM guides_candidate"
        )
        if deliveries:
            seed_deliveries(c, deliveries)
            seed_connections(c)
        c.execute("ANALYZE")


def seed_deliveries(c, deliveries: int) -> None:
    from integrations.ashby.events import EVENTS
    from integrations.crypto import encrypt

    # Every webhook row last delivered 10 minutes ago; every 100th tenant's first row failing.
    c.execute(
        "INSERT INTO integrations_webhooksubscription (tenant_id, event, token,"
        " secret_encrypted, signature_failures, ashby_webhook_id, created_at,"
        " last_valid_delivery_at, last_delivery_at, last_signature_failure_at)"
        " SELECT t.id, e.event, md5(random()::text), %s, 0, '', now(),"
        " now() - interval '10 minutes', now(),"
        " CASE WHEN t.id %% 100 = 0 AND e.n = 1 THEN now() END"
        " FROM guides_tenant t CROSS JOIN unnest(%s::text[]) WITH ORDINALITY AS e(event, n)",
        [encrypt("s" * 60 + "abcd"), list(EVENTS)],
    )
    c.execute(
        "WITH subs AS (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, tenant_id, event"
        "   FROM integrations_webhooksubscription), total AS (SELECT count(*) AS k FROM subs)"
        " INSERT INTO integrations_webhookdelivery (tenant_id, subscription_id, action,"
        " webhook_action_id, dedupe_key, body, headers, received_at, started_at, processed_at,"
        " status, attempts, attempts_total, replay_requested_by, error, outcome)"
        " SELECT s.tenant_id, s.id, s.event,"
        " md5('d' || i)::uuid::text, md5('d' || i)::uuid::text,"
        ' \'{"action": "\' || s.event || \'", "data": {"candidate": {"id": "\''
        "   || md5('c' || i)::uuid::text || '\"}}}',"
        ' \'{"Content-Type": "application/json"}\','
        " now() - (%s - i) * interval '2 seconds', now() - (%s - i) * interval '2 seconds',"
        " CASE WHEN i %% 4999 = 0 THEN NULL"
        "   ELSE now() - (%s - i) * interval '2 seconds' + (i %% 40) * interval '50 ms' END,"
        " CASE WHEN i %% 1000 = 0 THEN 'failed' WHEN i %% 97 = 0 THEN 'ignored'"
        "   WHEN i %% 4999 = 0 THEN 'received' ELSE 'processed' END, 1, 1, '',"
        " CASE WHEN i %% 1000 = 0 THEN 'KeyError: candidate' ELSE '' END, 'ok'"
        " FROM generate_series(1, %s) i, total"
        " JOIN subs s ON true WHERE s.n = i %% total.k"
        # Stored in the order they arrive, as the receiver stores them: a time range of
        # deliveries is a range of the table's pages, not rows scattered over all of them.
        " ORDER BY i",
        [deliveries, deliveries, deliveries, deliveries],
    )


def seed_connections(c) -> None:
    """Every tenant connected, with a sync every 15 minutes for two days (each run 5 to 65 s);
    every 50th tenant's key refused, every 40th run failed."""
    from integrations.ashby.permissions import BY_NAME
    from integrations.crypto import encrypt

    c.execute(
        "INSERT INTO integrations_ashbyconnection (tenant_id, api_key_encrypted, key_title,"
        " key_last4, scopes, permissions, status, status_reason, connected_at, updated_at)"
        " SELECT id, %s, 'Guide', 'abcd', '[]', %s,"
        " CASE WHEN id %% 50 = 0 THEN 'needs_attention' ELSE 'connected' END,"
        " CASE WHEN id %% 50 = 0 THEN 'Ashby refused the key.' ELSE '' END,"
        " now() - interval '30 days', now() FROM guides_tenant",
        [encrypt("k" * 28 + "abcd"), json.dumps(list(BY_NAME))],
    )
    c.execute(
        'INSERT INTO integrations_syncrun (connection_id, status, "full", reason,'
        " requested_at, started_at, finished_at, heartbeat_at, current_resource, progress,"
        " error, task_id) SELECT c.id,"
        " CASE WHEN (c.id + h) % 40 = 0 THEN 'failed' ELSE 'succeeded' END, false, 'schedule',"
        " now() - h * interval '15 minutes', now() - h * interval '15 minutes',"
        " now() - h * interval '15 minutes' + (5 + (c.id + h) % 60) * interval '1 second', NULL,"
        " '', '{}', CASE WHEN (c.id + h) % 40 = 0 THEN 'Ashby answered 500' ELSE '' END, ''"
        " FROM integrations_ashbyconnection c CROSS JOIN generate_series(1, 192) h"
        " ORDER BY h DESC, c.id"  # ids follow the time a run was asked for, as in production
    )


def _tenant_ids(c) -> list[int]:
    c.execute("SELECT id FROM guides_tenant ORDER BY id")
    return [row[0] for row in c.fetchall()]


def pages() -> list[tuple[str, str]]:
    home = reverse("admin:index")
    with connection.cursor() as c:
        c.execute("SELECT min(id) FROM guides_tenant")
        tenant = c.fetchone()[0]
        c.execute("SELECT external_id, email FROM guides_candidate ORDER BY id LIMIT 1 OFFSET 500")
        external_id, email = c.fetchone()
    candidates = reverse("admin:guides_candidate_changelist")
    found = [
        ("support home", home),
        ("support home, one tenant", f"{home}?tenant={tenant}"),
        ("candidates", candidates),
        ("candidates, one tenant", f"{candidates}?tenant__id__exact={tenant}"),
        ("candidates, stale", f"{candidates}?stale=yes"),
        ("candidates, search email", f"{candidates}?q={email}"),
        ("candidates, search Ashby id", f"{candidates}?q={external_id}"),
        ("applications", reverse("admin:guides_application_changelist")),
        (
            "applications, Hired",
            reverse("admin:guides_application_changelist") + "?status__exact=Hired",
        ),
        ("guides", reverse("admin:guides_guide_changelist")),
        ("guides, search email", reverse("admin:guides_guide_changelist") + f"?q={email}"),
        ("tenants", reverse("admin:tenants_tenant_changelist")),
        ("tenant page", reverse("admin:tenants_tenant_change", args=[tenant])),
    ]
    return found + delivery_pages(tenant)


def delivery_pages(tenant: int) -> list[tuple[str, str]]:
    try:
        deliveries = reverse("admin:integrations_webhookdelivery_changelist")
    except Exception:  # the webhooks models are not installed
        return []
    with connection.cursor() as c:
        c.execute("SELECT webhook_action_id FROM integrations_webhookdelivery LIMIT 1 OFFSET 7")
        row = c.fetchone()
    action_id = row[0] if row else "none"
    return [
        ("deliveries", deliveries),
        ("deliveries, one tenant", f"{deliveries}?tenant__id__exact={tenant}"),
        ("deliveries, failed", f"{deliveries}?status__exact=failed"),
        ("deliveries, has error", f"{deliveries}?has_error=yes"),
        ("deliveries, one event", f"{deliveries}?event=candidateHire"),
        ("deliveries, search action id", f"{deliveries}?q={action_id}"),
        ("webhook subscriptions", reverse("admin:integrations_webhooksubscription_changelist")),
    ]


def measure(client: Client, url: str, runs: int, verbose: bool = False) -> tuple[int, float, float]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200, url
    count = len(queries)
    if verbose:  # the slowest queries of the page, to see where its time goes
        for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:2]:
            print(f"    {float(q['time']) * 1000:8.1f} ms  {q['sql'][:300]}")
    timings = []
    for _ in range(runs):
        began = time.perf_counter()
        client.get(url)
        timings.append(time.perf_counter() - began)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return count, statistics.median(timings) * 1000, p95 * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=TENANTS)
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--deliveries", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--verbose", action="store_true", help="print each page's slowest queries")
    parser.add_argument("--only", default="", help="measure only pages whose name contains this")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("This benchmark needs PostgreSQL (set DATABASE_URL).")
    warnings.filterwarnings("ignore", message="No directory at")
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        began = time.perf_counter()
        has_deliveries = _webhooks_installed()
        seed(args.tenants, args.candidates, args.deliveries if has_deliveries else 0)
        print(f"seeded in {time.perf_counter() - began:.0f} s")
        user = get_user_model().objects.create_superuser("bench", "b@example.com", "pw")
        client = Client()
        client.force_login(user)
        print(
            f"{args.tenants:,} tenants, {args.candidates:,} candidates,"
            f" {args.deliveries if has_deliveries else 0:,} deliveries;"
            f" median and p95 of {args.runs} requests"
        )
        print(f"{'page':<32} {'queries':>8} {'median ms':>10} {'p95 ms':>8}")
        for name, url in pages():
            if args.only not in name:
                continue
            queries, ms, p95 = measure(client, url, args.runs, args.verbose)
            print(f"{name:<32} {queries:>8} {ms:>10.1f} {p95:>8.1f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def _webhooks_installed() -> bool:
    from django.apps import apps

    try:
        apps.get_model("integrations", "WebhookDelivery")
    except LookupError:
        return False
    return True


if __name__ == "__main__":
    main()
