"""touch_guides: the service the sync and webhook handlers call when a guide's data changes."""

from __future__ import annotations

import pytest

from guides.models import Application, Guide
from guides.services import touch_guides
from tests.guides import factories as f

pytestmark = pytest.mark.django_db

LONG_AGO = f.at("2026-01-01 00:00")


def stamps() -> dict[str, object]:
    return dict(Guide.objects.values_list("candidate__name", "updated_at"))


def test_it_moves_only_the_given_candidates_guides(tenant_a):
    ada, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    f.candidate_with_guide(tenant_a, "Grace Hopper")
    Guide.objects.update(updated_at=LONG_AGO)

    assert touch_guides(tenant_a, [ada.candidate_id, ada.candidate_id]) == 1

    after = stamps()
    assert after["Ada Lovelace"] > LONG_AGO and after["Grace Hopper"] == LONG_AGO


def test_it_never_touches_another_tenants_guides(tenant_a, tenant_b):
    bob, _ = f.candidate_with_guide(tenant_b, "Bob Bravo")
    Guide.objects.update(updated_at=LONG_AGO)
    assert touch_guides(tenant_a, [bob.candidate_id]) == 0
    assert stamps()["Bob Bravo"] == LONG_AGO


def test_it_accepts_a_queryset_of_candidate_ids(tenant_a):
    ada, app = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    f.candidate_with_guide(tenant_a, "Grace Hopper")
    Guide.objects.update(updated_at=LONG_AGO)
    on_job = Application.objects.filter(job=app.job).values_list("candidate_id", flat=True)

    assert touch_guides(tenant_a, on_job) == 1
    assert stamps()["Ada Lovelace"] > LONG_AGO and stamps()["Grace Hopper"] == LONG_AGO


def test_it_handles_many_ids_and_none(tenant_a, django_assert_num_queries):
    ada, _ = f.candidate_with_guide(tenant_a, "Ada Lovelace")
    with django_assert_num_queries(0):
        assert touch_guides(tenant_a, []) == 0
    many = list(range(100_000, 101_200)) + [ada.candidate_id]
    with django_assert_num_queries(3):  # chunks of 500
        assert touch_guides(tenant_a, many) == 1
