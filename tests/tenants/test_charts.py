"""The console's SVG charts: every number is in the markup (data attributes and a hidden
table), labels are escaped, and an empty chart still draws."""

from __future__ import annotations

import re

from tenants.charts import Bucket, Chart, Series, lines, stacked_bars

SERIES = [Series("ok", "Applied"), Series("bad", "Failed")]


def test_stacked_bars_carry_each_segment_and_a_table():
    chart = Chart(
        "Deliveries",
        "Per hour",
        SERIES,
        [Bucket("10:00", {"ok": 3, "bad": 1}), Bucket("11:00", {"ok": 0, "bad": 2})],
    )
    html = stacked_bars(chart)
    segments = re.findall(r'data-series="(\w+)" data-label="([^"]+)" data-value="(\d+)"', html)
    assert segments == [("ok", "10:00", "3"), ("bad", "10:00", "1"), ("bad", "11:00", "2")]
    assert '<svg viewBox="0 0 720 180" role="img"' in html
    assert "<title" in html and "<desc" in html
    assert re.search(r"<th scope=\"row\">11:00</th><td>0</td><td>2</td>", html)


def test_lines_skip_missing_values_and_keep_the_unit():
    chart = Chart(
        "Lag",
        "p50",
        [Series("p50", "Median")],
        [Bucket("a", {"p50": 1.5}), Bucket("b", {})],
        unit=" s",
    )
    html = lines(chart)
    assert re.findall(r'data-label="(\w)" data-value="([\d.]+)"', html) == [("a", "1.5")]
    assert "<td>1.5 s</td>" in html and "<td>—</td>" in html


def test_labels_are_escaped():
    chart = Chart("<b>t</b>", "d", SERIES, [Bucket("<script>x</script>", {"ok": 1})])
    html = stacked_bars(chart)
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html


def test_an_empty_chart_draws_its_frame():
    html = stacked_bars(Chart("Nothing", "d", SERIES, []))
    assert "<svg" in html and "data-series" not in html
