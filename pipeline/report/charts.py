"""Chart geometry for the report: bars laid out as rectangles and labels, drawn as inline SVG.

Invariant: this module only computes positions; it never writes markup. The template draws the shapes
with autoescaping on, so a label that came from input data can never become SVG or HTML. Money enters
the geometry as a float for pixel lengths only; every figure a reader sees is the exact decimal text
passed in as a note.
"""

from __future__ import annotations

from dataclasses import dataclass

BAR = 18.0  # bar thickness
GAP = 8.0  # space between bars
LABEL_CHARS = 26  # category labels longer than this are cut with an ellipsis (full text in the tooltip)


@dataclass(frozen=True)
class Segment:
    value: float
    series: str  # a key of the report's fixed palette (decision names, p0..p5, total)
    tip: str


@dataclass(frozen=True)
class Bar:
    label: str
    segments: tuple[Segment, ...]
    note: str  # the exact figure shown beside the bar


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    series: str
    tip: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str  # start | middle | end
    kind: str  # axis | value
    tip: str = ""


@dataclass(frozen=True)
class Chart:
    title: str
    width: float
    height: float
    rects: tuple[Rect, ...]
    labels: tuple[Label, ...]
    legend: tuple[tuple[str, str], ...]  # (series, text)
    empty: bool


def _cut(label: str, limit: int = LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _scale(bars: tuple[Bar, ...]) -> float:
    top = max((sum(max(s.value, 0.0) for s in b.segments) for b in bars), default=0.0)
    return top if top > 0 else 1.0


def horizontal(title: str, bars: tuple[Bar, ...], legend: tuple[tuple[str, str], ...] = ()) -> Chart:
    """One row per category: label on the left, stacked segments, the exact figure on the right."""
    label_w, plot_w, note_w = 190.0, 300.0, 230.0
    top = _scale(bars)
    rects: list[Rect] = []
    labels: list[Label] = []
    for i, bar in enumerate(bars):
        y = GAP + i * (BAR + GAP)
        labels.append(Label(label_w - 6, y + BAR * 0.72, _cut(bar.label), "end", "axis", bar.label))
        x = label_w
        for seg in bar.segments:
            w = plot_w * max(seg.value, 0.0) / top
            if w > 0:
                rects.append(Rect(x, y, w, BAR, seg.series, seg.tip))
            x += w
        labels.append(Label(x + 6, y + BAR * 0.72, bar.note, "start", "value"))
    height = GAP + len(bars) * (BAR + GAP)
    return Chart(title, label_w + plot_w + note_w, max(height, 30.0), tuple(rects), tuple(labels), legend, not bars)


def vertical(title: str, bars: tuple[Bar, ...], legend: tuple[tuple[str, str], ...] = ()) -> Chart:
    """One column per category (runs, oldest left), stacked segments, the figure above each column."""
    col_w, step, plot_h, top_pad, axis_h = 28.0, 46.0, 120.0, 18.0, 34.0
    top = _scale(bars)
    rects: list[Rect] = []
    labels: list[Label] = []
    for i, bar in enumerate(bars):
        x = 10 + i * step
        y = top_pad + plot_h
        for seg in bar.segments:
            h = plot_h * max(seg.value, 0.0) / top
            if h > 0:
                rects.append(Rect(x, y - h, col_w, h, seg.series, seg.tip))
            y -= h
        labels.append(Label(x + col_w / 2, y - 4, bar.note, "middle", "value"))
        labels.append(Label(x + col_w / 2, top_pad + plot_h + 14, _cut(bar.label, 8), "middle", "axis", bar.label))
    width = 20 + len(bars) * step
    return Chart(title, max(width, 120.0), top_pad + plot_h + axis_h, tuple(rects), tuple(labels), legend, not bars)
