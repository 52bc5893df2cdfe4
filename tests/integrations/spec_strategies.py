"""Hypothesis strategies for Ashby payloads, generated from the schemas of Ashby's OpenAPI
definition (ashby_sandbox/openapi.json, with its documented errata applied), for the
property-based tests of the webhook handlers and the sync's storing functions.

- `inline(schema)` resolves every `$ref` of a schema (the spec's refs point anywhere in the
  document: `#/paths/...`, `#/webhooks/...`), cutting a ref that refers back to itself.
  The spec is OpenAPI 3.1: its schemas are JSON Schema 2020-12 (`type: [string, null]`, no
  OpenAPI 3.0 `nullable`), so nothing else needs converting.
- `from_spec(schema)` turns a resolved schema into a strategy. Scalars (strings with their
  formats, numbers, booleans, nulls) come from hypothesis-jsonschema's `from_schema`; objects,
  arrays and `allOf` / `oneOf` / `anyOf` are composed here, because hypothesis-jsonschema
  0.23.1's object strategy uses a private Hypothesis API (`many.more()`) that Hypothesis 6.170
  no longer has (AttributeError: 'many' object has no attribute 'more' for any schema with
  `properties`).
- `omitting(value)` deletes a random subset of the keys of every object in a payload,
  required keys included, as real Ashby deliveries do (a candidateStageChange's application
  comes without `job` and `hiringTeam`). Hypothesis shrinks it towards omitting nothing, so a
  failure shrinks to the few keys whose absence matters.
"""

from __future__ import annotations

import copy
import functools
import os
from collections.abc import Iterable, Mapping
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ashby_sandbox.spec import load_for_validation
from integrations.ashby.resources import RESOURCES

# The ten actions of integrations/ashby/events.py HANDLERS, and ping.
WEBHOOK_ACTIONS = (
    "applicationSubmit",
    "applicationUpdate",
    "candidateStageChange",
    "candidateHire",
    "candidateDelete",
    "candidateMerge",
    "interviewScheduleCreate",
    "interviewScheduleUpdate",
    "jobCreate",
    "jobUpdate",
    "ping",
)
# What the sync reads: RESOURCES of integrations/ashby/resources.py, the stages per plan, the
# events of a schedule without embedded ones, and the two info calls.
# Read from the sync's own table, so a resource added there without properties here fails
# test_spec_sync_pages' coverage check.
LIST_ENDPOINTS = (
    *(resource.endpoint for resource in RESOURCES),
    "interviewStage.list",
    "interviewEvent.list",
)
INFO_ENDPOINTS = ("candidate.info", "application.info")

# Keywords with no bearing on which values are valid.
_ANNOTATIONS = {"description", "example", "examples", "title", "deprecated", "default", "summary"}
# Formats hypothesis-jsonschema does not know (it would make any string of a `uuid`);
# `int64` only ever sits on integers.
_FORMATS = {
    "uuid": st.uuids().map(str),
    "currency": st.sampled_from(["1000", "99.5"]),
    "binary": st.text(max_size=8),
    "int64": st.just("0"),
}
_SCALAR_KEYWORDS = {"format", "minimum", "maximum", "minLength", "maxLength", "pattern"}
_MAX_ITEMS = 3
# Free text Ashby may well send and plain generation seldom draws: a NUL (JSON allows
# "\u0000"; PostgreSQL text refuses it), longer than Guide's columns, blank.
_AWKWARD = st.sampled_from(
    ["Ada\x00Lovelace", "\x00", "x" * 1200, "é" * 300, " ", ""]
)  # arrays the spec leaves unbounded: a few items are enough to find bugs


def webhook_pointer(action: str) -> str:
    return f"#/webhooks/{action}/post/requestBody/content/application~1json/schema"


def response_pointer(endpoint: str) -> str:
    return f"#/paths/~1{endpoint}/post/responses/200/content/application~1json/schema"


# --- resolving -----------------------------------------------------------------------------


@functools.cache
def spec() -> dict[str, Any]:
    return load_for_validation()


def _target(ref: str) -> Any:
    if not ref.startswith("#/"):
        raise ValueError(f"Only local refs are expected in Ashby's spec, not {ref!r}")
    node: Any = spec()
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def inline(node: Any, _stack: tuple[str, ...] = ()) -> Any:
    """`node` with every `$ref` replaced by what it points at; a ref already being inlined
    above (a recursive schema) becomes `{}` (anything), which ends the recursion."""
    if isinstance(node, list):
        return [inline(item, _stack) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        ref = node["$ref"]
        if ref in _stack:
            return {}
        target = inline(_target(ref), (*_stack, ref))
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {"allOf": [target, inline(rest, _stack)]} if rest else target
    return {k: v if k in _ANNOTATIONS else inline(v, _stack) for k, v in node.items()}


@functools.cache
def resolved(pointer: str) -> dict[str, Any]:
    return inline(_target(pointer))


def webhook_schema(action: str) -> dict[str, Any]:
    return resolved(webhook_pointer(action))


def results_schema(endpoint: str) -> dict[str, Any]:
    """The schema of one record of a 200 answer's `results` (the list's items, or the info
    call's object): the success branch of the answer's oneOf."""
    answer = resolved(response_pointer(endpoint))
    success = answer["oneOf"][0] if "oneOf" in answer else answer
    results = _merge_all(success)["properties"]["results"]
    results = _merge_all(results)
    return results.get("items", results)


# --- merging allOf -------------------------------------------------------------------------


def _merge_all(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`schema` with its allOf folded in (recursively): properties merged key by key,
    required lists joined; a oneOf / anyOf met on the way is kept as a choice for later."""
    merged: dict[str, Any] = {}
    _merge_into(merged, {k: v for k, v in schema.items() if k != "allOf" and k not in _ANNOTATIONS})
    for part in schema.get("allOf", []):
        _merge_into(merged, _merge_all(part))
    return merged


def _merge_into(merged: dict[str, Any], part: Mapping[str, Any]) -> None:
    for key, value in part.items():
        if key == "properties":
            props = merged.setdefault("properties", {})
            for name, sub in value.items():
                props[name] = {"allOf": [props[name], sub]} if name in props else sub
        elif key == "required":
            merged["required"] = sorted({*merged.get("required", []), *value})
        elif key in ("oneOf", "anyOf"):
            merged.setdefault("_choices", []).append(value)
        elif key == "_choices":
            merged.setdefault("_choices", []).extend(value)
        elif key == "type" and "type" in merged:
            merged["type"] = _common_types(merged["type"], value)
        elif key == "enum" and "enum" in merged:
            merged["enum"] = [v for v in merged["enum"] if v in value]
        else:
            merged[key] = value


def _types(value: Any) -> list[str]:
    return list(value) if isinstance(value, list) else [value]


def _common_types(a: Any, b: Any) -> list[str]:
    left, right = _types(a), _types(b)
    both = [t for t in left if t in right or (t == "integer" and "number" in right)]
    both += [t for t in right if t == "integer" and "number" in left and t not in both]
    return both


# --- strategies ----------------------------------------------------------------------------


def from_spec(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid for a resolved schema (see the module's docstring)."""
    return _strategy(_freeze(schema))


def _freeze(value: Any) -> Any:
    """A hashable copy of a JSON value, so strategies can be cached per schema."""
    if isinstance(value, Mapping):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("__list__", *(_freeze(v) for v in value))
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and value and value[0] == "__list__":
        return [_thaw(v) for v in value[1:]]
    if isinstance(value, tuple):
        return {k: _thaw(v) for k, v in value}
    return value


@functools.cache
def _strategy(frozen: Any) -> st.SearchStrategy[Any]:
    schema = _merge_all(_thaw(frozen))
    choices = schema.pop("_choices", [])
    if choices:
        first, rest = choices[0], choices[1:]
        branches = []
        for branch in first:
            combined = {**schema, "allOf": [branch]}
            if rest:
                combined["_choices"] = rest
            branches.append(_strategy(_freeze(combined)))
        return st.one_of(branches)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    types = _types(schema["type"]) if "type" in schema else _implied_types(schema)
    return st.one_of([_of_type(t, schema) for t in types])


def _implied_types(schema: Mapping[str, Any]) -> list[str]:
    if "properties" in schema or "required" in schema:
        return ["object"]
    if "items" in schema:
        return ["array"]
    return ["string", "integer", "boolean", "null"]  # an unconstrained value: a few kinds


def _of_type(kind: str, schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    if kind == "object":
        return _object(schema)
    if kind == "array":
        items = schema.get("items", {})
        high = schema.get("maxItems", max(_MAX_ITEMS, schema.get("minItems", 0)))
        return st.lists(from_spec(items), min_size=schema.get("minItems", 0), max_size=high)
    scalar = {k: v for k, v in schema.items() if k in _SCALAR_KEYWORDS}
    scalar["type"] = kind
    if kind != "string":
        scalar.pop("format", None)
    values = from_schema(scalar, custom_formats=_FORMATS)
    if kind == "string" and len(scalar) == 1:  # free text: now and then an awkward one
        return st.integers(0, 7).flatmap(lambda n: _AWKWARD if n == 7 else values)
    return values


def _object(schema: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    props = schema.get("properties", {})
    required = [name for name in schema.get("required", []) if name in props]
    optional = {name: from_spec(sub) for name, sub in props.items() if name not in required}
    return st.fixed_dictionaries(
        {name: from_spec(props[name]) for name in required}, optional=optional
    )


# --- validity ------------------------------------------------------------------------------


@functools.cache
def validator(pointer: str) -> Draft202012Validator:
    """A validator for the schema at `pointer` of the spec (with its errata)."""
    resource = Resource.from_contents(spec(), default_specification=DRAFT202012)
    registry = Registry().with_resource("spec.json", resource)
    return Draft202012Validator({"$ref": f"spec.json{pointer}"}, registry=registry)


def spec_errors(pointer: str, value: Any) -> list[str]:
    """Why `value` is not valid for the schema at `pointer` ([] when it is)."""
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}"
        for e in validator(pointer).iter_errors(value)
    ]


# --- payloads ------------------------------------------------------------------------------


def webhook_payloads(action: str) -> st.SearchStrategy[dict[str, Any]]:
    """Complete deliveries of `action`, valid for its schema."""
    return from_spec(webhook_schema(action))


def result_records(endpoint: str) -> st.SearchStrategy[dict[str, Any]]:
    """One record of `endpoint`'s 200 answer, valid for its schema."""
    return from_spec(results_schema(endpoint))


Path = tuple[str, ...]


@st.composite
def omitting(draw, value: Any, keep: Iterable[Path] = (), _at: Path = ()) -> Any:
    """`value` with a random subset of the keys of each of its objects deleted (at every
    depth, inside lists too), except the paths in `keep` (tuples of keys; list indexes are not
    part of a path). Shrinks towards deleting nothing."""
    keep = frozenset(keep)
    if isinstance(value, list):
        return [draw(omitting(item, keep, _at)) for item in value]
    if not isinstance(value, dict):
        return copy.deepcopy(value)
    out = {}
    for key, item in value.items():
        path = (*_at, key)
        if path in keep or not draw(st.booleans()):
            out[key] = draw(omitting(item, keep, path))
    return out


def partial_payloads(
    payloads: st.SearchStrategy[dict[str, Any]], keep: Iterable[Path] = ()
) -> st.SearchStrategy[dict[str, Any]]:
    """Payloads with some keys omitted (`keep`: the paths never omitted)."""
    keep = tuple(keep)
    return payloads.flatmap(lambda value: omitting(value, keep))


def present(obj: Any, path: Path) -> bool:
    """Whether `obj` has the key path `path` (a payload that says something about it)."""
    for key in path:
        if not isinstance(obj, Mapping) or key not in obj:
            return False
        obj = obj[key]
    return True


def property_settings(examples: int) -> settings:
    """Bounded and deterministic (the same examples on every run, nothing saved between
    runs). For investigating, not for CI: SPEC_NO_SHRINK=1 in the environment reports a
    failing example without spending minutes shrinking it; SPEC_EXAMPLES=500 looks further."""
    examples = int(os.environ.get("SPEC_EXAMPLES", examples))
    phases = [Phase.explicit, Phase.generate] if os.environ.get("SPEC_NO_SHRINK") else list(Phase)
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=phases,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
