"""Confidential jobs said plainly (issue 19, point 4): the Integrations card and the Guides page
say when the Ashby key cannot see confidential jobs, how many applications Guide knows that
hides (a floor), and the key setting that changes it."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from guides import models as g
from integrations.models import AshbyConnection
from tests.guides import factories as f

# The sync engine's tests' fake Ashby, connection and sync (their fixtures, not their tests).
from tests.integrations import test_sync_engine as _engine
from tests.integrations.sync_fake import add_candidate, seed

pytestmark = pytest.mark.django_db

fake, ashby, sync = _engine.fake, _engine.ashby, _engine.sync

INTEGRATIONS = reverse("integrations:integrations")
GUIDES = reverse("guides:list")
SETTING = "Allow access to confidential jobs and projects"


def _visible_candidate(tenant, name: str = "Ada Lovelace"):
    """A candidate as a sync leaves one candidate.list returned (external_updated_at set)."""
    guide, app = f.candidate_with_guide(tenant, name)
    g.Candidate.objects.filter(pk=app.candidate_id).update(external_updated_at=timezone.now())
    return guide, app


def _hidden_candidate(tenant, name: str) -> g.Candidate:
    """What a sync leaves for a candidate candidate.list hides: a placeholder (no
    external_updated_at) that application.list still names."""
    _, app = f.candidate_with_guide(tenant, name)
    g.Candidate.objects.filter(pk=app.candidate_id).update(external_updated_at=None)
    return app.candidate


def test_after_a_sync_with_a_key_that_hides_a_candidate_both_pages_say_so(
    fake, ashby, tenant_admin_client, tenant_a
):
    seed(fake, candidates=2)
    hidden = add_candidate(fake, 7)
    # Ashby hides a candidate who applied to a confidential job from candidate.list; their
    # other applications are still listed (docs/ashby.md §11).
    fake.delete("candidate.list", hidden["candidate"]["id"])
    sync(ashby)
    assert (
        g.Candidate.objects.filter(tenant=tenant_a, external_updated_at__isnull=True).count() == 1
    )

    card = tenant_admin_client.get(INTEGRATIONS).content.decode()
    assert "Your Ashby key cannot see confidential jobs." in card
    assert "Ashby hides at least 1 application from Guide: 1 candidate has applied" in card
    assert SETTING in card and "edit the key Guide uses" in card and "Sync now" in card
    guides = tenant_admin_client.get(GUIDES).content.decode()
    assert "Some candidates have no guide" in guides
    assert "at least 1 application" in guides and SETTING in guides
    assert 'href="/settings/integrations/#confidential"' in guides


def test_the_count_grows_with_each_hidden_candidate_and_the_member_sees_it(
    ashby, member_client, tenant_a
):
    for name in ("Ada One", "Bea Two", "Cy Three"):
        _hidden_candidate(tenant_a, name)
    _visible_candidate(tenant_a, "Dee Visible")
    card = member_client.get(INTEGRATIONS).content.decode()
    assert "Ashby hides at least 3 applications from Guide: 3 candidates have applied" in card
    assert "at least 3 applications" in member_client.get(GUIDES).content.decode()


def test_a_key_that_sees_confidential_jobs_is_said_so_and_the_guides_page_is_quiet(
    ashby, tenant_admin_client, tenant_a
):
    _, app = _visible_candidate(tenant_a)
    g.Job.objects.filter(pk=app.job_id).update(confidential=True)
    card = tenant_admin_client.get(INTEGRATIONS).content.decode()
    assert "Your Ashby key sees confidential jobs: 1 confidential job is synced" in card
    assert "Some candidates have no guide" not in tenant_admin_client.get(GUIDES).content.decode()


def test_with_no_evidence_the_card_says_what_to_do_if_jobs_are_confidential(
    ashby, tenant_admin_client, tenant_a
):
    _visible_candidate(tenant_a)
    card = tenant_admin_client.get(INTEGRATIONS).content.decode()
    assert "Guide has seen no confidential job." in card and SETTING in card
    assert "Some candidates have no guide" not in tenant_admin_client.get(GUIDES).content.decode()


def test_not_connected_the_instructions_name_the_setting_and_the_guides_page_is_quiet(
    tenant_admin_client, tenant_a
):
    _hidden_candidate(tenant_a, "Ada One")
    card = tenant_admin_client.get(INTEGRATIONS).content.decode()
    assert f"<strong>{SETTING}</strong> (a setting of the key)" in card
    assert "Some candidates have no guide" not in tenant_admin_client.get(GUIDES).content.decode()


def test_the_outsider_never_sees_another_tenants_count(ashby, outsider_client, tenant_a, tenant_b):
    _hidden_candidate(tenant_a, "Ada One")
    AshbyConnection.objects.create(tenant=tenant_b, key_title="Bravo", key_last4="abcd")
    assert "Some candidates have no guide" not in outsider_client.get(GUIDES).content.decode()
    assert "cannot see confidential jobs" not in outsider_client.get(INTEGRATIONS).content.decode()
