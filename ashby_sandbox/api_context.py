"""What every API handler gets: the request's key, its id and a per-request user directory."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ashby_sandbox import models as m
from ashby_sandbox import serializers as s


@dataclass
class Context:
    key: m.ApiKey
    request_id: str
    users: s.UserDirectory = field(default_factory=s.UserDirectory)


Handler = Callable[[Context, dict[str, Any]], dict[str, Any]]
