"""Several companies in one sandbox: a key sees its own organisation only, and the request
log counts calls made while the partner was asked to pause."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command

from ashby_sandbox import access, organisations, request_log, seed
from ashby_sandbox import models as m
from ashby_sandbox.keys import ALL_PERMISSIONS, GUIDE_PERMISSIONS, create_key


def _key_of(name: str, **options) -> str:
    with organisations.scope(m.Organization.named(name)):
        return create_key(f"{name} key", GUIDE_PERMISSIONS, **options).secret


@pytest.fixture
def two_companies(db):
    with organisations.scope(m.Organization.named("Acme")):
        seed.seed(12, seed=11)
    with organisations.scope(m.Organization.named("Globex")):
        seed.seed(5, seed=12)
    return _key_of("Acme"), _key_of("Globex")


def _all_ids(call, endpoint: str, secret: str) -> set[str]:
    ids, body = set(), {}
    while True:
        page = call(endpoint, body, secret=secret).json()
        assert page["success"], page
        ids |= {row["id"] for row in page["results"]}
        if not page["moreDataAvailable"]:
            return ids
        body = {"cursor": page["nextCursor"]}


def test_each_key_lists_only_its_own_company(two_companies, call):
    acme, globex = two_companies
    acme_ids = _all_ids(call, "candidate.list", acme)
    globex_ids = _all_ids(call, "candidate.list", globex)
    # Every listed candidate is the company's own (those of confidential jobs are not listed).
    for name, ids in (("Acme", acme_ids), ("Globex", globex_ids)):
        own = m.Candidate.objects.filter(organization__name=name).values_list("id", flat=True)
        assert ids and ids <= {str(pk) for pk in own}
    assert not acme_ids & globex_ids
    assert not _all_ids(call, "job.list", acme) & _all_ids(call, "job.list", globex)


def test_another_companys_record_is_not_found(two_companies, call):
    acme, globex = two_companies
    candidate_id = next(iter(_all_ids(call, "candidate.list", acme)))
    answer = call("candidate.info", {"id": candidate_id}, secret=globex).json()
    assert answer["success"] is False
    assert call("candidate.info", {"id": candidate_id}, secret=acme).json()["success"]


def test_a_webhook_created_through_the_api_belongs_to_the_keys_company(db, call):
    seed.seed(2, seed=1)  # the default organisation exists beside the key's
    with organisations.scope(m.Organization.named("Initech")):
        secret = create_key("k", ALL_PERMISSIONS).secret
    body = {
        "webhookType": "candidateHire",
        "requestUrl": "http://127.0.0.1:9/hook",
        "secretToken": "s" * 32,
    }
    assert call("webhook.create", body, secret=secret).json()["success"]
    assert [w.organization.name for w in m.Webhook.objects.all()] == ["Initech"]


def test_the_command_seeds_a_named_company_beside_the_default_one(db):
    seed.seed(3, seed=1)
    call_command("sandbox_seed", "--candidates", "4", "--seed", "9", "--organisation", "Hooli")
    hooli = m.Organization.objects.get(name="Hooli")
    assert m.Candidate.objects.filter(organization=hooli).count() >= 4
    assert m.Candidate.objects.filter(organization__isnull=True).count() >= 3


def test_the_log_counts_calls_during_a_partner_pause(db, call, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(access, "_windows", {})
    monkeypatch.setattr(request_log, "_pauses", {})
    settings.SANDBOX_REQUEST_LOG = str(tmp_path / "requests.jsonl")
    settings.SANDBOX_PARTNER_RATE_LIMIT_PER_MINUTE = 1
    first, second = _key_of("A", partner="Zapier"), _key_of("B", partner="Zapier")
    statuses = [call("user.list", {}, secret=s).status_code for s in (first, second, first)]
    assert statuses == [200, 429, 429]
    lines = [json.loads(line) for line in (tmp_path / "requests.jsonl").read_text().splitlines()]
    assert [line["status"] for line in lines] == [200, 429, 429]
    assert [line["paused"] is not None for line in lines] == [False, False, True]
    assert [line["scope"] for line in lines] == ["", "integration-partner", "integration-partner"]
    assert {line["partner"] for line in lines} == {"Zapier"}
    assert len({line["org"] for line in lines}) == 2
