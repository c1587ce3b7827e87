"""From measurements to `make bench`'s rows (and the notes that say how each was obtained)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from localcloud.bench.check_data import CheckDataCost
from localcloud.bench.orchestration import DEPLOYMENT_SECONDS, RunCost
from localcloud.bench.results import NOT_MEASURED, Figure, Goal, Row
from localcloud.bench.speed import ImportTimes, PackageSizes, Timed

HOUR = 3600
DAY = 24 * HOUR
# (label, training seconds) of the measured runs; each adds a 10-minute deployment.
DURATIONS = (("10 min", 600), ("1 h", HOUR), ("24 h", DAY), ("28 days", 28 * DAY))
HISTORY_EVENT_LIMIT = 25_000  # Step Functions' hard limit per execution
TRANSITION_GOALS = {HOUR: Goal(40), DAY: Goal(60)}
HISTORY_GOALS = {28 * DAY: Goal(HISTORY_EVENT_LIMIT, strict=True)}
DEMO_GOAL = Goal(20)
COLD_START_GOAL = Goal(1.3, of_ratio=True)
# Mid-way between two of the baseline's 60-second polls: its lag is not flattered by luck.
LAG_TRAINING_SECONDS = HOUR + 30


@dataclass
class Orchestration:
    """The runs of one bench, keyed by (topology key, training seconds)."""

    runs: dict[tuple[str, float], RunCost] = field(default_factory=dict)
    lag: dict[str, RunCost] = field(default_factory=dict)  # ours / baseline / ours-lost
    poll_max_seconds: dict[str, int] = field(default_factory=dict)
    ours: str = "dev"
    also: tuple[str, ...] = ("prod",)


def _duration_label(seconds: float) -> str:
    label = next((label for label, s in DURATIONS if s == seconds), None)
    if label is not None:
        return label
    hours, rest = divmod(int(seconds), HOUR)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s"


def _derived_baseline(runs: Mapping[tuple[str, float], RunCost], seconds: float) -> RunCost:
    """The baseline's cost at `seconds`, from a straight line through its measured runs of
    1 h and longer: its cost per poll is constant, so every figure is linear in duration."""
    measured = {s: r for (t, s), r in runs.items() if t == "baseline" and s >= HOUR}

    def at(metric: str) -> float:
        intercept, slope = linear_fit({s: float(getattr(r, metric)) for s, r in measured.items()})
        return intercept + slope * seconds

    return RunCost(
        topology="baseline (derived)",
        training_seconds=seconds,
        status="derived",
        transitions=round(at("transitions")),
        history_events=round(at("history_events")),
        lambda_invocations=round(at("lambda_invocations")),
        lambda_usd=at("lambda_usd"),
        virtual_seconds=seconds + DEPLOYMENT_SECONDS,
        training_lag_seconds=None,
        deployment_lag_seconds=None,
        wall_seconds=0.0,
    )


def baseline_hours_to_history_limit(runs: Mapping[tuple[str, float], RunCost]) -> float:
    measured = {s: float(r.history_events) for (t, s), r in runs.items() if t == "baseline"}
    measured = {s: e for s, e in measured.items() if s >= HOUR}
    intercept, slope = linear_fit(measured)
    return (HISTORY_EVENT_LIMIT - intercept) / slope / HOUR


def orchestration_rows(o: Orchestration, notes: list[str]) -> list[Row]:
    rows: list[Row] = []
    for label, seconds in DURATIONS:
        ours = o.runs.get((o.ours, seconds))
        if ours is None:
            continue
        baseline = o.runs.get(("baseline", seconds))
        suffix = ""
        if baseline is None:
            baseline = _derived_baseline(o.runs, seconds)
            suffix = " (baseline derived)"
            notes.append(
                f"baseline at {label}: derived, not run — a straight line through its measured "
                "1 h and 24 h runs (a fixed 60 s poll costs the same every minute); moto does "
                f"not enforce the {HISTORY_EVENT_LIMIT:,}-event limit, AWS would fail this run"
            )
        what = f"{label} training + 10 min deploy{suffix}"
        rows += [
            Row(
                f"state transitions, {what}",
                ours.transitions,
                baseline.transitions,
                "states",
                TRANSITION_GOALS.get(seconds),
            ),
            Row(
                f"history events, {what}",
                ours.history_events,
                baseline.history_events,
                "events",
                HISTORY_GOALS.get(seconds),
            ),
            Row(
                f"Lambda invocations, {what}",
                ours.lambda_invocations,
                baseline.lambda_invocations,
                "calls",
            ),
            Row(
                f"orchestration $ per run, {what}",
                round(ours.usd, 6),
                round(baseline.usd, 6),
                "USD",
            ),
        ]
    for stack in o.also:
        for label, seconds in DURATIONS:
            run = o.runs.get((stack, seconds))
            baseline = o.runs.get(("baseline", seconds)) or (
                _derived_baseline(o.runs, seconds) if (o.ours, seconds) in o.runs else None
            )
            if run is None or baseline is None:
                continue
            derived = " (baseline derived)" if baseline.status == "derived" else ""
            rows.append(
                Row(
                    f"state transitions, {label} training + 10 min deploy, {stack} stack{derived}",
                    run.transitions,
                    baseline.transitions,
                    "states",
                    TRANSITION_GOALS.get(seconds) or None,
                )
            )
            if seconds in HISTORY_GOALS:
                rows.append(
                    Row(
                        f"history events, {label} training + 10 min deploy, {stack} stack{derived}",
                        run.history_events,
                        baseline.history_events,
                        "events",
                        HISTORY_GOALS[seconds],
                    )
                )
    if ("baseline", DAY) in o.runs:
        rows.append(
            Row(
                "training hours before the 25,000-event history limit (derived)",
                None,
                round(baseline_hours_to_history_limit(o.runs), 1),
                "h",
            )
        )
    rows += _gate_rows(o)
    rows += _lag_rows(o)
    return rows


def _gate_rows(o: Orchestration) -> list[Row]:
    """What the quality gate adds to a 1 h run: its own states, Lambda calls and virtual time,
    counted in the measured run (the seed topology had no gate: nothing to compare with)."""
    run = o.runs.get((o.ours, HOUR))
    if run is None:
        return []
    what = "1 h training + 10 min deploy"
    return [
        Row(
            f"quality gate's share: state transitions, {what} (of {run.transitions})",
            run.gate_transitions,
            None,
            "states",
        ),
        Row(
            f"quality gate's share: Lambda invocations, {what} (of {run.lambda_invocations})",
            run.gate_lambda_invocations,
            None,
            "calls",
        ),
        Row(
            f"quality gate's share: virtual time, {what}",
            round(run.gate_virtual_seconds / 60, 2),
            None,
            "min virtual",
        ),
    ]


def _lag_rows(o: Orchestration) -> list[Row]:
    ours, baseline, lost = o.lag.get("ours"), o.lag.get("baseline"), o.lag.get("ours-lost")
    if ours is None or baseline is None:
        return []
    rows = [
        Row(
            "completion lag, training (1 h 0 min 30 s run)",
            ours.training_lag_seconds,
            baseline.training_lag_seconds,
            "s virtual",
        ),
        Row(
            "completion lag, deployment (same run)",
            ours.deployment_lag_seconds,
            baseline.deployment_lag_seconds,
            "s virtual",
        ),
    ]
    if lost is not None:
        rows.append(
            Row(
                "completion lag, training, state-change event lost",
                lost.training_lag_seconds,
                baseline.training_lag_seconds,
                "s virtual",
            )
        )
    rows.append(
        Row(
            "worst-case lag if the event is lost (configured poll cap)",
            o.poll_max_seconds.get(o.ours),
            o.poll_max_seconds.get("baseline"),
            "s virtual",
        )
    )
    return rows


def check_data_rows(cost: CheckDataCost) -> list[Row]:
    scale = f"{cost.window_days}-day window, {cost.files_in_bucket:,} files"
    return [
        Row(
            f"CheckData S3 calls to find the window's files ({scale})",
            cost.ours_listing_calls,
            cost.baseline_total_calls,
            "calls",
            Goal(3),
        ),
        Row(
            f"CheckData S3 calls, whole invocation ({scale})",
            cost.ours_total_calls,
            None,
            "calls",
            Goal(3),
        ),
        Row(
            f"CheckData wall time ({scale}, drift report on; moto, in process)",
            cost.ours_seconds,
            cost.baseline_seconds,
            "s",
        ),
        Row(
            f"CheckData's drift report, of that ({cost.drift_new_files} new file(s) against "
            f"{cost.drift_baseline_files} recorded files' sums)",
            cost.drift_seconds,
            None,
            "s",
        ),
    ]


def speed_rows(
    demo: Timed | None, tests: Timed | None, imports: ImportTimes, package: PackageSizes
) -> list[Row]:
    rows = [
        Row("make demo wall time", _timed(demo), None, "s", DEMO_GOAL),
        Row("test suite wall time (pytest, whole suite)", _timed(tests), None, "s"),
    ]
    for module, seconds in sorted(imports.handlers.items()):
        rows.append(
            Row(
                f"cold-start proxy: import {module} (vs import boto3)",
                round(seconds * 1000, 1),
                round(imports.boto3_seconds * 1000, 1),
                "ms",
                COLD_START_GOAL,
            )
        )
    rows += [
        Row(
            f"deployment package {package.functions_path.name} (zip, as infra builds it)",
            package.functions_bytes,
            None,
            "bytes",
        ),
        Row(
            f"Slack layer {package.layer_path.name} (zip, as infra builds it)",
            package.layer_bytes,
            None,
            "bytes",
        ),
    ]
    return rows


def _timed(timed: Timed | None) -> Figure:
    if timed is None:
        return NOT_MEASURED
    if timed.exit_code != 0:
        return f"failed (exit {timed.exit_code})"
    return timed.seconds


def run_table(runs: Sequence[RunCost]) -> str:
    header = f"  {'topology':<20} {'training':>10} {'status':<10} {'trans.':>6} {'events':>6} "
    header += f"{'lambdas':>7} {'$':>9} {'lag train':>9} {'lag deploy':>10} {'wall s':>7}"
    lines = [header]
    for r in runs:
        lines.append(
            f"  {r.topology:<20} {_duration_label(r.training_seconds):>10} {r.status:<10} "
            f"{r.transitions:>6} {r.history_events:>6} {r.lambda_invocations:>7} "
            f"{r.usd:>9.6f} {_seconds(r.training_lag_seconds):>9} "
            f"{_seconds(r.deployment_lag_seconds):>10} {r.wall_seconds:>7.1f}"
        )
    return "\n".join(lines)


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"


def linear_fit(
    points: Mapping[float, float],
) -> tuple[float, float]:
    """(intercept, slope) through two or more (x, y) points, least squares."""
    if len(points) < 2:
        raise ValueError(f"a linear fit needs at least two points, got {dict(points)}")
    xs, ys = list(points), list(points.values())
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mean_x) ** 2 for x in xs
    )
    return mean_y - slope * mean_x, slope
