"""Full-name search: "Jamal Patel" finds Jamal Patel on the Interviewers page, the Guides page
and the support console, whichever field holds which word, in any case and order; a word that
matches nothing still finds nothing; no tenant sees another tenant's people."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse

from guides.models import Interviewer
from guides.search import MAX_WORDS, every_word_matches
from tests.guides import factories as f

pytestmark = pytest.mark.django_db

INTERVIEWERS = reverse("guides:interviewers")
GUIDES = reverse("guides:list")
CONSOLE_INTERVIEWERS = reverse("admin:guides_interviewer_changelist")
CONSOLE_CANDIDATES = reverse("admin:guides_candidate_changelist")


@pytest.fixture
def people(tenant_a, tenant_b):
    """Acme's Jamal Patel, Jamal Smith and Priya Patel, and Bravo's own Jamal Patel."""
    return {
        "jamal": f.interviewer(tenant_a, "Jamal", "Patel", email="jp@acme.test"),
        "smith": f.interviewer(tenant_a, "Jamal", "Smith", email="js@acme.test"),
        "priya": f.interviewer(tenant_a, "Priya", "Patel", email="pp@acme.test"),
        "bravo": f.interviewer(tenant_b, "Jamal", "Patel", email="jamal@bravo.test"),
    }


def _emails(html: str) -> set[str]:
    return {
        e for e in ("jp@acme.test", "js@acme.test", "pp@acme.test", "jamal@bravo.test") if e in html
    }


@pytest.mark.parametrize("term", ["Jamal Patel", "jamal patel", "PATEL  Jamal", " jam pat "])
def test_an_admin_finds_an_interviewer_by_full_name(tenant_admin_client, people, term):
    html = tenant_admin_client.get(INTERVIEWERS, {"q": term}).content.decode()
    assert _emails(html) == {"jp@acme.test"}


def test_one_word_still_finds_everyone_it_matches(tenant_admin_client, people):
    html = tenant_admin_client.get(INTERVIEWERS, {"q": "Patel"}).content.decode()
    assert _emails(html) == {"jp@acme.test", "pp@acme.test"}


def test_a_word_that_matches_nobody_finds_nobody(tenant_admin_client, people):
    html = tenant_admin_client.get(INTERVIEWERS, {"q": "Jamal Okafor"}).content.decode()
    assert _emails(html) == set()
    assert "No interviewer matches" in html


def test_the_display_name_counts_as_the_full_name(tenant_admin_client, people):
    Interviewer.objects.filter(pk=people["jamal"].pk).update(display_name="Jay Patel-Khan")
    html = tenant_admin_client.get(INTERVIEWERS, {"q": "jay khan"}).content.decode()
    assert _emails(html) == {"jp@acme.test"}


def test_a_member_can_search_by_full_name(member_client, people):
    html = member_client.get(INTERVIEWERS, {"q": "Jamal Patel"}).content.decode()
    assert _emails(html) == {"jp@acme.test"}


def test_an_outsider_finds_only_their_own_tenants_jamal_patel(outsider_client, people):
    html = outsider_client.get(INTERVIEWERS, {"q": "Jamal Patel"}).content.decode()
    assert _emails(html) == {"jamal@bravo.test"}


def test_the_guides_page_finds_a_candidate_by_full_name(
    tenant_admin_client, member_client, outsider_client, tenant_a
):
    f.candidate_with_guide(tenant_a, "Jamal A. Patel", email="jamal@cand.test")
    f.candidate_with_guide(tenant_a, "Jamal Smith", email="smith@cand.test")
    for client in (tenant_admin_client, member_client):
        html = client.get(GUIDES, {"q": "jamal patel"}).content.decode()
        assert "jamal@cand.test" in html and "smith@cand.test" not in html
    assert (
        "jamal@cand.test" not in outsider_client.get(GUIDES, {"q": "jamal patel"}).content.decode()
    )


def test_a_pasted_sentence_is_searched_by_its_first_words_only():
    words = " ".join(f"w{i}" for i in range(MAX_WORDS + 5))
    assert str(every_word_matches(words, ["name"])).count("icontains") == MAX_WORDS


# --- the support console (Django's admin splits terms on spaces and ANDs them) ---------------


@pytest.fixture
def support_client(client):
    user = get_user_model().objects.create_user(
        "sam_support", "sam@example.com", "pw", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Support"))
    client.force_login(user)
    return client


@pytest.fixture
def superuser_client(client_class_):
    client = client_class_()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_the_console_finds_interviewers_and_candidates_by_full_name(
    support_client, superuser_client, tenant_a, people
):
    f.candidate_with_guide(tenant_a, "Jamal A. Patel", email="jamal@cand.test")
    for client in (support_client, superuser_client):
        interviewers = client.get(CONSOLE_INTERVIEWERS, {"q": "Jamal Patel"}).content.decode()
        assert _emails(interviewers) == {"jp@acme.test", "jamal@bravo.test"}  # every tenant
        candidates = client.get(CONSOLE_CANDIDATES, {"q": "jamal patel"}).content.decode()
        assert "jamal@cand.test" in candidates


def test_the_consoles_exact_id_and_email_look_ups_still_answer(support_client, people):
    Interviewer.objects.filter(pk=people["priya"].pk).update(external_id=str(uuid.uuid4()))
    priya = Interviewer.objects.get(pk=people["priya"].pk)
    by_id = support_client.get(CONSOLE_INTERVIEWERS, {"q": priya.external_id}).content.decode()
    assert _emails(by_id) == {"pp@acme.test"}
    by_email = support_client.get(CONSOLE_INTERVIEWERS, {"q": "JP@acme.test"}).content.decode()
    assert _emails(by_email) == {"jp@acme.test"}


def test_the_tenants_own_users_get_no_console(tenant_admin_client, member_client, outsider_client):
    for client in (tenant_admin_client, member_client, outsider_client):
        response = client.get(CONSOLE_INTERVIEWERS, {"q": "Jamal Patel"})
        assert response.status_code == 302 and "/login/" in response["Location"]
