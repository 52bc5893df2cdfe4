"""The spec errata (`spec.ERRATA`, docs/ashby-spec-errata.md): each applies to the spec copy,
and the corrected document accepts what the uncorrected one could never accept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ashby_sandbox import spec

CANDIDATE_INFO_RESULTS = (
    "#/paths/~1candidate.info/post/responses/200/content/application~1json/schema"
    "/oneOf/0/allOf/1/properties/results"
)


def _validator(document: dict[str, Any], ref: str) -> Draft202012Validator:
    resource = Resource.from_contents(document, default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:spec", resource)
    return Draft202012Validator({"$ref": f"urn:spec{ref}"}, registry=registry)


def _candidate(custom_value: Any) -> dict[str, Any]:
    field = {
        "id": "00000000-0000-4000-8000-000000000001",
        "title": "Pronouns",
        "value": custom_value,
        "isPrivate": False,
    }
    return {
        "id": "00000000-0000-4000-8000-000000000002",
        "name": "Ada Lovelace",
        "emailAddresses": [],
        "phoneNumbers": [],
        "socialLinks": [],
        "tags": [],
        "applicationIds": [],
        "fileHandles": [],
        "profileUrl": "https://app.ashbyhq.com/candidate/x",
        "customFields": [field],
    }


def test_a_custom_field_string_value_is_refused_by_the_spec_as_published():
    errors = list(_validator(spec.load(), CANDIDATE_INFO_RESULTS).iter_errors(_candidate("x")))
    assert any("customFields" in e.absolute_path for e in errors)


def test_a_custom_field_string_value_is_valid_with_the_errata():
    validator = _validator(spec.load_for_validation(), CANDIDATE_INFO_RESULTS)
    for value in ("she/her", True, 3.5, ["a", "b"], {"currencyCode": "USD", "value": 1}):
        assert list(validator.iter_errors(_candidate(value))) == [], value
    assert list(validator.iter_errors(_candidate(None)))  # null is still not a kind of value


def test_training_role_null_is_valid_with_the_errata():
    pointer = spec.ERRATA["trainingRole"].pointers[0]
    node = spec.load_for_validation()
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    assert None in node


def test_every_erratum_has_a_reason_and_applies():
    for name, erratum in spec.ERRATA.items():
        assert erratum.reason and erratum.pointers, name
    assert spec.load_for_validation() != spec.load()


def _overlapping_string_branches(node: Any, path: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        branches = node.get("oneOf") or []
        plain = [b for b in branches if b.get("type") == "string" and set(b) <= _ANNOTATIONS]
        if len(plain) > 1:
            found.append(path)
        for key, value in node.items():
            found += _overlapping_string_branches(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _overlapping_string_branches(value, f"{path}/{index}")
    return found


_ANNOTATIONS = {"type", "title", "description", "example", "examples"}


def test_no_one_of_with_two_plain_string_branches_remains():
    assert _overlapping_string_branches(spec.load())  # the published spec has them
    assert _overlapping_string_branches(spec.load_for_validation()) == []


def test_the_errata_are_documented():
    doc = (Path(spec.__file__).resolve().parent.parent / "docs/ashby-spec-errata.md").read_text()
    for name, erratum in spec.ERRATA.items():
        assert f"`{name}`" in doc
        for pointer in erratum.pointers:
            assert pointer in doc, pointer
    assert json.dumps(spec.load_for_validation())  # still plain JSON (no callables left)
