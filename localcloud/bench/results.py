"""`make bench`'s figures: one row per metric, ours vs the baseline, and how they are shown.

A row is what `out/bench.json` holds: `{"metric", "ours", "baseline", "ratio", "goal",
"unit"}`. `ratio` is ours / baseline (below 1 is better for every cost metric; for the
cold-start proxy the baseline is `import boto3` alone, so the ratio *is* the figure the
goal bounds). A figure that was not measured is the string "not measured"; a figure
computed rather than run says so in its metric name ("derived").
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

Figure = float | int | str | None

NOT_MEASURED = "not measured"
ROW_KEYS = ("metric", "ours", "baseline", "ratio", "goal", "unit")


@dataclass(frozen=True)
class Goal:
    """`ours` (or the ratio, with `of_ratio`) must stay at or below `limit` (strictly below
    with `strict`)."""

    limit: float
    of_ratio: bool = False
    strict: bool = False

    @property
    def text(self) -> str:
        sign = "<" if self.strict else "≤"
        return f"{sign} {_number(self.limit)}{'x' if self.of_ratio else ''}"

    def met(self, ours: Figure, ratio: float | None) -> bool | None:
        value = ratio if self.of_ratio else ours
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        return value < self.limit if self.strict else value <= self.limit


@dataclass(frozen=True)
class Row:
    metric: str
    ours: Figure
    baseline: Figure
    unit: str
    goal: Goal | None = None

    @property
    def ratio(self) -> float | None:
        if not _numeric(self.ours) or not _numeric(self.baseline):
            return None
        assert isinstance(self.ours, int | float) and isinstance(self.baseline, int | float)
        if self.baseline == 0:
            return None
        return round(self.ours / self.baseline, 4)

    @property
    def met(self) -> bool | None:
        return None if self.goal is None else self.goal.met(self.ours, self.ratio)

    def as_json(self) -> dict[str, Figure]:
        return {
            "metric": self.metric,
            "ours": self.ours,
            "baseline": self.baseline,
            "ratio": self.ratio,
            "goal": self.goal.text if self.goal else None,
            "unit": self.unit,
        }


def _numeric(value: Figure) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _number(value: Figure) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"


def format_table(rows: Sequence[Row]) -> str:
    """A fixed-width table a person can read in a terminal."""
    header = ("metric", "ours", "baseline", "ratio", "goal", "met", "unit")
    lines = [
        (
            row.metric,
            _number(row.ours),
            _number(row.baseline),
            "—" if row.ratio is None else f"{row.ratio:.3g}x",
            row.goal.text if row.goal else "—",
            {True: "yes", False: "NO", None: "—"}[row.met],
            row.unit,
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    right = {1, 2, 3}

    def render(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([render(header), rule, *(render(cells) for cells in lines)])


def write_json(rows: Sequence[Row], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = [row.as_json() for row in rows]
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
