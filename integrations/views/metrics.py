"""GET /metrics: Guide's metrics for Prometheus (integrations/metrics_state.py scrapes them).

Only for a scraper holding a token: `Authorization: Bearer <GUIDE_METRICS_TOKEN>` (several
tokens, comma-separated, while one is being replaced). Without a token configured the
endpoint does not exist (404), so a deployment that never set one exposes nothing.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from integrations import metrics_state


@require_GET
@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    tokens = settings.GUIDE_METRICS_TOKENS
    if not tokens:
        raise Http404("No metrics token is configured.")
    if not _holds_a_token(request.headers.get("Authorization", ""), tokens):
        return _refused()
    return HttpResponse(metrics_state.scrape(), content_type=CONTENT_TYPE_PLAIN_0_0_4)


def _holds_a_token(header: str, tokens: list[str]) -> bool:
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return False
    given = given.strip().encode()
    # Every token is compared, in constant time: the answer's timing says nothing.
    return any([hmac.compare_digest(given, token.encode()) for token in tokens])


def _refused() -> HttpResponse:
    response = HttpResponse(
        "Send the metrics token: Authorization: Bearer <GUIDE_METRICS_TOKEN>.\n",
        status=401,
        content_type="text/plain; charset=utf-8",
    )
    response["WWW-Authenticate"] = 'Bearer realm="metrics"'
    return response
