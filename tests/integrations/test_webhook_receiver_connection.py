"""The receiver's database connection: a delivery is one INSERT, prepared on PostgreSQL, with
no health-check round trip before it; a connection that died since its last use is replaced
and the INSERT run again, and nothing else is ever run twice."""

from __future__ import annotations

import psycopg
import pytest
from django.db import (
    OperationalError,
    ProgrammingError,
    close_old_connections,
    connection,
    connections,
)

from integrations.models import WebhookDelivery
from tests.integrations.webhook_helpers import numbered_stage_change, post_webhook

DELIVERY_INSERT = 'INSERT INTO "integrations_webhookdelivery"'


@pytest.fixture
def kept_connection(monkeypatch):
    """Connections kept between requests, as in production (CONN_MAX_AGE > 0; the suite's own
    setting closes them after every request)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
    connection.close()
    yield
    connection.close()


def _deliver(client, sub, n: int) -> None:
    response = post_webhook(client, sub, numbered_stage_change(n))
    assert response.status_code == 200, response.content
    assert response.json()["outcome"] == "stored"


def _next_request() -> None:
    """What a WSGI server's request_started does between two requests (Django's test client
    skips it): keep or close the connection, and make a health check due again."""
    close_old_connections()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_delivery_insert_is_prepared_and_djangos_own_queries_are_not(
    client, stage_sub, queued_deliveries
):
    for n in range(8):
        _deliver(client, stage_sub, n)
        WebhookDelivery.objects.filter(action="candidateStageChange").count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert WebhookDelivery.objects.count() == 8
    if connection.settings_dict["OPTIONS"].get("prepare_threshold") is None:
        assert prepared == []  # DATABASE_PREPARED_STATEMENTS=false: nothing, ever
        return
    # Django's own queries (the count, the row's SELECT, health checks) bind on the client.
    assert len(prepared) == 1, prepared
    assert prepared[0].startswith(DELIVERY_INSERT)


@pytest.mark.postgres  # SQLite's health check is no round trip, and is kept
@pytest.mark.django_db(transaction=True)
def test_a_delivery_on_a_kept_connection_costs_no_health_check(
    client, stage_sub, queued_deliveries, kept_connection, monkeypatch
):
    _deliver(client, stage_sub, 0)
    _next_request()
    checks = []

    def is_usable(wrapper):
        checks.append(wrapper.alias)
        return True

    monkeypatch.setattr(type(connections["default"]), "is_usable", is_usable)
    _deliver(client, stage_sub, 1)
    assert checks == []
    # Django's own queries keep their health check, once per request.
    assert WebhookDelivery.objects.count() == 2
    assert checks == ["default"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_connection_that_died_since_the_last_delivery_is_replaced(
    client, stage_sub, queued_deliveries, kept_connection
):
    _deliver(client, stage_sub, 0)
    old_backend = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    params.pop("context", None)
    with psycopg.connect(**params, autocommit=True) as other:  # as a database restart would
        other.execute("SELECT pg_terminate_backend(%s)", [old_backend])
    _next_request()

    _deliver(client, stage_sub, 1)

    assert connection.connection.info.backend_pid != old_backend
    stored = sorted(WebhookDelivery.objects.values_list("webhook_action_id", flat=True))
    assert stored == [
        numbered_stage_change(0)["webhookActionId"],
        numbered_stage_change(1)["webhookActionId"],
    ]
    assert len(queued_deliveries) == 2


@pytest.mark.django_db(transaction=True)
def test_a_failed_insert_on_a_live_connection_is_not_run_again(
    client, stage_sub, queued_deliveries, kept_connection, monkeypatch, caplog
):
    _deliver(client, stage_sub, 0)
    attempts = []

    def times_out(sql, params):
        attempts.append(sql)
        raise OperationalError("canceling statement due to statement timeout")

    monkeypatch.setattr("integrations.receiving._insert", times_out)
    response = post_webhook(client, stage_sub, numbered_stage_change(1))
    assert response.status_code == 503  # Ashby retries it later
    assert len(attempts) == 1
    assert WebhookDelivery.objects.count() == 1
    assert "could not store a delivery (OperationalError)" in caplog.text
    assert "DATABASE_PREPARED_STATEMENTS" not in caplog.text  # no hint that does not apply


@pytest.mark.django_db(transaction=True)
def test_a_pooler_losing_prepared_statements_is_named_in_the_log(
    client, stage_sub, queued_deliveries, kept_connection, monkeypatch, caplog
):
    _deliver(client, stage_sub, 0)

    def lost(sql, params):
        try:
            raise psycopg.errors.InvalidSqlStatementName(
                'prepared statement "_pg3_0" does not exist'
            )
        except psycopg.Error as exc:
            raise ProgrammingError(str(exc)) from exc  # as Django wraps it

    monkeypatch.setattr("integrations.receiving._insert", lost)
    response = post_webhook(client, stage_sub, numbered_stage_change(1))
    assert response.status_code == 503
    assert "DATABASE_PREPARED_STATEMENTS=false" in caplog.text
    assert "_pg3_0" not in caplog.text  # the error's own text is not logged
