"""Fake Ashby bodies checked against Ashby's OpenAPI definition, so the client is tested with
the shapes Ashby documents rather than our own guesses."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_REPO = Path(__file__).resolve().parents[2]
# The sandbox keeps a copy of the spec in the repository; the shared copy is the fallback.
SPEC_PATHS = (
    _REPO / "ashby_sandbox" / "openapi.json",
    _REPO.parent / "shared" / "ashby" / "openapi.json",
)
_ERROR_SCHEMA = "#/paths/~1report.generate/post/responses/429/content/application~1json/schema"


@functools.cache
def _spec() -> dict[str, Any]:
    for candidate in SPEC_PATHS:
        if candidate.is_file():
            return json.loads(candidate.read_text())
    raise FileNotFoundError("Ashby's openapi.json was not found")


@functools.cache
def _validator(ref: str) -> Draft202012Validator:
    resource = Resource.from_contents(_spec(), default_specification=DRAFT202012)
    registry = Registry().with_resource("spec.json", resource)
    return Draft202012Validator({"$ref": f"spec.json{ref}"}, registry=registry)


def _pointer(endpoint: str) -> str:
    return f"#/paths/~1{endpoint}/post/responses/200/content/application~1json/schema"


def spec_body(endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """`body` unchanged, after checking it is a valid 200 answer of `endpoint` per the spec."""
    _validator(_pointer(endpoint)).validate(body)
    return body


def spec_error(
    code: str, message: str, request_id: str = "01JSJ8FDK5ZN4XQBZP7DBKK7ZC"
) -> dict[str, Any]:
    """Ashby's documented error envelope, checked against the spec's error schema."""
    body = {
        "success": False,
        "errors": [code],
        "errorInfo": {"code": code, "message": message, "requestId": request_id},
    }
    _validator(_ERROR_SCHEMA).validate(body)
    return body
