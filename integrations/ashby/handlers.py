"""Handlers of Ashby webhook deliveries: one function per action, applying `data` to the
tenant's records and guides. Filled in once the sync's mapping and upsert are available."""

from __future__ import annotations

from integrations.ashby.events import Handler

HANDLERS: dict[str, Handler] = {}
