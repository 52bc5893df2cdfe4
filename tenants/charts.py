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

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

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


def _segment(chart: Chart, series: Series, bucket: Bucket, box: tuple) -> SafeString:
    x, y, w, h = box
    value = bucket.values[series.key]
    return _mark(
        "rect",
        series,
        bucket,
        value,
        f'x="{x:.1f}" y="{y:.1f}" width="{max(w, 1):.1f}" height="{max(h, 0.5):.1f}"',
        f"{_number(chart, value)} {series.label}",
    )


def _mark(tag: str, series: Series, bucket: Bucket, value: float, place: str, words: str):
    """One bar segment or point: a few hundred per page, so built with one escape per text
    rather than format_html's per argument (a third of the home's rendering time)."""
    label = escape(bucket.label)
    return mark_safe(  # noqa: S308 (every text in it is escaped here; the rest are numbers)
        f'<{tag} class="chart-{escape(series.key)}" {place} data-series="{escape(series.key)}"'
        f' data-label="{label}" data-value="{value:g}"><title>{label}: {escape(words)}</title>'
        f"</{tag}>"
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


def _dot(chart: Chart, series: Series, bucket: Bucket, x: float, y: float, value: float):
    place = f'cx="{x:.1f}" cy="{y:.1f}" r="2.5"'
    return _mark("circle", series, bucket, value, place, f"{series.label} {_number(chart, value)}")


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
    head = "".join(f'<th scope="col">{escape(s.label)}</th>' for s in chart.series)
    rows = "".join(_row(chart, b) for b in chart.buckets)
    return mark_safe(  # noqa: S308 (every text in it is escaped here; the rest are numbers)
        f'<div class="visually-hidden"><table><caption>{escape(chart.title)}</caption><thead>'
        f'<tr><th scope="col"></th>{head}</tr></thead><tbody>{rows}</tbody></table></div>'
    )


def _row(chart: Chart, bucket: Bucket) -> str:
    cells = "".join(f"<td>{_cell(chart, bucket.values.get(s.key))}</td>" for s in chart.series)
    return f'<tr><th scope="row">{escape(bucket.label)}</th>{cells}</tr>'


def _cell(chart: Chart, value: float | None) -> str:
    return "—" if value is None else escape(_number(chart, value))


def _number(chart: Chart, value: float) -> str:
    return f"{chart.fmt(value)}{chart.unit}"


def _join(parts: Sequence[SafeString]) -> SafeString:
    """Already-escaped fragments, one after the other (still marked safe)."""
    return mark_safe("".join(parts))  # noqa: S308 (each part is a SafeString)


def _px(value: float) -> str:
    return f"{value:.1f}"


def _plot_width() -> float:
    return WIDTH - LEFT - RIGHT


def _plot_height() -> float:
    return HEIGHT - TOP - BOTTOM
