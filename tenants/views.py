"""The project's own endpoints that belong to no product page: the health probe."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from tenants import health


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    database = health.database_ok()
    queue = health.queue_status() if database else {"ok": False}
    body = {"status": "ok" if database else "unavailable", "database": database, "queue": queue}
    return JsonResponse(body, status=200 if database else 503)
