"""Ashby's OpenAPI definition (a copy of ../shared/ashby/openapi.json) and what the sandbox
reads from it: the permission each endpoint requires and the webhook types."""

from __future__ import annotations

import copy
import functools
import json
import re
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


# Where the spec contradicts itself, the sandbox follows the documented behaviour and
# validation uses the document with these corrections (JSON pointer -> replacement).
ERRATA: dict[str, tuple[str, Any]] = {
    # "Returns null when the interviewer is qualified" but the enum leaves null out, so no
    # null could ever validate although the type allows it.
    "trainingRole": (
        "/paths/~1interviewEvent.list/post/responses/200/content/application~1json/schema/oneOf"
        "/0/allOf/1/properties/results/items/properties/interviewers/items/allOf/1/properties"
        "/trainingRole/enum",
        ["Shadow", "Reverse-Shadow", None],
    ),
}


@functools.cache
def load_for_validation() -> dict[str, Any]:
    """The spec with `ERRATA` applied: what the sandbox's responses are validated against."""
    document = copy.deepcopy(load())
    for pointer, value in ERRATA.values():
        *parents, last = [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]
        node = document
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if last not in node:
            raise LookupError(f"Spec erratum does not apply: {pointer}")
        node[last] = value
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
