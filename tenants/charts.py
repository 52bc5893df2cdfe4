"""Small charts for the support console, drawn on the server as SVG: no JavaScript, no CDN.

Each chart is one `<figure>`: the SVG (role="img", with a <title> and a <desc>), and a
visually-hidden table with every number, so a screen reader (and a test) reads the figures
rather than the picture. Every bar and point carries its numbers as data attributes
(data-series, data-label, data-value).

- `stacked_bars`: one bar per bucket, one coloured segment per series (deliveries per hour by
  outcome; sync durations by result).
- `lines`: one line per series over the same buckets (webhook lag p50 / p99).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH, HEIGHT = 720, 180
LEFT, RIGHT, TOP, BOTTOM = 60, 8, 12, 26  # room for the axis labels
_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    key: str  # data-series, and the CSS class chart-<key> that colours it
    label: str  # the legend's and the table's words


@dataclass(frozen=True)
class Bucket:
    label: str  # the x axis's and the table's words ("14:00")
    values: dict[str, float]  # series key -> value (a missing key is 0 / no point)
    link: str = ""  # where a click on the bar goes (e.g. a sync run's page)
    tick: str = ""  # a shorter label for the x axis (the label when empty)


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    series: Sequence[Series]
    buckets: Sequence[Bucket]
    unit: str = ""  # appended to the numbers in the table and the axis ("s")
    fmt: Callable[[float], str] = lambda v: f"{v:g}"


def stacked_bars(chart: Chart) -> SafeString:
    """Stacked bars, one per bucket: a series' segment is as tall as its value."""
    top = max((sum(b.values.values()) for b in chart.buckets), default=0) or 1
    slot = _plot_width() / max(len(chart.buckets), 1)
    bars = []
    for i, bucket in enumerate(chart.buckets):
        bars.append(_bar(chart, bucket, LEFT + i * slot, slot, top))
    return _figure(chart, top, _join(bars))


def _bar(chart: Chart, bucket: Bucket, x: float, slot: float, top: float) -> str:
    base = HEIGHT - BOTTOM
    parts = []
    for series in chart.series:
        value = bucket.values.get(series.key, 0)
        if not value:
            continue
        height = value / top * _plot_height()
        base -= height
        parts.append(_segment(chart, series, bucket, (x + slot * 0.1, base, slot * 0.8, height)))
    rects = _join(parts)
    if bucket.link and parts:
        return format_html('<a href="{}">{}</a>', bucket.link, rects)
    return rects


def _segment(chart: Chart, series: Series, bucket: Bucket, box: tuple) -> str:
    x, y, w, h = box
    value = bucket.values[series.key]
    return format_html(
        '<rect class="chart-{}" x="{}" y="{}" width="{}" height="{}" '
        'data-series="{}" data-label="{}" data-value="{}"><title>{}: {} {}</title></rect>',
        series.key,
        _px(x),
        _px(y),
        _px(max(w, 1)),
        _px(max(h, 0.5)),
        series.key,
        bucket.label,
        value,
        bucket.label,
        _number(chart, value),
        series.label,
    )


def lines(chart: Chart) -> SafeString:
    """One line per series; a bucket without a value for a series leaves a gap in it."""
    values = [v for b in chart.buckets for v in b.values.values()]
    top = max(values, default=0) or 1
    slot = _plot_width() / max(len(chart.buckets), 1)
    drawn = [_line(chart, series, slot, top) for series in chart.series]
    return _figure(chart, top, _join(drawn))


def _line(chart: Chart, series: Series, slot: float, top: float) -> str:
    points, dots = [], []
    for i, bucket in enumerate(chart.buckets):
        value = bucket.values.get(series.key)
        if value is None:
            continue
        x = LEFT + (i + 0.5) * slot
        y = HEIGHT - BOTTOM - value / top * _plot_height()
        points.append(f"{x:.1f},{y:.1f}")
        dots.append(_dot(chart, series, bucket, x, y, value))
    path = format_html(
        '<polyline class="chart-{}" fill="none" points="{}"/>', series.key, " ".join(points)
    )
    return _join([path, *dots])


def _dot(chart: Chart, series: Series, bucket: Bucket, x: float, y: float, value: float) -> str:
    return format_html(
        '<circle class="chart-{}" cx="{}" cy="{}" r="2.5" data-series="{}" '
        'data-label="{}" data-value="{}"><title>{}: {} {}</title></circle>',
        series.key,
        _px(x),
        _px(y),
        series.key,
        bucket.label,
        value,
        bucket.label,
        series.label,
        _number(chart, value),
    )


def _figure(chart: Chart, top: float, marks: SafeString) -> SafeString:
    uid = f"chart-{next(_ids)}"
    return format_html(
        '<figure class="chart" aria-labelledby="{uid}-cap">'
        '<figcaption id="{uid}-cap">{title}</figcaption>{legend}'
        '<svg viewBox="0 0 {w} {h}" role="img" aria-labelledby="{uid}-t {uid}-d">'
        '<title id="{uid}-t">{title}</title>'
        '<desc id="{uid}-d">{desc}</desc>{axes}{marks}</svg>{table}</figure>',
        uid=uid,
        title=chart.title,
        legend=_legend(chart),
        w=WIDTH,
        h=HEIGHT,
        desc=chart.description,
        axes=_axes(chart, top),
        marks=marks,
        table=data_table(chart),
    )


def _legend(chart: Chart) -> SafeString:
    items = format_html_join(
        "", '<li><span class="chart-key chart-{}"></span>{}</li>', _keys(chart.series)
    )
    return format_html('<ul class="chart-legend" aria-hidden="true">{}</ul>', items)


def _keys(series: Sequence[Series]) -> list[tuple[str, str]]:
    return [(s.key, s.label) for s in series]


def _axes(chart: Chart, top: float) -> SafeString:
    """The baseline, the top value on the y axis, and a few bucket labels on the x axis."""
    base = HEIGHT - BOTTOM
    parts = [
        format_html(
            '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>', LEFT, base, WIDTH, base
        ),
        format_html(
            '<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
            LEFT - 4,
            TOP + 8,
            _number(chart, top),
        ),
    ]
    slot = _plot_width() / max(len(chart.buckets), 1)
    step = max(1, -(-len(chart.buckets) // 4))  # four labels at most: they stay legible
    for i in range(0, len(chart.buckets), step):
        bucket = chart.buckets[i]
        parts.append(_x_label(LEFT + (i + 0.5) * slot, bucket.tick or bucket.label))
    return _join(parts)


def _x_label(x: float, label: str) -> str:
    return format_html(
        '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        _px(x),
        HEIGHT - 6,
        label,
    )


def data_table(chart: Chart) -> SafeString:
    """Every number of the chart, for screen readers (hidden from sight by the CSS)."""
    head = format_html_join("", '<th scope="col">{}</th>', ((s.label,) for s in chart.series))
    rows = format_html_join("", "<tr>{}</tr>", ((_row(chart, b),) for b in chart.buckets))
    return format_html(
        '<div class="visually-hidden"><table><caption>{}</caption><thead><tr><th scope="col">'
        "</th>{}</tr></thead><tbody>{}</tbody></table></div>",
        chart.title,
        head,
        rows,
    )


def _row(chart: Chart, bucket: Bucket) -> SafeString:
    cells = format_html_join(
        "",
        "<td>{}</td>",
        ((_cell(chart, bucket.values.get(s.key)),) for s in chart.series),
    )
    return format_html('<th scope="row">{}</th>{}', bucket.label, cells)


def _cell(chart: Chart, value: float | None) -> str:
    return "—" if value is None else _number(chart, value)


def _number(chart: Chart, value: float) -> str:
    return f"{chart.fmt(value)}{chart.unit}"


def _join(parts: Sequence[SafeString]) -> SafeString:
    """Already-escaped fragments, one after the other (still marked safe)."""
    return format_html_join("", "{}", ((part,) for part in parts))


def _px(value: float) -> str:
    return f"{value:.1f}"


def _plot_width() -> float:
    return WIDTH - LEFT - RIGHT


def _plot_height() -> float:
    return HEIGHT - TOP - BOTTOM
