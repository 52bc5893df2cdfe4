"""axe-core in the browser tests: the vendored copy (static/vendor/axe-core, from the npm
package; no CDN) injected into the page under test, run, and its serious and critical
violations reported readably."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def violations(page: Page) -> list[dict]:
    """axe's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in BLOCKING]


def describe(found: list[dict]) -> str:
    lines = []
    for v in found:
        targets = ", ".join(str(node["target"]) for node in v["nodes"][:5])
        lines.append(f"{v['impact']}: {v['id']} ({v['help']}) at {targets}")
    return "\n".join(lines)


def assert_accessible(page: Page, urls: list[str], *, shots=None) -> None:
    """Open each URL in turn and assert axe finds nothing serious or critical on any."""
    failures = {}
    for url in urls:
        page.goto(url)
        if shots is not None:
            shots(page, "axe-" + url.rstrip("/").rsplit("/", 1)[-1][:30])
        found = violations(page)
        if found:
            failures[url] = describe(found)
    assert failures == {}, "\n\n".join(f"{url}\n{text}" for url, text in failures.items())
