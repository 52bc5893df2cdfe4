"""No list page of the console runs a query per row: the same number of queries for a few
rows as for many."""

from __future__ import annotations

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from tests.admin.world import changelist_urls, populate

pytestmark = pytest.mark.django_db


def queries_per_page(client) -> dict[str, int]:
    counts = {}
    for url in changelist_urls():
        with CaptureQueriesContext(db_connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(captured.captured_queries)
    return counts


def test_list_pages_run_as_many_queries_for_20_rows_as_for_2(superuser_client, tenant_a, tenant_b):
    populate(tenant_a, name="Ada Lovelace")
    populate(tenant_b, name="Bea Bravo")
    few = queries_per_page(superuser_client)
    for n in range(9):
        populate(tenant_a, name=f"Cy Number{n}")
        populate(tenant_b, name=f"Di Number{n}")
    many = queries_per_page(superuser_client)
    grew = {url: (few[url], many[url]) for url in few if many[url] != few[url]}
    assert grew == {}
