"""`make demo`: the whole pipeline, end to end, on the embedded runtime.

Deploys the dev stack (the same Pulumi program) into the embedded AWS, then, in virtual time:

1. three days of data are uploaded just before the daily schedule; the scheduled run trains,
   deploys the first endpoint (CreateEndpoint) and advances the marker (the upload trigger's
   debounced run starts while it is still going and stands aside);
2. the next day's scheduled run finds no new data and ends in NoNewData;
3. a new day's file arrives; its (debounced) upload run retrains on the window and updates the
   endpoint in place, while a client keeps asking for predictions (zero downtime);
4. the export is late on Wednesday (the 06:00 run finds nothing new) and on Thursday delivers
   two days at once, the first with its labels shuffled across its rows (every column intact,
   so the drift report cannot see it). The run holds out the newest, clean day and trains on
   the rest, the shuffled day included: the quality gate scores the new model (challenger) and
   the serving one (champion) on that clean day, rejects the new one (far beyond dev's 10 %
   bound), and the run ends in ModelRejected. A client calling the endpoint throughout gets
   the same predictions as before the run; the marker does not move.

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

from contract.document import KEY_EVALUATION
from localcloud import data
from localcloud.demo_rollout import rollout_story_held, run_rollout_demo
from localcloud.runtime import LocalCloud, ModelStack, Run
from localcloud.session.views import evaluation_lines, final_document
from localcloud.watch import EndpointProbe, ProgressView, RunSummary, summarize
from workflow import pipeline as p

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

        # 4 — a late export with one day's labels shuffled: the gate keeps the serving model.
        day += timedelta(days=2)
        gate = _gate_story(
            cloud,
            model,
            shuffled_day=new_day + timedelta(days=1),
            clean_day=new_day + timedelta(days=2),
            arrives=_at(day, 9, 0, zone),
            follow=(progress, follow_new, write),
        )
        summaries += gate.pop("summaries")

        report = {
            "stack": stack,
            "runs": [s.report() for s in summaries],
            "endpoint_probe_during_update": probe.report(),
            "quality_gate": gate,
            "prediction": _prediction(cloud, model, data.feature_rows(day, 3)),
            "marker": cloud.marker(model),
            "wall_seconds": round(time.perf_counter() - started, 2),
        }
    _print_summary(summaries, report, write)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "demo-report.json"
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write(f"\nReport: {path}   ({report['wall_seconds']} s of wall time)")
    return report


def _prediction(cloud: LocalCloud, model: ModelStack, rows: list[list[float]]) -> dict[str, Any]:
    return {
        "endpoint": model.endpoint_name,
        "rows": rows,
        "predictions": cloud.predict(model, rows),
        "expected": [round(data.expected_rentals(r), 3) for r in rows],
    }


def _gate_story(
    cloud: LocalCloud,
    model: ModelStack,
    *,
    shuffled_day: date,
    clean_day: date,
    arrives: datetime,
    follow: tuple[ProgressView, Any, Any],
) -> dict[str, Any]:
    """Story 4: the late export arrives, its run goes to its end; what the gate decided (as
    the run recorded it) and what the endpoint serves, before and after."""
    progress, follow_new, write = follow
    write(
        f"\n[4] {arrives - timedelta(days=1):%a %d %b} and {arrives:%a %d %b} 06:00 — the export "
        f"is late, nothing new. {arrives:%a} {arrives:%H:%M} it delivers {shuffled_day}.csv, "
        f"its labels shuffled across its rows (each column intact), and {clean_day}.csv "
        f"(clean): the run trains on the window, the shuffled day included, and holds out "
        f"{clean_day}; a client keeps calling the endpoint"
    )
    known = list(progress.runs)
    cloud.advance_to(arrives, on_idle=follow_new)
    rows = data.feature_rows(clean_day, 3)
    before = _serving(cloud, model, rows)
    probe = EndpointProbe(cloud, model, rows)
    probe.start()
    shuffled = data.shuffled_labels(data.daily_rows(shuffled_day), shuffled_day)
    cloud.upload_csv(model, shuffled_day.isoformat(), shuffled)
    cloud.upload_csv(model, clean_day.isoformat(), data.daily_rows(clean_day))
    cloud.advance_to(arrives + timedelta(hours=3), on_idle=follow_new)
    runs = [r for r in progress.runs if r not in known]
    cloud.wait(*runs, on_idle=follow_new)
    probe.stop()
    # The run that evaluated a model: its evaluation as the run recorded it ($.evaluation of
    # its output, or of the Fail state's input when it was rejected).
    evaluated = [
        (run, document)
        for run in runs
        if (document := final_document(cloud, run)).get(KEY_EVALUATION)
    ]
    run, document = evaluated[-1] if evaluated else (None, {})
    ended = summarize(cloud, run).states[-1] if run else None
    return {
        "summaries": [summarize(cloud, r) for r in runs],
        "run": run.name if run else None,
        "ended_in": ended,
        "shuffled_day": shuffled_day.isoformat(),
        "holdout_day": clean_day.isoformat(),
        "evaluation": document.get(KEY_EVALUATION),
        "evaluation_lines": [line.strip() for line in evaluation_lines(document)],
        "probed_rows": rows,
        "before": before,
        "after": _serving(cloud, model, rows),
        "endpoint_probe_during_run": probe.report(),
    }


def _serving(cloud: LocalCloud, model: ModelStack, rows: list[list[float]]) -> dict[str, Any]:
    """What a client sees: the serving config, its answers for `rows`, and the marker."""
    return {
        "endpoint_config": _serving_config(cloud, model),
        "predictions": cloud.predict(model, rows),
        "marker": cloud.marker(model),
    }


def _serving_config(cloud: LocalCloud, model: ModelStack) -> str | None:
    sagemaker = cloud.client("sagemaker", model.region)
    endpoint = sagemaker.describe_endpoint(EndpointName=model.endpoint_name)
    return endpoint.get("EndpointConfigName")


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
    _print_gate(report["quality_gate"], write)
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


def _print_gate(gate: dict[str, Any], write: Any) -> None:
    evaluation = gate["evaluation"] or {}
    before, after = gate["before"], gate["after"]
    probe = gate["endpoint_probe_during_run"]
    write(
        f"\nThe quality gate, run {str(gate['run'])[:8]} (ended in {gate['ended_in']}), as "
        "the run recorded it ($.evaluation):"
    )
    for line in gate["evaluation_lines"]:
        write(f"  {line}")
    challenger, champion = evaluation.get("challenger"), evaluation.get("champion")
    if isinstance(challenger, int | float) and isinstance(champion, int | float) and champion:
        write(
            f"  the new model's {evaluation.get('metric')} is {challenger:.4g} against the "
            f"serving model's {champion:.4g} on the same rows: "
            f"{100 * (challenger / champion - 1):+.0f} %, bound "
            f"+{evaluation.get('bounds', {}).get('maxRegressionPercent')} %"
        )
    same_model = before["endpoint_config"] == after["endpoint_config"]
    same_answers = before["predictions"] == after["predictions"]
    served = probe["served_by_in_order"]
    write(
        f"  serving: {after['endpoint_config']}"
        + (" (the model from before the run keeps serving)" if same_model else " (CHANGED)")
        + f"; the client's {probe['requests'] - probe['failed']}/{probe['requests']} answers "
        f"during the run came from {' -> '.join(served) or 'nobody'}"
    )
    write(
        "  predictions for the same rows before / after the run: "
        + ", ".join(
            f"{b:.2f} / {a:.2f}"
            for b, a in zip(before["predictions"], after["predictions"], strict=True)
        )
        + (" (identical)" if same_answers else " (DIFFERENT)")
    )
    write(
        f"  marker {before['marker']} -> {after['marker']}"
        + (" (untouched)" if before["marker"] == after["marker"] else " (MOVED)")
    )


def gate_story_held(gate: dict[str, Any]) -> bool:
    """Story 4's claims: rejected, same model and answers, marker unmoved, no failed request."""
    before, after = gate["before"], gate["after"]
    return (
        gate["ended_in"] == p.MODEL_REJECTED
        and before == after
        and gate["endpoint_probe_during_run"]["failed"] == 0
        and gate["endpoint_probe_during_run"]["served_by_in_order"] == [before["endpoint_config"]]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud demo")
    parser.add_argument("--stack", default="dev", choices=["dev", "prod"])
    parser.add_argument("--out-dir", type=Path, default=Path("out"))
    args = parser.parse_args(argv)
    if args.stack == "prod":  # prod's story is its guarded rollout (localcloud.demo_rollout)
        return 0 if rollout_story_held(run_rollout_demo(args.out_dir)) else 1
    report = run_demo(args.stack, args.out_dir)
    gate = report["quality_gate"]
    # The one run meant to fail is story 4's: its model rejected by the gate.
    failed = [run for run in report["runs"] if run["status"] != "SUCCEEDED"]
    unexpected = [run for run in failed if run["name"] != gate["run"]]
    failed_probe = report["endpoint_probe_during_update"]["failed"]
    return 0 if not unexpected and not failed_probe and gate_story_held(gate) else 1


if __name__ == "__main__":
    sys.exit(main())
