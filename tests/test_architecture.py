"""Ashby's wire format stays under integrations/ashby/ (issue 16).

No module of the product outside integrations/ashby/ (and the sandbox, which is Ashby's
stand-in) spells an Ashby endpoint, the signature header, or a payload key Guide reads: a
generic module that did would be Ashby code in the wrong room, and a second ATS would have to
edit it. Tests, benchmarks and migrations (history) are not scanned.
"""

from __future__ import annotations

import re
from pathlib import Path

from integrations.ashby.permissions import ENDPOINT_PERMISSIONS

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ("guide_project", "tenants", "guides", "integrations", "emails", "templates", "static")
SUFFIXES = (".py", ".html", ".js", ".txt")
EXEMPT = ("integrations/ashby/",)

# Payload keys Guide reads, and the signature header (as sent, and as Django's META spells it).
WIRE_WORDS = (
    "Ashby-Signature",
    "HTTP_ASHBY_SIGNATURE",
    "webhookActionId",
    "applicationId",
    "interviewScheduleId",
    "primaryEmailAddress",
    "hiringTeam",
    "currentInterviewStage",
    "syncToken",
    "moreDataAvailable",
)

# Known offenders, each with why it is still here. None are left; to stay empty.
ALLOWED: dict[str, set[str]] = {}


def wire_terms() -> list[str]:
    return sorted(ENDPOINT_PERMISSIONS) + list(WIRE_WORDS)


def mentions(text: str, terms: list[str]) -> set[str]:
    return {t for t in terms if re.search(rf"(?<![\w.-]){re.escape(t)}(?![\w-])", text)}


def scanned_files():
    for top in SCANNED:
        for path in sorted((ROOT / top).rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.suffix not in SUFFIXES or "/migrations/" in relative:
                continue
            if relative.startswith(EXEMPT):
                continue
            yield relative, path.read_text(encoding="utf-8")


def test_the_endpoint_table_is_read():
    assert "candidate.list" in wire_terms() and "application.info" in wire_terms()


def test_the_scan_finds_a_mention():
    assert mentions('client.call("candidate.list", {})', wire_terms()) == {"candidate.list"}
    assert mentions('payload.get("webhookActionId")', wire_terms()) == {"webhookActionId"}
    assert not mentions("candidate.list_more = 1; x.hiringTeamSize", wire_terms())


def test_no_module_outside_integrations_ashby_speaks_ashbys_wire_format():
    terms = wire_terms()
    found = {}
    for relative, text in scanned_files():
        extra = mentions(text, terms) - ALLOWED.get(relative, set())
        if extra:
            found[relative] = sorted(extra)
    assert found == {}


def test_the_allow_list_holds_only_real_offenders():
    terms = wire_terms()
    texts = dict(scanned_files())
    for relative, allowed in ALLOWED.items():
        assert allowed <= mentions(texts[relative], terms), relative


def test_every_name_the_registry_provides_resolves():
    from integrations import registry

    resolved = {name: getattr(registry, name) for name in registry.PROVIDED}

    assert all(value is not None for value in resolved.values())
    assert callable(resolved["handler_for"]) and callable(resolved["signature_matches"])
    assert resolved["PING"] == "ping"


def test_the_registry_refuses_a_name_it_does_not_provide():
    import pytest

    from integrations import registry

    with pytest.raises(AttributeError, match="provides no 'nope'"):
        registry.nope  # noqa: B018
