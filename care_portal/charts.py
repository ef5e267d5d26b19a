"""Server-side SVG charts shared by the web pages and the PDF report.

Each function returns a self-contained `<svg>` string marked safe for templates: no JavaScript,
no external resource, no `style` attribute (presentation attributes only, so a strict content
security policy and WeasyPrint both render it). Every chart carries `role="img"`, a `<title>`
and a `<desc>` spelling out every value, referenced by `aria-labelledby`; pages still show the
data table next to the chart.

Sizes are given in user units with a `viewBox`; the `care-chart` class lets a stylesheet scale
the chart to its container (`max-width: 100%; height: auto`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from care_portal.formats import format_number

# DSFR colours (contrast against white ≥ 4.5:1 for text, ≥ 3:1 for shapes).
BLUE_FRANCE = "#000091"
TEXT = "#161616"
TEXT_MUTED = "#666666"
GRID = "#dddddd"
TRACK = "#eeeeee"
TONES = {
    "default": BLUE_FRANCE,
    "success": "#18753c",
    "warning": "#b34000",
    "error": "#ce0500",
    "info": "#0063cb",
    "neutral": "#666666",
}
# Not started, draft, submitted, validated: from grey to green, each readable under white text.
PROGRESS_PALETTE = ("#666666", "#b34000", BLUE_FRANCE, "#18753c")
FONT = "Marianne, Arial, sans-serif"
CHAR_WIDTH = 0.6  # average glyph width, in em, to wrap labels and space legends


@dataclass(frozen=True)
class Bar:
    """One bar of a horizontal bar chart: a value 0–100 (None = no value) and an optional target."""

    label: str
    value: float | None
    target: float | None = None
    tone: str = "default"


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str = "",
    unit: str = "%",
    max_value: float = 100,
    target_label: str | None = None,
    tone_labels: Mapping[str, str] | None = None,
    width: int = 640,
    label_width: int | None = None,
    chart_id: str | None = None,
) -> SafeString:
    """Horizontal bars with their labels and values, and a marker line where a bar has a target.

    The legend shows one sample per colour the bars are drawn in, in that very colour (both read
    `TONES`), named by `tone_labels` (tone → label, e.g. "success" → "Cible atteinte"), then the
    target marker. A chart of one colour and no target needs no legend.
    """
    label_width = label_width or int(width * 0.4)
    value_width = 72
    plot_x = label_width + 8
    plot_w = width - plot_x - value_width
    font = 13
    line_h = 16
    label_chars = max(8, int((label_width - 8) / (font * CHAR_WIDTH)))
    has_target = any(bar.target is not None for bar in bars)
    legend_parts, legend_h = _bar_legend(
        bars,
        tone_labels or {},
        (target_label or _("Cible nationale")) if has_target else None,
        width,
        font,
    )
    top = legend_h + 8 if legend_h else 8
    rows = [_wrap(bar.label, label_chars, max_lines=3) for bar in bars]
    row_heights = [max(36, len(lines) * line_h + 12) for lines in rows]
    axis_h = 24
    height = top + sum(row_heights) + axis_h
    cid = chart_id or _chart_id("bar", title, [(b.label, b.value, b.target) for b in bars])

    def x_of(value: float) -> float:
        return plot_x + plot_w * max(0.0, min(float(value), max_value)) / max_value

    parts: list[str] = list(_shift(legend_parts, 8))
    # Vertical grid every quarter, behind the bars.
    plot_bottom = top + sum(row_heights)
    for i in range(5):
        tick = max_value * i / 4
        x = x_of(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{plot_bottom}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        parts.append(
            _text(
                x,
                plot_bottom + 16,
                format_number(tick, unit),
                size=11,
                fill=TEXT_MUTED,
                anchor="middle",
            )
        )
    y = top
    for bar, lines, row_h in zip(bars, rows, row_heights, strict=True):
        bar_h = 18
        bar_y = y + (row_h - bar_h) / 2
        first_line_y = y + row_h / 2 - (len(lines) - 1) * line_h / 2 + font * 0.35
        for i, line in enumerate(lines):
            parts.append(
                _text(label_width, first_line_y + i * line_h, line, size=font, anchor="end")
            )
        parts.append(
            f'<rect x="{plot_x}" y="{bar_y:.1f}" width="{plot_w}" height="{bar_h}" fill="{TRACK}"/>'
        )
        if bar.value is not None and bar.value > 0:
            parts.append(
                f'<rect x="{plot_x}" y="{bar_y:.1f}" width="{x_of(bar.value) - plot_x:.1f}" '
                f'height="{bar_h}" fill="{tone_colour(bar.tone)}"/>'
            )
        if bar.target is not None:
            tx = x_of(bar.target)
            parts.append(
                f'<line x1="{tx:.1f}" y1="{bar_y - 5:.1f}" x2="{tx:.1f}" '
                f'y2="{bar_y + bar_h + 5:.1f}" stroke="{TEXT}" stroke-width="3"/>'
            )
        parts.append(
            _text(
                width - 4,
                y + row_h / 2 + font * 0.35,
                format_number(bar.value, unit),
                size=font,
                anchor="end",
                bold=True,
            )
        )
        y += row_h

    desc_items = []
    for bar in bars:
        item = f"{bar.label} : {format_number(bar.value, unit)}"
        if bar.target is not None:
            item += " " + _("(cible %(target)s)") % {"target": format_number(bar.target, unit)}
        desc_items.append(item)
    return _svg(cid, width, height, title, description, desc_items, parts)


def histogram(
    buckets: Sequence[tuple[str, int]],
    *,
    title: str,
    description: str = "",
    x_label: str = "",
    y_label: str = "",
    width: int = 640,
    height: int = 280,
    tone: str = "default",
    chart_id: str | None = None,
) -> SafeString:
    """Vertical bars of counts per bucket (e.g. establishments per score range)."""
    font = 12
    left = 48
    right = 8
    top = 24
    bottom = 44 if x_label else 28
    plot_w = width - left - right
    plot_h = height - top - bottom
    peak = max((count for _label, count in buckets), default=0)
    y_max = _nice_ceiling(peak)
    cid = chart_id or _chart_id("hist", title, list(buckets))
    parts: list[str] = []
    for i in range(5):
        tick = y_max * i / 4
        if tick != int(tick):
            continue
        y = top + plot_h - plot_h * tick / y_max
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" '
            'stroke-width="1"/>'
        )
        parts.append(
            _text(left - 6, y + 4, format_number(tick), size=11, fill=TEXT_MUTED, anchor="end")
        )
    if y_label:
        parts.append(_text(4, 12, y_label, size=11, fill=TEXT_MUTED))
    slot = plot_w / max(1, len(buckets))
    bar_w = slot * 0.72
    for i, (label, count) in enumerate(buckets):
        x = left + i * slot + (slot - bar_w) / 2
        bar_h = plot_h * count / y_max
        y = top + plot_h - bar_h
        if count:
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" '
                f'fill="{TONES.get(tone, BLUE_FRANCE)}"/>'
            )
        parts.append(
            _text(x + bar_w / 2, y - 5, format_number(count), size=font, anchor="middle", bold=True)
        )
        parts.append(
            _text(x + bar_w / 2, top + plot_h + 16, label, size=11, anchor="middle", fill=TEXT)
        )
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="{TEXT}" stroke-width="1"/>'
    )
    if x_label:
        parts.append(
            _text(left + plot_w / 2, height - 6, x_label, size=11, fill=TEXT_MUTED, anchor="middle")
        )
    desc_items = [f"{label} : {format_number(count)}" for label, count in buckets]
    return _svg(cid, width, height, title, description, desc_items, parts)


def stacked_bar(
    segments: Sequence[tuple[str, int]],
    *,
    title: str,
    description: str = "",
    colours: Sequence[str] = PROGRESS_PALETTE,
    width: int = 640,
    chart_id: str | None = None,
) -> SafeString:
    """One bar split into parts of a whole (e.g. not started / draft / submitted / validated)."""
    return stacked_bars(
        [label for label, _count in segments],
        [("", [count for _label, count in segments])],
        title=title,
        description=description,
        colours=colours,
        width=width,
        chart_id=chart_id,
    )


def stacked_bars(
    categories: Sequence[str],
    rows: Sequence[tuple[str, Sequence[int]]],
    *,
    title: str,
    description: str = "",
    colours: Sequence[str] = PROGRESS_PALETTE,
    width: int = 640,
    label_width: int = 180,
    chart_id: str | None = None,
) -> SafeString:
    """Bars of 100 % split by category, one per row (e.g. submission progress per region)."""
    font = 12
    labelled = any(label for label, _counts in rows)
    plot_x = label_width + 8 if labelled else 0
    plot_w = width - plot_x
    row_h = 34
    bar_h = 24
    single = len(rows) == 1
    legend_items = []
    for i, category in enumerate(categories):
        if single:
            counts = rows[0][1]
            total = sum(counts)
            share = 100 * counts[i] / total if total else 0
            text = f"{category} : {format_number(counts[i])} ({format_number(share, '%')})"
        else:
            text = category
        legend_items.append((colours[i % len(colours)], text))
    legend_parts, legend_h = _legend_rows(legend_items, width, font)
    height = len(rows) * row_h + 8 + legend_h
    cid = chart_id or _chart_id("stack", title, [list(categories), [list(r[1]) for r in rows]])
    label_chars = max(8, int((label_width - 8) / (font * CHAR_WIDTH)))
    parts: list[str] = []
    y = 4
    for label, counts in rows:
        bar_y = y + (row_h - bar_h) / 2
        if labelled:
            parts.append(
                _text(
                    label_width,
                    bar_y + bar_h / 2 + font * 0.35,
                    _wrap(label, label_chars, max_lines=1)[0],
                    size=font,
                    anchor="end",
                )
            )
        total = sum(counts)
        if not total:
            parts.append(
                f'<rect x="{plot_x}" y="{bar_y}" width="{plot_w}" height="{bar_h}" fill="{TRACK}"/>'
            )
        x = float(plot_x)
        for i, count in enumerate(counts):
            if not count:
                continue
            seg_w = plot_w * count / total
            parts.append(
                f'<rect x="{x:.1f}" y="{bar_y}" width="{seg_w:.1f}" height="{bar_h}" '
                f'fill="{colours[i % len(colours)]}" stroke="#ffffff" stroke-width="1"/>'
            )
            text = format_number(count)
            if seg_w >= len(text) * font * CHAR_WIDTH + 8:
                parts.append(
                    _text(
                        x + seg_w / 2,
                        bar_y + bar_h / 2 + font * 0.35,
                        text,
                        size=font,
                        fill="#ffffff",
                        anchor="middle",
                        bold=True,
                    )
                )
            x += seg_w
        y += row_h
    parts.extend(_shift(legend_parts, y + 8))

    desc_items = []
    for label, counts in rows:
        total = sum(counts)
        values = ", ".join(
            f"{category} {format_number(count)}"
            + (f" ({format_number(100 * count / total, '%')})" if total else "")
            for category, count in zip(categories, counts, strict=True)
        )
        desc_items.append(f"{label} : {values}" if label else values)
    return _svg(cid, width, height, title, description, desc_items, parts)


@dataclass(frozen=True)
class Tile:
    """One area of a tile map: its name, the short name written in its square, its grid cell and
    its value 0–100 (None = no value)."""

    label: str
    short: str
    col: int
    row: int
    value: float | None


# Light to dark blue France, one step per fifth of the scale; the two darkest carry white text.
MAP_SCALE = ("#ececfe", "#cacafb", "#8585f6", "#3a3ae6", "#000091")
MAP_NO_VALUE = "#ffffff"


def map_class(value: float | None, max_value: float = 100) -> int | None:
    """The step of MAP_SCALE a value falls in (None when there is no value)."""
    if value is None:
        return None
    share = max(0.0, min(float(value), max_value)) / max_value
    return min(len(MAP_SCALE) - 1, int(share * len(MAP_SCALE)))


def tile_map(
    tiles: Sequence[Tile],
    *,
    title: str,
    description: str = "",
    unit: str = "%",
    max_value: float = 100,
    cell: int = 76,
    chart_id: str | None = None,
) -> SafeString:
    """Areas drawn as squares on a grid, coloured by value on a five-step scale, each square
    writing its short name and value (colour is never the only carrier), with the scale below."""
    font = 13
    gap = 4
    cols = max((t.col for t in tiles), default=0) + 1
    rows = max((t.row for t in tiles), default=0) + 1
    step = max_value / len(MAP_SCALE)
    legend_items = [
        (
            colour,
            _("%(low)s à %(high)s")
            % {
                "low": format_number(i * step),
                "high": format_number((i + 1) * step, unit),
            },
        )
        for i, colour in enumerate(MAP_SCALE)
    ]
    legend_items.append((MAP_NO_VALUE, _("sans valeur")))
    width = max(cols * cell, 360)
    legend_parts, legend_h = _legend_rows(legend_items, width, font)
    grid_h = rows * cell
    height = grid_h + 12 + legend_h
    cid = chart_id or _chart_id("map", title, [(t.label, t.value) for t in tiles])
    parts: list[str] = []
    for tile in tiles:
        x = tile.col * cell + gap / 2
        y = tile.row * cell + gap / 2
        size = cell - gap
        step_index = map_class(tile.value, max_value)
        fill = MAP_NO_VALUE if step_index is None else MAP_SCALE[step_index]
        ink = "#ffffff" if step_index is not None and step_index >= 3 else TEXT
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{size}" height="{size}" fill="{fill}" '
            f'stroke="{TEXT_MUTED}" stroke-width="1"/>'
        )
        parts.append(
            _text(x + size / 2, y + size / 2 - 4, tile.short, size=font, fill=ink, anchor="middle")
        )
        parts.append(
            _text(
                x + size / 2,
                y + size / 2 + 14,
                format_number(tile.value, unit),
                size=font,
                fill=ink,
                anchor="middle",
                bold=True,
            )
        )
    parts.extend(_shift(legend_parts, grid_h + 12))
    # The legend's white sample needs an edge to be seen.
    parts = [
        p.replace(f'fill="{MAP_NO_VALUE}"/>', f'fill="{MAP_NO_VALUE}" stroke="{TEXT_MUTED}"/>')
        for p in parts
    ]
    desc_items = [f"{t.label} : {format_number(t.value, unit)}" for t in tiles]
    return _svg(cid, width, height, title, description, desc_items, parts)


# --- Helpers ------------------------------------------------------------------------------------


def _svg(
    cid: str,
    width: int,
    height: float,
    title: str,
    description: str,
    desc_items: Sequence[str],
    parts: Sequence[str],
) -> SafeString:
    desc = " ; ".join(desc_items)
    if description:
        desc = f"{description} {desc}"
    height = math.ceil(height)
    return mark_safe(  # noqa: S308 - every text node and attribute value below is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" class="care-chart" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{cid}-title {cid}-desc" font-family="{FONT}">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
        f'<g aria-hidden="true">{"".join(parts)}</g>'
        "</svg>"
    )


def _text(
    x: float,
    y: float,
    content: str,
    *,
    size: int = 12,
    fill: str = TEXT,
    anchor: str = "start",
    bold: bool = False,
) -> str:
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}"{weight}>{escape(content)}</text>'
    )


def _legend_swatch(x: float, y: float, colour: str, label: str, font: int) -> str:
    return f'<rect x="{x}" y="{y}" width="14" height="14" fill="{colour}"/>' + _text(
        x + 20, y + 11, label, size=font
    )


def tone_colour(tone: str) -> str:
    """The fill of a bar of this tone (unknown tones draw in blue France)."""
    return TONES.get(tone, BLUE_FRANCE)


def _bar_legend(
    bars: Sequence[Bar],
    tone_labels: Mapping[str, str],
    target_label: str | None,
    width: int,
    font: int,
) -> tuple[list[str], int]:
    """The bar chart's legend: a sample per tone drawn, then the target marker, wrapping lines."""
    tones = list(dict.fromkeys(b.tone for b in bars if b.value is not None and b.value > 0))
    if len(tones) <= 1 and target_label is None:
        return [], 0
    ordered = [t for t in tone_labels if t in tones] + [t for t in tones if t not in tone_labels]
    items: list[tuple[str | None, str]] = [
        (tone_colour(t), tone_labels.get(t) or _("Valeur")) for t in ordered
    ]
    if target_label is not None:
        items.append((None, target_label))
    parts: list[str] = []
    x, y = 0.0, 0
    for colour, label in items:
        item_w = 20 + len(label) * font * CHAR_WIDTH + 20
        if x and x + item_w > width:
            x, y = 0.0, y + 22
        if colour is None:
            parts.append(
                f'<line x1="{x + 7:.1f}" y1="{y - 2}" x2="{x + 7:.1f}" y2="{y + 14}" '
                f'stroke="{TEXT}" stroke-width="3"/>'
            )
        else:
            # A path, not a rect: a legend sample is not a bar.
            parts.append(f'<path d="M{x:.1f} {y}h14v14h-14z" fill="{colour}"/>')
        parts.append(_text(x + 20, y + 11, label, size=font))
        x += item_w
    return parts, y + 22


def _legend_rows(items: Sequence[tuple[str, str]], width: int, font: int) -> tuple[list[str], int]:
    """Legend entries laid out left to right, wrapping to new lines; y is relative to the legend."""
    parts: list[str] = []
    x, y = 0.0, 0
    for colour, label in items:
        item_w = 20 + len(label) * font * CHAR_WIDTH + 20
        if x and x + item_w > width:
            x, y = 0.0, y + 22
        parts.append(_legend_swatch(x, y, colour, label, font))
        x += item_w
    return parts, (y + 22 if items else 0)


def _shift(parts: Sequence[str], dy: float) -> list[str]:
    return [f'<g transform="translate(0 {dy:.1f})">{"".join(parts)}</g>'] if parts else []


def _wrap(label: str, max_chars: int, *, max_lines: int) -> list[str]:
    """Split a label on spaces into at most `max_lines` lines, ellipsing the rest."""
    words = str(label).split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) <= max_chars or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    lines = [line if len(line) <= max_chars else line[: max_chars - 1] + "…" for line in lines]
    if len(lines) > max_lines:
        kept = lines[:max_lines]
        kept[-1] = kept[-1][: max_chars - 1].rstrip() + "…"
        return kept
    return lines or [""]


def _nice_ceiling(value: float) -> float:
    """The smallest 'round' number ≥ value that splits into four whole ticks (4, 8, 12, 60…)."""
    if value <= 4:
        return 4
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 1.2, 1.6, 2, 2.4, 3.2, 4, 4.8, 6, 8, 10):
        candidate = step * magnitude
        if candidate >= value and (candidate / 4) == int(candidate / 4):
            return candidate
    return 10 * magnitude


def _chart_id(kind: str, title: str, data: object) -> str:
    """A stable id for the title/desc references, unique per chart content on a page."""
    digest = hashlib.sha1(f"{kind}|{title}|{data!r}".encode(), usedforsecurity=False)
    return f"chart-{digest.hexdigest()[:10]}"
