"""The drift report: did the run's new files shift, column by column, from the rest of the window?

What is compared
    The new files (those this run reads for the first time: dated after the marker, or
    overwritten or backfilled behind it) against the baseline, the rest of the window. Every
    column is compared: the label (column 1) and each feature.

The statistics (both standard, both cheap from sums)
    - mean shift, the standardized mean difference |mean_new - mean_baseline| / sd_baseline:
      how many of the baseline's standard deviations the new files' mean moved;
    - sd ratio, max(sd_new / sd_baseline, sd_baseline / sd_new): how many times wider or
      narrower the new values spread.

    A column shifted when either exceeds the threshold (`driftThreshold`, 3 by default). A
    column constant in the new files (a daily flag such as a weekend indicator is constant
    within a day) is judged by its mean alone; a column constant in the baseline that moves
    or starts to vary shifted without bound (reported with no value).

Why sums
    A 730-day window must not be read again each run. Each file's per-column count, sum and
    sum of squares are recorded with the run's fingerprints when the file is first read
    (`functions.fingerprints`), so the baseline is an addition of recorded sums. Files
    recorded before the sums existed are left out of the baseline, and the report says how
    many were.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from contract.document import (
    DRIFT_BASELINE_FILES,
    DRIFT_FILES_WITHOUT_STATS,
    DRIFT_MEAN_SHIFT,
    DRIFT_NEW_FILES,
    DRIFT_SD_RATIO,
    DRIFT_SHIFTED,
    DRIFT_SHIFTED_COUNT,
    DRIFT_SUMMARY,
    DRIFT_THRESHOLD,
)

MAX_SHOWN: Final = 20  # shifted columns listed in $.data (the 256 KB payload limit)
SUMMARY_SHOWN: Final = 3  # shifted columns named in the one-line summary
# Below this (relative to the values' magnitude) a variance or a difference is rounding
# error of the sums, not spread: sum-of-squares arithmetic cancels to ~1e-16 of mean^2.
_ROUNDING: Final = 1e-9


@dataclass(frozen=True)
class ColumnSums:
    """One file's (or several files') rows, and per column the sum and sum of squares."""

    rows: int
    sums: tuple[float, ...]
    squares: tuple[float, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "sums": list(self.sums), "squares": list(self.squares)}

    @classmethod
    def from_dict(cls, raw: Any) -> ColumnSums:
        """The recorded form back; ValueError/TypeError/KeyError when it is not one."""
        rows, sums, squares = int(raw["rows"]), raw["sums"], raw["squares"]
        if rows < 1 or not isinstance(sums, list) or len(sums) != len(squares) or not sums:
            raise ValueError(f"not column sums: {raw!r}")
        return cls(rows, tuple(float(s) for s in sums), tuple(float(s) for s in squares))

    def mean_sd(self, column: int) -> tuple[float, float]:
        """(mean, population standard deviation) of a 0-based column."""
        mean = self.sums[column] / self.rows
        variance = self.squares[column] / self.rows - mean * mean
        if variance <= _ROUNDING * max(1.0, mean * mean):
            variance = 0.0
        return mean, math.sqrt(variance)


def combine(parts: Iterable[ColumnSums]) -> ColumnSums | None:
    """The sums of several files of the same columns; None for none."""
    rows, sums, squares = 0, None, None
    for part in parts:
        if sums is None or squares is None:
            sums, squares = list(part.sums), list(part.squares)
        else:
            sums = [a + b for a, b in zip(sums, part.sums, strict=True)]
            squares = [a + b for a, b in zip(squares, part.squares, strict=True)]
        rows += part.rows
    if sums is None or squares is None:
        return None
    return ColumnSums(rows, tuple(sums), tuple(squares))


def column_name(column: int) -> str:
    """A 0-based column as people read it: the label comes first, as Linear Learner reads."""
    return "label" if column == 0 else f"feature {column}"


@dataclass(frozen=True)
class Shift:
    column: int  # 1-based, as a spreadsheet numbers it (the label is column 1)
    statistic: str  # DRIFT_MEAN_SHIFT / DRIFT_SD_RATIO
    value: float | None  # None: the baseline was constant, so the shift has no bound
    new_mean: float
    baseline_mean: float
    new_sd: float
    baseline_sd: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "name": column_name(self.column - 1),
            "statistic": self.statistic,
            "value": None if self.value is None else round(self.value, 4),
            "newMean": round(self.new_mean, 6),
            "baselineMean": round(self.baseline_mean, 6),
            "newSd": round(self.new_sd, 6),
            "baselineSd": round(self.baseline_sd, 6),
        }

    def describe(self) -> str:
        name = column_name(self.column - 1)
        if self.statistic == DRIFT_MEAN_SHIFT:
            moved = "moved off a constant" if self.value is None else f"moved {self.value:.3g} sd"
            return f"{name} mean {self.baseline_mean:.4g} → {self.new_mean:.4g} ({moved})"
        spread = "started to vary" if self.value is None else f"x{self.value:.3g}"
        return f"{name} sd {self.baseline_sd:.4g} → {self.new_sd:.4g} ({spread})"


def _differ(a: float, b: float) -> bool:
    return abs(a - b) > _ROUNDING * max(1.0, abs(a), abs(b))


def column_shifts(new: ColumnSums, baseline: ColumnSums, threshold: float) -> list[Shift]:
    """The columns of `new` that shifted from `baseline` beyond `threshold`, in column order."""
    shifts: list[Shift] = []
    for column in range(len(new.sums)):
        new_mean, new_sd = new.mean_sd(column)
        base_mean, base_sd = baseline.mean_sd(column)
        found: list[tuple[str, float | None]] = []
        if base_sd > 0:
            mean_shift = abs(new_mean - base_mean) / base_sd
            if mean_shift > threshold:
                found.append((DRIFT_MEAN_SHIFT, mean_shift))
        elif _differ(new_mean, base_mean):
            found.append((DRIFT_MEAN_SHIFT, None))
        if base_sd > 0 and new_sd > 0:
            ratio = max(new_sd / base_sd, base_sd / new_sd)
            if ratio > threshold:
                found.append((DRIFT_SD_RATIO, ratio))
        elif base_sd == 0 and new_sd > 0:
            found.append((DRIFT_SD_RATIO, None))
        shifts.extend(
            Shift(column + 1, statistic, value, new_mean, base_mean, new_sd, base_sd)
            for statistic, value in found
        )
    return shifts


def report(
    new: list[ColumnSums],
    baseline: list[ColumnSums],
    files_without_stats: int,
    threshold: float,
) -> dict[str, Any]:
    """The drift report ($.data.drift) of the new files' sums against the baseline's."""
    shifts: list[Shift] = []
    new_sums, baseline_sums = combine(new), combine(baseline)
    if new_sums is None:
        summary = "no new file to compare"
    elif baseline_sums is None:
        summary = (
            f"no baseline: none of the window's other files has recorded column statistics "
            f"({files_without_stats} recorded before they existed)"
            if files_without_stats
            else "no baseline: every window file is new to this run"
        )
    elif len(new_sums.sums) != len(baseline_sums.sums):
        summary = "not compared: the new files and the rest of the window differ in columns"
    else:
        shifts = column_shifts(new_sums, baseline_sums, threshold)
        against = f"{len(new)} new file(s) against {len(baseline)} baseline file(s)" + (
            f", {files_without_stats} left out (no recorded statistics)"
            if files_without_stats
            else ""
        )
        if shifts:
            named = "; ".join(s.describe() for s in shifts[:SUMMARY_SHOWN])
            more = len(shifts) - SUMMARY_SHOWN
            summary = (
                f"{len(shifts)} shift(s) beyond driftThreshold {threshold:g}: {named}"
                + (f" and {more} more" if more > 0 else "")
                + f" ({against})"
            )
        else:
            summary = f"no column shifted beyond driftThreshold {threshold:g} ({against})"
    return {
        DRIFT_THRESHOLD: threshold,
        DRIFT_NEW_FILES: len(new),
        DRIFT_BASELINE_FILES: len(baseline),
        DRIFT_FILES_WITHOUT_STATS: files_without_stats,
        DRIFT_SHIFTED_COUNT: len(shifts),
        DRIFT_SHIFTED: [s.as_dict() for s in shifts[:MAX_SHOWN]],
        DRIFT_SUMMARY: summary,
    }


def rejection(drift: Any) -> str | None:
    """The gate's reason to reject, from a drift report with shifts (driftAction reject)."""
    if not isinstance(drift, dict) or not drift.get(DRIFT_SHIFTED_COUNT):
        return None
    return f"data drift (driftAction reject): {drift.get(DRIFT_SUMMARY, 'columns shifted')}"
