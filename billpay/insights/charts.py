"""Server-rendered SVG charts: the geometry, worked out in Decimal (no float anywhere in money).

Each chart is drawn by a template from these numbers, beside a table (or sentence) that says the
same for screen readers and anyone who reads rather than looks; the SVG itself is aria-hidden.
SVG needs no JavaScript, no library to vendor and no network, prints, and scales with the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

ZERO = Decimal("0")
POINT = Decimal("0.1")

# The bar chart's box (viewBox units): labels on the left, bars to the right of them. The labels'
# column grows with the longest label (French ones are longer: « En retard de plus de 90 jours »),
# at about CHAR_WIDTH units a character of the 11-unit label font; the bars keep their room.
BAR_WIDTH, BAR_LABELS, BAR_ROW, BAR_HEIGHT = 320, 132, 26, 16
CHAR_WIDTH = Decimal("6.2")
# The balance chart's box: plot area between TOP and BOTTOM.
LINE_WIDTH, LINE_HEIGHT, LINE_TOP, LINE_BOTTOM = 600, 200, 8, 192


def _n(value: Decimal) -> str:
    """A coordinate as SVG wants it: plain digits, one decimal place."""
    return str(value.quantize(POINT))


@dataclass(frozen=True)
class Bar:
    label: str
    y: str
    text_y: str
    width: str


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    height: int
    width: int = BAR_WIDTH
    label_x: int = BAR_LABELS - 6
    bar_x: int = BAR_LABELS
    bar_height: int = BAR_HEIGHT


def _labels_width(labels: list[str]) -> int:
    longest = max((len(str(label)) for label in labels), default=0)
    return max(BAR_LABELS, int(CHAR_WIDTH * longest) + 6)


def bar_chart(values: list[tuple[str, Decimal]]) -> BarChart:
    """Horizontal bars, one per (label, amount), as long as the amount against the largest."""
    largest = max((amount for _label, amount in values), default=ZERO)
    labels = _labels_width([label for label, _amount in values])
    room = Decimal(BAR_WIDTH - BAR_LABELS - 4)
    bars = []
    for row, (label, amount) in enumerate(values):
        share = max(amount, ZERO) / largest if largest > ZERO else ZERO
        width = room * share
        if amount > ZERO:
            width = max(width, Decimal(2))  # a small amount still shows as a sliver
        top = Decimal(row * BAR_ROW + (BAR_ROW - BAR_HEIGHT) // 2)
        bars.append(Bar(label, _n(top), _n(top + Decimal(BAR_HEIGHT) - 4), _n(width)))
    return BarChart(
        bars=bars,
        height=len(values) * BAR_ROW,
        width=BAR_WIDTH - BAR_LABELS + labels,
        label_x=labels - 6,
        bar_x=labels,
    )


@dataclass(frozen=True)
class LineChart:
    path: str  # the balance as a step line
    zero_y: str | None  # the zero line, when it is in view
    below_y: str | None  # the top of the below-zero band, when the balance goes under zero
    below_height: str
    width: int = LINE_WIDTH
    height: int = LINE_HEIGHT


def balance_chart(opening: Decimal, balances: list[Decimal]) -> LineChart:
    """The balance day by day as a step line: it drops on the day money leaves."""
    values = [opening, *balances]
    high, low = max(*values, ZERO), min(*values, ZERO)
    span = (high - low) or Decimal(1)
    plot = Decimal(LINE_BOTTOM - LINE_TOP)

    def y(value: Decimal) -> Decimal:
        return Decimal(LINE_TOP) + (high - value) / span * plot

    step = Decimal(LINE_WIDTH) / Decimal(max(len(balances), 1))
    parts = [f"M0 {_n(y(opening))}"]
    for day, balance in enumerate(balances):
        parts.append(f"V{_n(y(balance))} H{_n(step * (day + 1))}")
    zero = y(ZERO)
    below = low < ZERO
    return LineChart(
        path=" ".join(parts),
        zero_y=_n(zero),
        below_y=_n(zero) if below else None,
        below_height=_n(Decimal(LINE_BOTTOM) - zero) if below else "0",
    )
