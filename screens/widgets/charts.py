"""Bar charts drawn with block characters: a quarter of activity at a glance."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widget import Widget

from crm_tui import display

_EIGHTHS = " ▁▂▃▄▅▆▇█"


def bar_chart(
    title: str,
    points: Sequence[tuple[str, int]],
    *,
    height: int = 6,
    bar: int = 3,
    style: str = "$text-accent",
) -> Content:
    """Vertical bars (one per point) with the count on top and the label below."""
    highest = max((count for _, count in points), default=0) or 1
    rows: list[list[str]] = []
    for level in range(height, 0, -1):
        row = []
        for _, count in points:
            filled = count / highest * height
            if filled >= level:
                cell = "█" * bar
            elif filled > level - 1:
                cell = _EIGHTHS[round((filled - level + 1) * 8)] * bar
            else:
                cell = " " * bar
            row.append(cell)
        rows.append(row)
    width = bar + 1
    counts = "".join(display.digits(compact(count, bar)).center(width) for _, count in points)
    labels = "".join(label[:width].center(width) for label, _ in points)
    lines: list[Content] = [Content.styled(title, "bold"), Content.styled(counts, "$text-muted")]
    lines += [Content.styled(" ".join(row) + " ", style) for row in rows]
    lines.append(Content.styled(labels, "$text-muted"))
    return Content("\n").join(lines)


def compact(count: int, room: int) -> str:
    """``count`` in ``room`` characters if it can be (836, 2k, 19k, 1.2M), else one more."""
    text = str(count)
    if len(text) <= room:
        return text
    for width in (room, room + 1):
        for divisor, unit in ((1_000, "k"), (1_000_000, "M"), (1_000_000_000, "G")):
            for digits in (1, 0):
                short = f"{count / divisor:.{digits}f}".removesuffix(".0")
                if len(short) + 1 <= width and float(short) >= 1:
                    return short + unit
    return text


class BarChart(Widget):
    """A ``bar_chart`` of the newest points that fit its width: a narrow terminal drops the
    oldest weeks, not the current one (the right edge is what overflow would cut)."""

    DEFAULT_CSS = "BarChart { height: auto; }"
    BAR = 3

    def __init__(self, title: str, unit: str, *, style: str = "$text-accent", id: str) -> None:
        super().__init__(id=id)
        self.title, self.unit, self.style = title, unit, style
        self.points: Sequence[tuple[str, int]] = ()

    def show(self, points: Sequence[tuple[str, int]]) -> None:
        self.points = points
        self.refresh(layout=True)

    def render(self) -> Content:
        if not self.points:
            return Content("")
        fitting = max(1, (self.content_size.width + 1) // (self.BAR + 1))
        points = self.points[-fitting:]
        unit = self.unit if len(points) == 1 else f"{self.unit}s"
        title = f"{self.title} ({len(points)} {unit})"
        return bar_chart(title, points, bar=self.BAR, style=self.style)
