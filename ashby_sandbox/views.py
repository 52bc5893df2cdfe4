from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def index(request: HttpRequest) -> HttpResponse:
    return render(request, "ashby_sandbox/index.html")


def api_keys(request):
    return HttpResponse("todo")


deactivate_key = webhook_list = webhook_edit = webhook_delete = activity = api_keys
