"""`make demo STACK=prod`: prod's guarded rollout, end to end, on the embedded runtime.

Deploys the prod stack (manual approval, canary updates watched by the rollback alarms) and,
in virtual time, with a client calling the endpoint every 5 seconds throughout:

1. three days of data; a run trains, registers the model PendingManualApproval, the operator
   approves it (UpdateModelPackage, as the session's `approve`), and DeployModel creates the
   endpoint;
2. a new day; its run's model is approved, but the new model answers half its requests with
   500 (the fault `canary-5xx`): the canary gets its share of the traffic, the
   Invocation5XXErrors alarm fires while it bakes, SageMaker rolls every request back to the
   old model, and the run ends DeploymentFailed naming the alarm; the marker stays;
3. another day; a healthy model: the canary bakes, the rest of the traffic shifts, the new
   model serves everything.

Writes `out/demo-rollout-report.json`.
"""

from __future__ import annotations

import functools
import json
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from contract import names
from localcloud import data, faults
from localcloud.runtime import LocalCloud, ModelStack, Run
from localcloud.sagemaker.traffic import TrafficClient
from localcloud.watch import ProgressView, RunSummary, summarize

ZONE = ZoneInfo("Europe/Paris")
# A Monday after prod's 03:00 schedule: the demo's runs are started by hand.
DAY = date(2026, 3, 2)
PENDING = "PendingManualApproval"
CLIENT_EVERY_SECONDS = 5.0
IDLE_POLL_SECONDS = 60.0
# The operator reads the evaluation before approving.
READING_SECONDS = 120.0


class Operator:
    """Approves whatever waits in the model's package group, as an operator would: a couple
    of minutes after it was registered (time to read the evaluation)."""

    def __init__(self, cloud: LocalCloud, model: ModelStack, write: Any) -> None:
        self._clock = cloud.clock
        self._sagemaker = cloud.client("sagemaker", model.region)
        self._group = names.model_package_group_name(model.stack, model.model)
        self._write = write
        self.approved: list[str] = []
        self._seen: set[str] = set()

    def notice_waiting(self) -> None:
        pages = self._sagemaker.get_paginator("list_model_packages").paginate(
            ModelPackageGroupName=self._group, ModelApprovalStatus=PENDING
        )
        for page in pages:
            for entry in page["ModelPackageSummaryList"]:
                arn = entry["ModelPackageArn"]
                if arn not in self._seen:
                    self._seen.add(arn)
                    self._clock.call_later(
                        READING_SECONDS, functools.partial(self._approve, arn), "operator approves"
                    )

    def _approve(self, arn: str) -> None:
        self._sagemaker.update_model_package(
            ModelPackageArn=arn,
            ModelApprovalStatus="Approved",
            ApprovalDescription="demo: the operator read the evaluation",
        )
        self.approved.append(arn)
        group, version = arn.rsplit("/", 2)[-2:]
        self._write(f"    the operator approves {group} version {version}")


def run_rollout_demo(out_dir: Path = Path("out"), write: Any = print) -> dict[str, Any]:
    started = time.perf_counter()
    with LocalCloud(start=datetime(DAY.year, DAY.month, DAY.day, 4, 0, tzinfo=ZONE)) as cloud:
        write("Deploying stack 'prod' (the Pulumi program in infra/) into the embedded AWS…")
        model = cloud.deploy("prod")[0]
        progress = ProgressView(cloud, ZONE.key, write)
        operator = Operator(cloud, model, write)
        summaries: list[RunSummary] = []
        client: TrafficClient | None = None

        def run(title: str, days: list[date]) -> tuple[Run, dict[str, Any]]:
            write(f"\n{title}")
            for day in days:
                cloud.upload_csv(model, day.isoformat(), data.daily_rows(day))
            begun = cloud.clock.now()
            run = cloud.start_run(model, {})
            progress.follow(run, f"manual:{run.name[:8]}")

            polled = [float("-inf")]

            def idle() -> None:
                operator.notice_waiting()
                # The clock idles at every client call: show the run's progress once a virtual
                # minute (reading its history is what costs).
                if cloud.clock.now() - polled[0] >= IDLE_POLL_SECONDS:
                    polled[0] = cloud.clock.now()
                    progress.poll()

            (described,) = cloud.wait(run, on_idle=idle)
            progress.poll()
            cloud.advance_to(cloud.clock.utcnow() + timedelta(minutes=2))
            summaries.append(summarize(cloud, run))
            story = _rollout(cloud, model, client, begun)
            recorded = json.dumps(cloud.history(run), default=str)
            story.update(
                status=described["status"],
                cause=described.get("cause"),
                last_slack=summaries[-1].slack[-1] if summaries[-1].slack else None,
                # The alarms GetStatus's message names after a rollback
                # (functions.rollback_alarms.rollback_cause words it so).
                alarms_named=[
                    name
                    for name in names.rollback_alarm_names(model.stack, model.model)
                    if f"rolled back by alarm {name}" in recorded
                ],
            )
            return run, story

        history = [DAY - timedelta(days=n) for n in (6, 5, 4)]
        _, first = run(
            f"[1] {len(history)} days of data: train, approve, first deployment", history
        )
        rows = data.feature_rows(DAY, 1)
        body = "".join(",".join(str(v) for v in row) + "\n" for row in rows).encode()
        client = TrafficClient(
            cloud.clock,
            cloud.sagemaker,
            cloud.client("sagemaker-runtime", model.region),
            model.endpoint_name,
            body,
            every=CLIENT_EVERY_SECONDS,
        ).start()
        write(f"    a client now calls the endpoint every {CLIENT_EVERY_SECONDS:g} s")

        marker_before = cloud.marker(model)
        faults.inject(cloud, model, "canary-5xx")
        _, rolled_back = run(
            "[2] a new day; the new model answers half its requests with 500 (canary-5xx)",
            [DAY - timedelta(days=3)],
        )
        rolled_back["marker_before"], rolled_back["marker_after"] = (
            marker_before,
            cloud.marker(model),
        )
        _, shifted = run("[3] another day; a healthy model", [DAY - timedelta(days=2)])
        client.stop()
        report = {
            "stack": "prod",
            "model": model.model,
            "runs": [summary.report() for summary in summaries],
            "first_deployment": first,
            "canary_rolled_back": rolled_back,
            "canary_shifted": shifted,
            "client": _client_report(client),
            "faults_pending": faults.pending_total(cloud),
            "wall_seconds": round(time.perf_counter() - started, 2),
        }
    _print(summaries, report, write)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "demo-rollout-report.json"
    path.write_text(json.dumps(report, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write(f"\nReport: {path}   ({report['wall_seconds']} s of wall time)")
    return report


def _rollout(
    cloud: LocalCloud, model: ModelStack, client: TrafficClient | None, since: float
) -> dict[str, Any]:
    """What the endpoint did since `since`: its deployment stages and the client's answers."""
    stages = []
    for change in cloud.sagemaker.state_changes:
        if change.at < since or change.detail.get("EndpointName") != model.endpoint_name:
            continue
        if change.detail_type != "SageMaker Endpoint Deployment State Change":
            continue
        variants = change.detail.get("PendingDeploymentSummary", {}).get("ProductionVariants")
        status = variants[0]["VariantStatus"][0]["StatusMessage"] if variants else None
        stages.append(
            {
                "at": datetime.fromtimestamp(change.at, tz=ZONE).strftime("%H:%M:%S"),
                "endpoint": change.detail["EndpointStatus"],
                "variant": status,
            }
        )
    endpoint = cloud.client("sagemaker", model.region).describe_endpoint(
        EndpointName=model.endpoint_name
    )
    cloudwatch = cloud.client("cloudwatch", model.region)
    alarm_names = list(names.rollback_alarm_names(model.stack, model.model))
    alarms = cloudwatch.describe_alarms(AlarmNames=alarm_names)["MetricAlarms"]
    fired = [
        name
        for name in alarm_names
        for item in cloudwatch.describe_alarm_history(
            AlarmName=name,
            HistoryItemType="StateUpdate",
            StartDate=datetime.fromtimestamp(since, tz=ZONE),
        )["AlarmHistoryItems"]
        if json.loads(item["HistoryData"])["newState"]["stateValue"] == "ALARM"
    ]
    answers = client.answers if client is not None else []
    during = [a for a in answers if a.at >= since]
    return {
        "stages": stages,
        "serving_config": endpoint["EndpointConfigName"],
        "failure_reason": endpoint.get("FailureReason"),
        "alarms": {a["AlarmName"]: a["StateValue"] for a in alarms},
        "alarms_fired": fired,
        "client_answers": len(during),
        "client_failed_by_config": _count(a.config_name for a in during if not a.ok),
        "client_answered_by_config": _count(a.config_name for a in during if a.ok),
    }


def rollout_story_held(report: dict[str, Any]) -> bool:
    """The demo showed what it says: the erroring canary rolled back by its alarm with the old
    model serving and the marker intact, the healthy one fully shifted, and the client's
    only failures the canary's injected ones."""
    first, bad, good = (
        report["first_deployment"],
        report["canary_rolled_back"],
        report["canary_shifted"],
    )
    errors_alarm = names.rollback_alarm_names("prod", report["model"])[0]
    return (
        first["status"] == "SUCCEEDED"
        and bad["status"] == "FAILED"
        and bad["serving_config"] == first["serving_config"]
        and bad["alarms_fired"] == [errors_alarm]
        and not good["alarms_fired"]
        and bad["alarms_named"] == [errors_alarm]  # DeploymentFailed names the alarm
        and bad["marker_before"] == bad["marker_after"]
        and good["status"] == "SUCCEEDED"
        and good["serving_config"] not in (first["serving_config"], None)
        and set(report["client"]["failed_by_config"]) <= set(bad["client_failed_by_config"])
        and not good["client_failed_by_config"]
    )


def _count(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[str(value)] = counts.get(str(value), 0) + 1
    return counts


def _client_report(client: TrafficClient) -> dict[str, Any]:
    return {
        "requests": len(client.answers),
        "failed": len(client.failed()),
        "failed_by_config": _count(a.config_name for a in client.failed()),
    }


def _print(summaries: list[RunSummary], report: dict[str, Any], write: Any) -> None:
    write("\nRuns")
    for s in summaries:
        write(f"  {s.name[:8]:<10} {s.status:<10} {s.states[-1]:<22} {s.transitions:>4} trans.")
        if s.error:
            write(f"             {' '.join(s.error.split())[:160]}")
    for key, title in (
        ("canary_rolled_back", "Canary with 5XX answers"),
        ("canary_shifted", "Healthy canary"),
    ):
        story = report[key]
        write(f"\n{title}: the run {story['status']}; serving {story['serving_config']}")
        write(f"  alarms: now {story['alarms']}; went to ALARM: {story['alarms_fired'] or 'none'}")
        if story["status"] != "SUCCEEDED" and story["last_slack"]:
            write(f"  Slack: {' '.join(story['last_slack'].split())[:400]}")
        for stage in story["stages"]:
            write(f"  {stage['at']}  {stage['endpoint']:<13} {stage['variant'] or ''}")
        write(
            f"  the client: {story['client_answers']} requests, answered by "
            f"{story['client_answered_by_config']}, failed by {story['client_failed_by_config']}"
        )
    client = report["client"]
    write(
        f"\nThe client's {client['requests']} requests: {client['failed']} failed, all by "
        f"{client['failed_by_config'] or 'none'} (the canary's injected 500s)"
    )
    write("\nSlack")
    for s in summaries:
        for text in s.slack:
            line = " ".join(text.split())
            write(f"  {s.name[:8]:<10} {line if len(line) <= 110 else line[:109] + '…'}")
