"""`make bench`: orchestration cost, scaling and speed, ours vs the original design, in one run.

    python -m localcloud.bench [--quick] [--with-tests] [--out out/bench.json]

Prints a table (and the per-run details) on stdout and writes `[{"metric", "ours",
"baseline", "ratio", "goal", "unit"}]` to `--out`. The benchmark asserts nothing: figures
that miss a goal are printed as such ("met: NO"). What is measured and how:
docs/performance.md.

- Orchestration: the dev stack (and the prod stack, whose polling differs) deployed into the
  embedded runtime, against the original topology (localcloud.bench.baseline) deployed
  alongside with the same functions; training of 10 min, 1 h, 24 h and 28 days + a 10-minute
  deployment, in virtual time (localcloud.bench.orchestration).
- Guarded rollout: what a canary adds to a prod run (1 h and 24 h of training, gate, manual
  approval), against the same run updating all at once (localcloud.bench.rollout).
- CheckData's S3 calls for a 730-day window over 3,650 daily files (localcloud.bench.check_data).
- `make demo` and test-suite wall time, handler import time vs `import boto3`, package size
  (localcloud.bench.speed).
- $ per run from AWS's published prices (localcloud.bench.cost).

`--quick` skips the 28-day runs and the demo timing; `--with-tests` also times the whole
test suite (about two minutes).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

from localcloud.bench.check_data import measure_check_data
from localcloud.bench.cost import ASSUMPTIONS
from localcloud.bench.orchestration import BASELINE, measurement_overrides, orchestration_bench
from localcloud.bench.report import (
    DURATIONS,
    LAG_TRAINING_SECONDS,
    Orchestration,
    check_data_rows,
    orchestration_rows,
    run_table,
    speed_rows,
)
from localcloud.bench.results import Row, format_table, write_json
from localcloud.bench.rollout import DAY, HOUR, measure_rollout, rollout_rows
from localcloud.bench.speed import (
    ImportTimes,
    measure_imports,
    package_sizes,
    time_demo,
    time_tests,
)

DEFAULT_OUT = Path("out") / "bench.json"
LONGEST: float = DURATIONS[-1][1]


def measure_orchestration(
    quick: bool, progress: Callable[[str], None]
) -> tuple[Orchestration, dict[str, dict[str, str]], str]:
    """Every orchestration run; also the functions' deployed environments (for the import
    timings) and their region."""
    result = Orchestration()
    stacks = (result.ours, *result.also)
    with orchestration_bench(stacks) as bench:
        plan: list[tuple[str, float]] = []
        for _, duration in DURATIONS:
            seconds = float(duration)
            if quick and seconds == LONGEST:
                continue
            plan.append((result.ours, seconds))
            # The baseline's 28-day run would take tens of minutes of wall time (40,000
            # polls); it is derived from its 1 h and 24 h runs instead.
            if seconds != LONGEST:
                plan.append((BASELINE, seconds))
            plan += [(stack, seconds) for stack in result.also if seconds >= 3600]
        for topology, seconds in plan:
            progress(f"  run: {topology:<8} training {seconds:>9,.0f} s (virtual)")
            run = result.runs[(topology, seconds)] = bench.measure(topology, seconds)
            progress(
                f"    {run.status}: {run.transitions:,} transitions, "
                f"{run.history_events:,} history events, {run.lambda_invocations:,} Lambda calls"
            )
        progress("  run: completion lag (including one with the state-change event lost)")
        result.lag["ours"] = bench.measure(result.ours, LAG_TRAINING_SECONDS)
        result.lag["baseline"] = bench.measure(BASELINE, LAG_TRAINING_SECONDS)
        result.lag["ours-lost"] = bench.measure(result.ours, LAG_TRAINING_SECONDS, lose_events=True)
        result.poll_max_seconds = {
            key: topology.poll_max_seconds for key, topology in bench.topologies.items()
        }
        region = bench.topologies[result.ours].model.region
        return result, bench.environments, region


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="skip the 28-day runs and the demo")
    parser.add_argument("--with-tests", action="store_true", help="also time the test suite")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON output path")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    def progress(line: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {line}", flush=True)

    notes: list[str] = [
        "ratio = ours / baseline (below 1 = cheaper or faster than the baseline)",
        "deployment overrides for the orchestration runs: "
        + ", ".join(f"{k}={v}" for k, v in measurement_overrides().items())
        + " (so that every duration is allowed); the stacks' schedules are disabled and "
        "data files are written without S3 event notifications (the measured run is the "
        'only run); each run\'s input is {"force": true}',
        *ASSUMPTIONS,
    ]
    progress("orchestration: deploying dev and prod + the baseline into the embedded AWS")
    orchestration, environments, region = measure_orchestration(args.quick, progress)
    progress("guarded rollout: prod, a canary model next to an all-at-once one")
    guarded = measure_rollout(progress, durations=(HOUR,) if args.quick else (HOUR, DAY))
    progress("CheckData: 730-day window, 3,650 daily files")
    check_data = measure_check_data()
    progress("cold-start proxy: handler imports vs import boto3 (fresh interpreters)")
    imports: ImportTimes = measure_imports(environments, region)
    package = package_sizes()
    demo = None
    if not args.quick:
        progress("make demo (python -m localcloud demo, in a subprocess)")
        demo = time_demo()
        if demo.exit_code != 0:
            notes.append(f"make demo failed (exit {demo.exit_code}): {demo.tail}")
    tests = None
    if args.with_tests:
        progress("test suite (python -m pytest, in a subprocess)")
        tests = time_tests()
        if tests.exit_code != 0:
            notes.append(f"the test suite failed (exit {tests.exit_code}): {tests.tail}")

    rows: list[Row] = orchestration_rows(orchestration, notes)
    rows += rollout_rows(guarded)
    rows += check_data_rows(check_data)
    rows += speed_rows(demo, tests, imports, package)
    all_runs = [*orchestration.runs.values(), *orchestration.lag.values()]
    failed = [r for r in all_runs if r.status != "SUCCEEDED"]
    notes += [f"run {r.topology} {r.training_seconds:g} s ended {r.status}" for r in failed]

    print("\nRuns (virtual time; wall s is this machine's)")
    print(run_table(all_runs))
    print(f"\nFigures ({platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()})")
    print(format_table(rows))
    print("\nNotes")
    for note in notes:
        print(f"  - {note}")
    write_json(rows, args.out)
    print(f"\nWrote {args.out} ({len(rows)} rows) in {time.perf_counter() - started:.0f} s")
    return 0


def _cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0


if __name__ == "__main__":
    sys.exit(main())
