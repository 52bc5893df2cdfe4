"""Ashby payload fixtures (tests/fixtures/ashby/objects/*.json, built from Ashby's OpenAPI
schemas) and small helpers to vary them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

OBJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "ashby" / "objects"


def ashby_object(name: str, **changes: Any) -> dict[str, Any]:
    """A fresh copy of fixture `name` (e.g. "candidate") with top-level keys replaced."""
    payload = json.loads((OBJECTS / f"{name}.json").read_text())
    payload.update(copy.deepcopy(changes))
    return payload
