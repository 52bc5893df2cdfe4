"""Ashby's error envelope and the exception handlers raise to produce it."""

from __future__ import annotations

import secrets
from typing import Any

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32, as in a ULID


def new_request_id() -> str:
    """An opaque, ULID-looking request id ("01JSJ8FDK5ZN4XQBZP7DBKK7ZC")."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(26))


class ApiError(Exception):
    """A business error: Ashby answers these as HTTP 200 with success: false."""

    def __init__(self, code: str, message: str, status: int = 200, **meta: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.meta = meta


def envelope(code: str, message: str, request_id: str, meta: dict | None = None) -> dict:
    """The spec's error response: `errors` (deprecated codes) plus `errorInfo`."""
    info: dict[str, Any] = {"code": code, "message": message, "requestId": request_id}
    if meta:
        info["meta"] = meta
    return {"success": False, "errors": [code], "errorInfo": info}


def invalid_input(message: str) -> ApiError:
    return ApiError("invalid_input", message)
