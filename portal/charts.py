"""Bar charts drawn on the server as SVG: no script, no inline style (the CSP holds), each
shown with its figures as a table for screen readers and for anyone who wants numbers."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 640, 220
LEFT, BOTTOM, TOP = 64, 28, 12
MAX_BAR = 72  # a few categories stay bars, not blocks


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    text: str  # the value as the table shows it

    @property
    def center(self) -> float:
        return round(self.x + self.width / 2, 1)


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, label) of the value axis
    line: tuple[float, str] | None  # a reference line (y, label), e.g. the SLA
    headers: tuple[str, str]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM
    # Every nth label under the bars, so 52 weeks stay legible.
    label_every: int = 1

    @property
    def rows(self) -> list[tuple[str, str]]:
        return [(bar.label, bar.text) for bar in self.bars]


def nice_top(value: float) -> float:
    """A round axis end at or above `value` whose half is round too (2, 4, 6, 8 or 10 × a
    power of ten): 5 → 6, 87 → 100, 1,755,000 → 2,000,000."""
    if value <= 0:
        return 2
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 4, 6, 8, 10):
        if step * magnitude >= value and (step != 1 or magnitude >= 10):
            return step * magnitude
    return 10 * magnitude  # pragma: no cover


def compact(value: float) -> str:
    """An axis label that fits: 2,000,000 → "2M", 500,000 → "500k"."""
    for size, suffix in ((1_000_000, "M"), (1_000, "k")):
        if abs(value) >= size:
            return f"{value / size:,.1f}".removesuffix(".0") + suffix
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def bars(
    title: str,
    points: Sequence[tuple[str, float | None]],
    *,
    headers: tuple[str, str],
    fmt=lambda v: f"{v:,.0f}",
    reference: tuple[float, str] | None = None,
    top: float | None = None,
    tick=compact,
) -> Chart:
    """A bar per (label, value); a missing value (None) is an empty slot reading "—".
    `top` fixes the axis (1 for a rate), else a round number above the largest value."""
    values = [v for _, v in points if v is not None]
    top = top or nice_top(max([*values, reference[0] if reference else 0, 0]))
    plot_h = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - 8) / max(len(points), 1)
    gap = min(6.0, slot * 0.2)
    drawn = []
    width = min(slot - gap, MAX_BAR)
    for i, (label, value) in enumerate(points):
        h = 0.0 if value is None else plot_h * float(value) / top
        drawn.append(
            Bar(
                x=round(LEFT + i * slot + (slot - width) / 2, 1),
                y=round(TOP + plot_h - h, 1),
                width=round(width, 1),
                height=round(h, 1),
                label=label,
                text="—" if value is None else fmt(value),
            )
        )
    ticks = [(round(TOP + plot_h * (1 - f), 1), tick(top * f)) for f in (0, 0.5, 1)]
    line = None
    if reference:
        line = (round(TOP + plot_h * (1 - float(reference[0]) / top), 1), reference[1])
    return Chart(
        title=title,
        bars=drawn,
        ticks=ticks,
        line=line,
        headers=headers,
        label_every=max(1, len(points) // 13),
    )
