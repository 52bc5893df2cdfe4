"""Fixtures of the erasure tests (the fixed cast lives in tests/conftest.py)."""

from tests.integrations.fake_ashby import fake_ashby  # noqa: F401 (a fixture)
from tests.integrations.fake_webhooks import acme_connection  # noqa: F401 (a fixture)
