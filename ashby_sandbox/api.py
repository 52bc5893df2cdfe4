"""The JSON API: one view, POST /sandbox/ashby/api/<endpoint>, dispatching on the endpoint.

Order of checks, as Ashby answers: method, endpoint, key (401 none, 403 unknown or
deactivated), permission (403 missing_endpoint_permission), rate limit (429), injected
faults, then the body. Business errors are HTTP 200 with `success: false`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from ashby_sandbox import access, organisations, request_log, webhook_sender
from ashby_sandbox.api_context import Context
from ashby_sandbox.api_handlers import ENDPOINTS
from ashby_sandbox.api_input import json_type
from ashby_sandbox.errors import ApiError, envelope, invalid_input, new_request_id
from ashby_sandbox.spec import required_permission

logger = logging.getLogger(__name__)

API_VERSION = "2026-01-01"
PERMISSIONS = {name: required_permission(name) for name in ENDPOINTS}


def _respond(payload: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    response["Ashby-Version"] = API_VERSION
    response["Ashby-Version-Status"] = "active"
    return response


def _error(error: ApiError, request_id: str) -> JsonResponse:
    response = _respond(envelope(error.code, error.message, request_id, error.meta), error.status)
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    for name, value in getattr(error, "headers", {}).items():
        response[name] = value
    return response


def _reject_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which are not JSON and no number field can take.
    raise ValueError(f"{name} is not JSON")


def _body(request: HttpRequest) -> dict[str, Any]:
    if not request.body.strip():
        return {}
    try:
        body = json.loads(request.body, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise invalid_input(
            "Request payload is malformed: the body must be a JSON object (UTF-8 JSON, "
            "no NaN or Infinity, not nested hundreds of levels deep)"
        ) from None
    if not isinstance(body, dict):
        raise invalid_input(
            f"Request payload is malformed: the body must be a JSON object; got {json_type(body)}"
        )
    return body


@csrf_exempt
def endpoint(request: HttpRequest, name: str) -> JsonResponse:
    entry = request_log.arrival()
    response = _answer(request, name, entry)
    request_log.record(entry, name, response.status_code, response.get("X-RateLimit-Scope", ""))
    return response


def _answer(request: HttpRequest, name: str, entry: request_log.Entry) -> JsonResponse:
    request_id = new_request_id()
    try:
        if request.method != "POST":
            raise ApiError("method_not_allowed", "Ashby's API takes POST requests", status=405)
        handler = ENDPOINTS.get(name)
        if handler is None:
            raise ApiError("not_found", f"Unknown endpoint: {name}", status=404)
        key = access.authenticate(request.headers.get("Authorization", ""))
        request_log.identify(entry, key)
        access.require_permission(key, name, PERMISSIONS[name])
        access.check_rate_limit(key)
        access.inject_faults(key)
        # The key's organisation only: an Ashby key sees its own company's records.
        with organisations.scope(key.organization_id):
            result = handler(Context(key=key, request_id=request_id), _body(request))
    except ApiError as error:
        return _error(error, request_id)
    webhook_sender.ensure_sender()
    if name.endswith(".list"):
        return _respond(result)
    return _respond({"success": True, "results": result})
