"""Ashby's OpenAPI definition (a copy of ../shared/ashby/openapi.json) and what the sandbox
reads from it: the permission each endpoint requires and the webhook types."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parent / "openapi.json"

# "**Requires the [`candidatesRead`](authentication#permissions-candidatelist) permission.**"
_PERMISSION_RE = re.compile(r"Requires the \[?`(\w+)`")


@functools.cache
def load() -> dict[str, Any]:
    """The whole OpenAPI document (parsed once per process)."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


@dataclass(frozen=True)
class Erratum:
    """A place where the spec contradicts itself: the JSON pointers it applies to, the
    correction (a function of the node found there) and why (docs/ashby-spec-errata.md)."""

    reason: str
    pointers: tuple[str, ...]
    fix: Callable[[Any], Any]


def _replace(value: Any) -> Callable[[Any], Any]:
    return lambda _node: copy.deepcopy(value)


def _one_of_to_any_of(node: dict[str, Any]) -> dict[str, Any]:
    if "oneOf" not in node:
        raise LookupError("no oneOf to correct")
    fixed = {k: v for k, v in node.items() if k != "oneOf"}
    fixed["anyOf"] = node["oneOf"]
    return fixed


def _require_results(all_of: list[Any]) -> list[Any]:
    if not isinstance(all_of, list):
        raise LookupError("no allOf to correct")
    return [*all_of, {"required": ["results"]}]


_CREATE_NOTE_200 = (
    "/paths/~1candidate.createNote/post/responses/200/content/application~1json/schema"
)
_CUSTOM_FIELD_VALUE = (
    "/paths/~1customField.setValue/post/responses/200/content/application~1json/schema/oneOf"
    "/0/allOf/1/properties/results/properties/value"
)
_SET_VALUE_BODY = "/paths/~1customField.setValue/post/requestBody/content/application~1json"
_SET_VALUES_BODY = "/paths/~1customField.setValues/post/requestBody/content/application~1json"

# Where the spec contradicts itself, the sandbox follows the documented behaviour and
# validation (and payload generation) uses the document with these corrections. The one
# place errata live; docs/ashby-spec-errata.md explains each.
ERRATA: dict[str, Erratum] = {
    "trainingRole": Erratum(
        reason="Documented as 'null when the interviewer is qualified' but the enum leaves "
        "null out, so no null could ever validate although the type allows it: null added.",
        pointers=(
            "/paths/~1interviewEvent.list/post/responses/200/content/application~1json/schema"
            "/oneOf/0/allOf/1/properties/results/items/properties/interviewers/items/allOf/1"
            "/properties/trainingRole/enum",
        ),
        fix=_replace(["Shadow", "Reverse-Shadow", None]),
    ),
    # A custom field's value is "one of" its kinds, but the kinds overlap: two plain string
    # branches (String and ValueSelect; LongText too), so every string matches two branches
    # and `oneOf` (exactly one) refuses every string; a NumberRange object also matches the
    # Currency branch. The branches say which kinds a value may be, not that exactly one
    # applies (the field's type decides), so `anyOf` keeps every branch and its title and
    # accepts what Ashby sends. The response schema is $ref'd by every object with
    # customFields (candidate, application, job, ...).
    # candidate.createNote's and customField.setValue's success branches never require
    # `results`, so an error body ({success: false, errors, errorInfo}) matches both branches
    # of the `oneOf` and no error could validate. Every other endpoint's success branch
    # requires `results` (e.g. customField.list's): the same is added here.
    "writeResultsRequired": Erratum(
        reason="success branch without required `results` also matches every error body: "
        "`results` made required, as in the list endpoints' success branches.",
        pointers=(
            f"{_CREATE_NOTE_200}/oneOf/0/allOf",
            "/paths/~1customField.setValue/post/responses/200/content/application~1json"
            "/schema/oneOf/0/allOf",
        ),
        fix=_require_results,
    ),
    "customFieldValue": Erratum(
        reason="oneOf with overlapping branches (two or more plain {type: string}) can never "
        "validate a string: turned into anyOf.",
        pointers=(
            _CUSTOM_FIELD_VALUE,
            f"{_SET_VALUE_BODY}/schema/properties/fieldValue",
            f"{_SET_VALUES_BODY}/schema/properties/values/items/properties/fieldValue",
        ),
        fix=_one_of_to_any_of,
    ),
}


def _split(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def _apply(document: dict[str, Any], pointer: str, fix: Callable[[Any], Any]) -> None:
    *parents, last = _split(pointer)
    node: Any = document
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    key: Any = int(last) if isinstance(node, list) else last
    if isinstance(node, dict) and last not in node:
        raise LookupError(f"Spec erratum does not apply: {pointer}")
    try:
        node[key] = fix(node[key])
    except LookupError as exc:
        raise LookupError(f"Spec erratum does not apply: {pointer} ({exc})") from None


@functools.cache
def load_for_validation() -> dict[str, Any]:
    """The spec with `ERRATA` applied: what the sandbox's responses are validated against and
    what payloads are generated from. Cached: callers must not mutate it."""
    document = copy.deepcopy(load())
    for erratum in ERRATA.values():
        for pointer in erratum.pointers:
            _apply(document, pointer, erratum.fix)
    return document


def required_permission(endpoint: str) -> str:
    """The permission the spec's description of `endpoint` names ("Requires the `x` ...")."""
    description = load()["paths"][f"/{endpoint}"]["post"].get("description", "")
    match = _PERMISSION_RE.search(description)
    if match is None:
        raise LookupError(f"The spec names no permission for {endpoint}")
    return match.group(1)


def permission_to_scope(permission: str) -> str:
    """`candidatesRead` -> `candidates:read`, the style of apiKey.info's `scopes` example."""
    match = re.fullmatch(r"(\w+?)(Read|Write)", permission)
    if match is None:
        return permission
    return f"{match.group(1)}:{match.group(2).lower()}"


def webhook_create_types() -> list[str]:
    """The webhookType enum of webhook.create's request body."""
    schema = load()["paths"]["/webhook.create"]["post"]["requestBody"]["content"]
    return list(schema["application/json"]["schema"]["properties"]["webhookType"]["enum"])
