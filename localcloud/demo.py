"""`make demo`: the whole pipeline, end to end, on the embedded runtime.

Deploys the dev stack (the same Pulumi program) into the embedded AWS, then, in virtual time:

1. three days of data are uploaded just before the daily schedule; the scheduled run trains,
   deploys the first endpoint (CreateEndpoint) and advances the marker (the upload trigger's
   debounced run starts while it is still going and stands aside);
2. the next day's scheduled run finds no new data and ends in NoNewData;
3. a new day's file arrives; its (debounced) upload run retrains on the window and updates the
   endpoint in place, while a client keeps asking for predictions (zero downtime);

then asks the endpoint for predictions and writes `out/demo-report.json`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from localcloud import data
from localcloud.runtime import LocalCloud, ModelStack, Run
from localcloud.watch import EndpointProbe, ProgressView, RunSummary, summarize

# The demo's first day: a Monday; the dev stack trains daily at 06:00 Europe/Paris.
FIRST_RUN_DAY = date(2026, 3, 2)


def _at(day: date, hour: int, minute: int, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def _new_runs(cloud: LocalCloud, model: ModelStack, known: set[str]) -> list[Run]:
    fresh = [run for run in cloud.runs(model) if run.execution_arn not in known]
    known.update(run.execution_arn for run in fresh)
    return fresh


def run_demo(stack: str = "dev", out_dir: Path = Path("out"), write: Any = print) -> dict[str, Any]:
    started = time.perf_counter()
    zone_name = "Europe/Paris"
    zone = ZoneInfo(zone_name)
    day = FIRST_RUN_DAY
    with LocalCloud(start=_at(day, 5, 57, zone)) as cloud:
        write(f"Deploying stack '{stack}' (the Pulumi program in infra/) into the embedded AWS…")
        model = cloud.deploy(stack)[0]
        resources = model.deployment.resources
        write(
            f"  {len(resources)} resources: bucket {model.bucket}, state machine "
            f"{model.state_machine_arn.rsplit(':', 1)[-1]}, {len(model.function_arns)} functions"
        )
        progress = ProgressView(cloud, zone_name, write)
        known: set[str] = set()
        summaries: list[RunSummary] = []

        def follow_new() -> None:
            for run in _new_runs(cloud, model, known):
                trigger = json.loads(cloud.describe(run).get("input") or "{}").get(
                    "trigger", "manual"
                )
                progress.follow(run, f"{trigger}:{run.name[:8]}")
            progress.poll()

        # 1 — three days of history, just before the 06:00 schedule.
        history = [day - timedelta(days=n) for n in (3, 2, 1)]
        write(
            f"\n[1] {day:%a %d %b} 05:57 — uploading {len(history)} days of data "
            f"({history[0]} … {history[-1]}); the schedule fires at 06:00"
        )
        for past in history:
            cloud.upload_csv(model, past.isoformat(), data.daily_rows(past))
        cloud.advance_to(_at(day, 9, 0, zone), on_idle=follow_new)
        first = list(progress.runs)
        cloud.wait(*first, on_idle=follow_new)
        summaries += [summarize(cloud, run) for run in first]

        # 2 — the next day's schedule: nothing new.
        day += timedelta(days=1)
        write(f"\n[2] {day:%a %d %b} 06:00 — the daily schedule; no file is newer than the marker")
        cloud.advance_to(_at(day, 9, 0, zone), on_idle=follow_new)
        second = [r for r in progress.runs if r not in first]
        cloud.wait(*second, on_idle=follow_new)
        summaries += [summarize(cloud, run) for run in second]

        # 3 — a new day's file arrives; the endpoint is updated while a client uses it.
        new_day = history[-1] + timedelta(days=1)
        write(
            f"\n[3] {day:%a %d %b} 09:00 — {new_day}.csv arrives; a client keeps calling the "
            "endpoint every minute during the update"
        )
        probe = EndpointProbe(cloud, model, data.feature_rows(new_day, 2))
        probe.start()
        cloud.upload_csv(model, new_day.isoformat(), data.daily_rows(new_day))
        cloud.advance_to(_at(day, 12, 0, zone), on_idle=follow_new)
        third = [r for r in progress.runs if r not in first and r not in second]
        cloud.wait(*third, on_idle=follow_new)
        probe.stop()
        summaries += [summarize(cloud, run) for run in third]

        rows = data.feature_rows(day, 3)
        scores = cloud.predict(model, rows)
        prediction = {
            "endpoint": model.endpoint_name,
            "rows": rows,
            "predictions": scores,
            "expected": [round(data.expected_rentals(r), 3) for r in rows],
        }
        report = {
            "stack": stack,
            "runs": [s.report() for s in summaries],
            "endpoint_probe_during_update": probe.report(),
            "prediction": prediction,
            "marker": cloud.marker(model),
            "wall_seconds": round(time.perf_counter() - started, 2),
        }
    _print_summary(summaries, report, write)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "demo-report.json"
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write(f"\nReport: {path}   ({report['wall_seconds']} s of wall time)")
    return report


def _print_summary(summaries: list[RunSummary], report: dict[str, Any], write: Any) -> None:
    write("\nRuns")
    header = f"  {'run':<10} {'trigger':<9} {'status':<10} {'ended in':<22} {'trans.':>6} "
    write(header + f"{'marker':<23} {'slack':>5}")
    for s in summaries:
        marker = f"{s.marker_before or '-'} -> {s.marker_after or '-'}"
        write(
            f"  {s.name[:8]:<10} {s.trigger:<9} {s.status:<10} {s.states[-1]:<22} "
            f"{s.transitions:>6} {marker:<23} {len(s.slack):>5}"
        )
    write("\nSlack, as the local Slack API received it (via the real slack_sdk over HTTP)")
    for s in summaries:
        for text in s.slack:
            line = " ".join(text.split())
            write(f"  {s.name[:8]:<10} {line if len(line) <= 110 else line[:109] + '…'}")
    probe = report["endpoint_probe_during_update"]
    write(
        f"\nDuring the update the endpoint answered {probe['requests'] - probe['failed']}/"
        f"{probe['requests']} requests; served by, in order: "
        + " -> ".join(probe["served_by_in_order"])
    )
    trained = next((s for s in summaries if s.metrics), None)
    if trained:
        write(
            "Training metrics: "
            + ", ".join(f"{k} {v:.4g}" for k, v in sorted(trained.metrics.items()))
        )
    prediction = report["prediction"]
    write("Predictions (rentals per hour), model vs the data's true expectation:")
    for score, expected in zip(prediction["predictions"], prediction["expected"], strict=True):
        write(f"  {score:8.2f}   vs {expected:8.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud demo")
    parser.add_argument("--stack", default="dev", choices=["dev", "prod"])
    parser.add_argument("--out-dir", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    report = run_demo(args.stack, args.out_dir)
    statuses = [run["status"] for run in report["runs"]]
    failed_probe = report["endpoint_probe_during_update"]["failed"]
    return 0 if "FAILED" not in statuses and not failed_probe else 1


if __name__ == "__main__":
    sys.exit(main())
