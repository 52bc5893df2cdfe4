"""The tasks' dotted paths stored in django-q2's Schedule rows and queued tasks stay valid."""

from __future__ import annotations

import pytest
from django.utils.module_loading import import_string

from integrations.deliveries import PROCESS_TASK
from integrations.schedule import SCHEDULE_FUNC
from integrations.sync_runs import RUN_SYNC_TASK

STORED_PATHS = [
    "integrations.tasks.run_sync",
    "integrations.tasks.sync_all_connections",
    "integrations.tasks.sweep_deliveries",
    "integrations.tasks.process_delivery",
]


@pytest.mark.parametrize("path", STORED_PATHS)
def test_a_stored_task_path_still_names_a_task(path):
    assert callable(import_string(path))


def test_the_code_enqueues_by_the_stored_paths():
    assert {RUN_SYNC_TASK, SCHEDULE_FUNC, PROCESS_TASK} <= set(STORED_PATHS)
