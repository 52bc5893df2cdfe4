"""Issue 20 point 5's "done when": with write-back on, the guide link appears on the candidate
in the sandbox's Ashby, over real HTTP (pytest-django's live_server); read back through the
API (candidate.info's customFields), never by importing the sandbox."""

from __future__ import annotations

import pytest
from django.core.management import get_commands

from guides.models import Guide
from guides.views_public import public_url
from integrations.ashby import write_back as wb
from integrations.ashby.client import AshbyClient
from integrations.models import GuideLinkWrite
from tests.integrations.test_sync_sandbox import _connect, _manage, _sync

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "sandbox_seed" not in get_commands(), reason="needs the Ashby sandbox (ashby_sandbox)"
    ),
]

WRITE = ",".join(
    ["candidatesRead", "jobsRead", "interviewsRead", "organizationRead"]
    + ["apiKeysRead", "candidatesWrite", "hiringProcessMetadataRead"]
)


@pytest.fixture
def sandbox(live_server, settings):
    settings.ASHBY_API_URL = live_server.url + "/sandbox/ashby/api"
    settings.SANDBOX_WEBHOOK_SENDER = "manual"
    settings.SANDBOX_RATE_LIMIT_PER_MINUTE = 100_000
    _manage("sandbox_seed", "--candidates", "3", "--seed", "5")
    return live_server


def test_the_guide_link_appears_on_the_candidate_in_the_sandbox(sandbox, tenant_a):
    connection = _connect(tenant_a)
    connection.api_key = _manage("sandbox_key", "--name", "guide-write", "--permissions", WRITE)
    connection.permissions = WRITE.split(",")
    connection.save()
    _sync(connection, full=True)
    client = AshbyClient(connection.api_key)
    [field] = wb.candidate_fields(client)
    assert field["title"] == "Guide link"
    connection.guide_link_target = field["id"]
    connection.guide_link_field_title = field["title"]
    connection.save()

    guides = list(Guide.objects.filter(tenant=tenant_a).select_related("candidate"))
    assert guides
    assert wb.write_due(connection) == len(guides)
    assert set(GuideLinkWrite.objects.values_list("status", flat=True)) == {"written"}
    for guide in guides:
        info = client.call("candidate.info", {"id": guide.candidate.external_id})
        values = {f["title"]: f["value"] for f in info["customFields"]}
        assert values["Guide link"] == public_url(guide)
    assert wb.write_due(connection) == 0
