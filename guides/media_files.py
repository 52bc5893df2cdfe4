"""Serving uploaded images (tenant logos; interviewer photos) from Django's default storage.

The files are read through the storage API, so a production storage (S3 and the like) can
serve them itself from its own URLs instead; with the local default, Guide serves them here.
Their names are random and never reused (a new upload is a new name), so a browser and any
shared cache may keep them for a year without asking again.
"""

from __future__ import annotations

import mimetypes
import posixpath

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

CACHE_FOREVER = "public, max-age=31536000, immutable"
SERVED_FOLDERS = ("logos/", "photos/")


@require_safe
def serve_upload(request: HttpRequest, path: str) -> FileResponse:
    name = posixpath.normpath(path).lstrip("/")
    if name != path or not name.startswith(SERVED_FOLDERS) or not default_storage.exists(name):
        raise Http404("No such file.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse(default_storage.open(name, "rb"), content_type=content_type)
    response["Cache-Control"] = CACHE_FOREVER
    response["X-Content-Type-Options"] = "nosniff"
    return response
