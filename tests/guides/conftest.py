from __future__ import annotations

import pytest


@pytest.fixture
def media(settings, tmp_path):
    """Uploads (logos, photos) go to a fresh folder per test."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path
