"""List pages of big tables never count the whole table."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guides.models import Candidate
from tenants.admin_kit import EstimatedCountPaginator
from tests.guides import factories as f

pytestmark = pytest.mark.django_db


class TinyThresholds(EstimatedCountPaginator):
    estimate_above = 1
    count_cap = 3


def candidates(tenant, n: int) -> None:
    for i in range(n):
        f.candidate(tenant, f"Person Number{i}")


def test_a_filtered_count_stops_at_the_cap(tenant_a):
    candidates(tenant_a, 5)
    paginator = TinyThresholds(Candidate.objects.filter(tenant=tenant_a).order_by("pk"), 2)
    assert paginator.count == 3
    assert paginator.count_is_capped and not paginator.count_is_estimate


def test_a_small_filtered_count_is_exact(tenant_a):
    candidates(tenant_a, 2)
    paginator = TinyThresholds(Candidate.objects.filter(tenant=tenant_a).order_by("pk"), 2)
    assert paginator.count == 2
    assert not paginator.count_is_capped


def test_an_unfiltered_count_on_sqlite_is_exact_up_to_the_cap(tenant_a, is_postgres):
    if is_postgres:
        pytest.skip("PostgreSQL estimates instead; see the next test")
    candidates(tenant_a, 2)
    paginator = TinyThresholds(Candidate.objects.order_by("pk"), 2)
    assert paginator.count == 2


@pytest.mark.postgres
def test_an_unfiltered_count_on_postgresql_is_the_planner_estimate(tenant_a):
    candidates(tenant_a, 4)
    with db_connection.cursor() as cursor:
        cursor.execute("ANALYZE guides_candidate")
    paginator = TinyThresholds(Candidate.objects.order_by("pk"), 2)
    with CaptureQueriesContext(db_connection) as captured:
        count = paginator.count
    assert count == 4
    assert paginator.count_is_estimate
    assert "reltuples" in captured.captured_queries[0]["sql"]
    assert not any("COUNT(" in q["sql"].upper() for q in captured.captured_queries)


def test_the_list_page_of_a_big_table_skips_the_full_count(superuser_client, tenant_a):
    candidates(tenant_a, 2)
    url = reverse("admin:guides_candidate_changelist")
    with CaptureQueriesContext(db_connection) as captured:
        response = superuser_client.get(url, {"q": "Number1"})
    assert response.status_code == 200
    counts = [q["sql"] for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1  # the capped count of the search, not a second one of the table
    assert "LIMIT" in counts[0].upper()
