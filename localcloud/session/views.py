"""What `python -m localcloud session` prints: runs, one run, the endpoint, the schedules.

Each view reads the embedded AWS through the same APIs a person would use against AWS
(DescribeExecution, GetExecutionHistory, DescribeEndpoint, GetSchedule) and the run
summaries of `localcloud.watch`; nothing here keeps state of its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from contract import names, registry
from contract.document import (
    DATA_DRIFT,
    DRIFT_SUMMARY,
    INPUT_TRIGGER,
    KEY_DATA,
    KEY_EVALUATION,
    TRIGGER_MANUAL,
)
from functions.lineage import LineageBroken, lineage, render
from functions.model_registry import package_summary
from localcloud import faults
from localcloud.eventbridge.schedule_times import next_fire_time
from localcloud.runtime import LocalCloud, ModelStack, Run
from localcloud.session.args import format_duration
from localcloud.slack.api import Message
from localcloud.watch import ProgressView, summarize

Write = Callable[[str], None]


MANUAL_PREFIX = "manual-"  # how LocalCloud.start_run names runs


def short_name(name: str) -> str:
    """How a run is labelled: its name without the `manual-` prefix, 8 characters."""
    return name.removeprefix(MANUAL_PREFIX)[:8]


def names_match(name: str, token: str) -> bool:
    """Whether `token` (what a person typed) designates the run called `name`."""
    return name.startswith(token) or name.removeprefix(MANUAL_PREFIX).startswith(token)


def trigger_of(cloud: LocalCloud, run: Run) -> str:
    started = json.loads(cloud.describe(run).get("input") or "{}")
    trigger = started.get(INPUT_TRIGGER) if isinstance(started, dict) else None
    return str(trigger or TRIGGER_MANUAL)


def label(cloud: LocalCloud, run: Run) -> str:
    return f"{trigger_of(cloud, run)}:{short_name(run.name)}"


def local(moment: datetime | str | None, zone: ZoneInfo) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment) if moment else None
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M:%S") if moment else "-"


# --- schedules ------------------------------------------------------------------------------
def schedules(cloud: LocalCloud, model: ModelStack) -> list[dict[str, Any]]:
    """The deployed EventBridge schedules that start the model's state machine."""
    client = cloud.client("scheduler", model.region)
    found = []
    for page in client.get_paginator("list_schedules").paginate():
        for entry in page["Schedules"]:
            if entry.get("Target", {}).get("Arn") == model.state_machine_arn:
                found.append(client.get_schedule(Name=entry["Name"], GroupName=entry["GroupName"]))
    return sorted(found, key=lambda s: (s["GroupName"], s["Name"]))


def time_zone(cloud: LocalCloud, model: ModelStack) -> str:
    """The zone the model's recurring schedule runs in (UTC when it has none)."""
    for schedule in schedules(cloud, model):
        if not schedule["ScheduleExpression"].startswith("at("):
            return str(schedule.get("ScheduleExpressionTimezone") or "UTC")
    return "UTC"


def time_lines(cloud: LocalCloud, model: ModelStack, zone: ZoneInfo) -> list[str]:
    now = cloud.clock.utcnow()
    lines = [f"virtual time: {local(now, zone)} {zone.key}  ({now:%Y-%m-%dT%H:%M:%SZ})"]
    for schedule in schedules(cloud, model):
        expression = schedule["ScheduleExpression"]
        tz = str(schedule.get("ScheduleExpressionTimezone") or "UTC")
        due = None
        if schedule["State"] == "ENABLED":
            due = next_fire_time(expression, tz, now, created=schedule["CreationDate"])
        when = "nothing due"
        if due is not None:
            left = format_duration((due - now).total_seconds())
            when = f"next at {local(due, zone)} (in {left})"
        lines.append(f"  schedule {schedule['Name']}: {expression} {tz} — {when}")
    return lines


# --- runs -----------------------------------------------------------------------------------
def runs_lines(cloud: LocalCloud, runs: list[Run], zone: ZoneInfo) -> list[str]:
    if not runs:
        return ["no runs yet (`run`, `schedule` or `generate` + `advance`)"]
    header = f"  {'#':>3}  {'run':<36} {'trigger':<9} {'status':<10} {'last state':<22} "
    lines = [header + f"{'trans.':>6}  started"]
    for number, run in enumerate(runs, start=1):
        s = summarize(cloud, run)
        last = s.states[-1] if s.states else "-"
        lines.append(
            f"  {number:>3}  {s.name:<36} {s.trigger:<9} {s.status:<10} {last:<22} "
            f"{s.transitions:>6}  {local(s.started, zone)}"
        )
    return lines


def show_lines(cloud: LocalCloud, run: Run, zone: ZoneInfo) -> list[str]:
    """The states entered, in order and with their virtual times; then what the run did."""
    lines: list[str] = []
    view = ProgressView(cloud, zone.key, lines.append)
    view.follow(run, label(cloud, run))
    view.poll()
    s = summarize(cloud, run)
    described = cloud.describe(run)
    data = s.output.get(KEY_DATA) or {}
    lines += [
        f"run {s.name}: {s.status} (trigger {s.trigger})",
        f"  started {local(s.started, zone)}, stopped {local(s.stopped, zone)}",
        f"  {s.transitions} transitions, {s.history_events} history events, "
        f"{s.lambda_invocations} Lambda invocations",
    ]
    if data:
        lines.append(
            f"  data: decision {data.get('decision')}, {data.get('newFileCount', 0)} new of "
            f"{data.get('fileCount', 0)} files, newest {data.get('newestDate') or '-'}, "
            f"window {data.get('windowStart')} … {data.get('windowEnd')}"
        )
        for ignored in data.get("ignored") or []:
            lines.append(f"  ignored: {ignored}")
        drift = data.get(DATA_DRIFT)
        if isinstance(drift, dict):
            lines.append(f"  drift: {drift.get(DRIFT_SUMMARY)}")
    if s.training_job:
        metrics = ", ".join(f"{k} {v:.4g}" for k, v in sorted(s.metrics.items()))
        lines.append(f"  training job {s.training_job}: {metrics or 'no metrics'}")
    lines += evaluation_lines(final_document(cloud, run))
    if s.endpoint_config:
        lines.append(f"  endpoint config {s.endpoint_config}")
    lines.append(f"  marker {s.marker_before or '-'} -> {s.marker_after or '-'}")
    if s.error:
        lines.append(f"  error {s.error}: {described.get('cause') or ''}".rstrip())
    for text in s.slack:
        lines.append(f"  slack: {text}")
    return lines


def final_document(cloud: LocalCloud, run: Run) -> dict[str, Any]:
    """The run's output; for a failed run, what its last state (a Fail state) received."""
    output = json.loads(cloud.describe(run).get("output") or "{}")
    if output:
        return dict(output)
    for event in reversed(cloud.history(run)):
        entered = event.get("stateEnteredEventDetails")
        if entered:
            return dict(json.loads(entered.get("input") or "{}"))
    return {}


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, int | float) and not isinstance(value, bool) else "-"


def evaluation_lines(document: dict[str, Any]) -> list[str]:
    """The quality gate's evaluation ($.evaluation): scores, bound, decision and why."""
    evaluation = document.get(KEY_EVALUATION)
    if not isinstance(evaluation, dict):
        return []
    bounds = evaluation.get("bounds") or {}
    holdout = evaluation.get("holdout") or {}
    drift = evaluation.get("drift") or {}
    return [
        f"  evaluation ({evaluation.get('metric')}): challenger "
        f"{_number(evaluation.get('challenger'))}, champion {_number(evaluation.get('champion'))}"
        f", bound max score {_number(bounds.get('maxScore'))}, champion limit "
        f"{_number(bounds.get('championLimit'))} (+{_number(bounds.get('maxRegressionPercent'))}%)",
        f"  decision {evaluation.get('decision')}"
        + (" (overridden)" if evaluation.get("overridden") else "")
        + f": {evaluation.get('reason')}",
        f"  holdout {holdout.get('start')} … {holdout.get('end')}: {holdout.get('fileCount')} "
        f"files, {holdout.get('rows')} rows; drift action {drift.get('action', '-')}"
        + (" (rejects)" if drift.get("rejects") else ""),
    ]


# --- endpoint, Slack ----------------------------------------------------------------------------
def endpoint_lines(cloud: LocalCloud, model: ModelStack, zone: ZoneInfo) -> list[str]:
    client = cloud.client("sagemaker", model.region)
    try:
        endpoint = client.describe_endpoint(EndpointName=model.endpoint_name)
    except client.exceptions.ClientError as error:
        if "Could not find" not in str(error):
            raise
        return [f"endpoint {model.endpoint_name} does not exist yet (a run that trains creates it)"]
    lines = [
        f"endpoint {endpoint['EndpointName']}: {endpoint['EndpointStatus']}",
        f"  config {endpoint.get('EndpointConfigName')}, created "
        f"{local(endpoint.get('CreationTime'), zone)}, modified "
        f"{local(endpoint.get('LastModifiedTime'), zone)}",
    ]
    if endpoint.get("FailureReason"):
        lines.append(f"  failure reason: {endpoint['FailureReason']}")
    config = client.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    for variant in config["ProductionVariants"]:
        lines.append(
            f"  variant {variant['VariantName']}: model {variant['ModelName']}, "
            f"{variant.get('InitialInstanceCount')} x {variant.get('InstanceType')}"
        )
    answered = [i for i in cloud.sagemaker.invocations if i.endpoint_name == model.endpoint_name]
    if answered:
        last = answered[-1]
        by = last.endpoint_config_name or "nobody"
        lines.append(f"  {len(answered)} invocations; the last was answered by {by}")
    return lines


def slack_lines(messages: list[Message]) -> list[str]:
    if not messages:
        return ["the local Slack API has received no messages"]
    return [f"  {m.ts}  {m.channel:<20} {m.text or ''}" for m in messages]


# --- registry, lineage --------------------------------------------------------------------
def registry_versions(cloud: LocalCloud, model: ModelStack, name: str) -> list[dict[str, Any]]:
    """Every version of model `name`'s Model Package Group, oldest first, described
    (DescribeModelPackage: ListModelPackages' summaries carry no metadata)."""
    client = cloud.client("sagemaker", model.region)
    group = names.model_package_group_name(model.stack, name)
    described = []
    pages = client.get_paginator("list_model_packages").paginate(ModelPackageGroupName=group)
    for page in pages:
        for entry in page["ModelPackageSummaryList"]:
            arn = entry["ModelPackageArn"]
            described.append(dict(client.describe_model_package(ModelPackageName=arn)))
    return sorted(described, key=lambda d: int(d["ModelPackageVersion"]))


def serving_package(cloud: LocalCloud, model: ModelStack, name: str) -> str | None:
    """The package ARN the model's endpoint serves (None: no endpoint, or a Model not
    created from a package)."""
    client = cloud.client("sagemaker", model.region)
    try:
        endpoint = client.describe_endpoint(EndpointName=names.scope(model.stack, name))
        config = client.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
        served = client.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    except client.exceptions.ClientError:
        return None
    container = served.get("PrimaryContainer") or {}
    return container.get("ModelPackageName")


def models_lines(cloud: LocalCloud, model: ModelStack, name: str, zone: ZoneInfo) -> list[str]:
    """The registry of model `name`: each version's status, who decided, scores, window."""
    group = names.model_package_group_name(model.stack, name)
    versions = registry_versions(cloud, model, name)
    if not versions:
        return [f"registry {group} holds no version yet (a run that trains registers one)"]
    serving = serving_package(cloud, model, name)
    lines = [
        f"registry {group}: {len(versions)} version(s)",
        f"  {'ver':>3}  {'status':<21} {'created':<23} {'window':<24} {'files':>5}  "
        f"{'challenger':>10} {'champion':>9}  gate / decided by",
    ]
    for described in versions:
        package = package_summary(described)
        metadata = described.get("CustomerMetadataProperties") or {}
        window = f"{package['windowStart'] or '-'} … {package['windowEnd'] or '-'}"
        mark = " *" if described["ModelPackageArn"] == serving else ""
        decided = package["decidedBy"] or "-"
        lines.append(
            f"  {package['version']:>3}  {package['approvalStatus']:<21} "
            f"{local(described.get('CreationTime'), zone):<23} {window:<24} "
            f"{package['fileCount'] if package['fileCount'] is not None else '-':>5}  "
            f"{_number(package['challengerScore']):>10} {_number(package['championScore']):>9}  "
            f"{metadata.get(registry.META_GATE_DECISION, '-')} / {decided.rsplit('/', 1)[-1]}{mark}"
        )
        if package["approvalDescription"]:
            lines.append(f"       note: {package['approvalDescription']}")
    metric = package_summary(versions[-1])["metric"] or "-"
    lines.append(f"  (scores: {metric}; * serves {names.scope(model.stack, name)})")
    return lines


def lineage_lines(cloud: LocalCloud, model: ModelStack) -> list[str]:
    """functions.lineage's chain of what the endpoint serves, as its CLI prints it."""
    try:
        chain = lineage(
            cloud.client("sagemaker", model.region),
            cloud.client("s3", model.region),
            model.endpoint_name,
        )
    except LineageBroken as broken:
        found = render(broken.chain).splitlines()
        return [*found, f"lineage stops here: {broken}"]
    return render(chain).splitlines()


# --- faults ---------------------------------------------------------------------------------
def fault_lines(cloud: LocalCloud, model: ModelStack) -> list[str]:
    """The fault catalogue: name, service, pending count (for `model`), what it does."""
    pending = faults.pending(cloud, model)
    width = max(len(name) for name in faults.CATALOGUE)
    lines = [f"  {'fault':<{width}}  {'service':<11}  pending  what AWS/Slack does"]
    for name, fault in faults.CATALOGUE.items():
        lines.append(
            f"  {name:<{width}}  {fault.service:<11}  {pending[name]:>7}  {fault.description}"
        )
    lines.append(
        "  (`fault NAME [MODEL] [--times N | --lasting]` injects one, `fault clear` drops them)"
    )
    return lines
