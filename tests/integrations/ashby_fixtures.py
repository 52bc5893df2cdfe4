"""Ashby payload fixtures (tests/fixtures/ashby/objects/*.json, built from Ashby's OpenAPI
schemas) and small helpers to vary them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

OBJECTS = Path(__file__).resolve().parent.parent / "fixtures" / "ashby" / "objects"


def ashby_object(fixture: str, /, **changes: Any) -> dict[str, Any]:
    """A fresh copy of fixture `fixture` (e.g. "candidate") with top-level keys replaced."""
    payload = json.loads((OBJECTS / f"{fixture}.json").read_text())
    payload.update(copy.deepcopy(changes))
    return payload
