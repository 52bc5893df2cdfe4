"""The size rules of the house style: no module past 400 lines (migrations aside) and
a median function under 10 lines, measured with `ast` over the project's own source."""

from __future__ import annotations

import ast
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("guide_project", "tenants", "guides", "integrations", "emails", "ashby_sandbox")
MAX_MODULE_LINES = 400
MAX_MEDIAN_FUNCTION_LINES = 10


def _modules(*packages: str) -> list[Path]:
    return sorted(
        path
        for package in packages
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def _function_lengths(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.end_lineno - node.lineno + 1
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    ]


def test_no_module_is_over_400_lines():
    too_long = {
        str(path.relative_to(ROOT)): lines
        for path in _modules(*APPS, "bench")
        if (lines := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert too_long == {}


def test_the_median_function_is_under_10_lines():
    lengths = [n for path in _modules(*APPS) for n in _function_lengths(path)]
    assert len(lengths) > 500  # the measure found the source
    median = statistics.median(lengths)
    assert median < MAX_MEDIAN_FUNCTION_LINES, f"median function: {median} lines"
