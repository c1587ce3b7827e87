"""Whether a probe's runs ended cleanly, judged from what an operator can see through the AWS
APIs (Step Functions, SageMaker, S3, SSM) and Slack — never from the functions' internals.

A probe ended cleanly when, for every model it touched:
- every execution it caused is terminal: SUCCEEDED or FAILED (ABORTED only when the probe
  aborted it; never TIMED_OUT), and a failed one ends with a named error, never a
  `States.*` one such as `States.Runtime`;
- Slack got a message naming each failed run and its error;
- no training job is left InProgress or Stopping (billed), and no two trained at once;
- the run lock is not held once every run has ended;
- the marker never names a date newer than the data the serving model covers;
- the endpoint is InService, unless the probe says why it cannot be.

`gather` reads that evidence; `judge` is a pure function of it (so hand-built records test it).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from botocore.exceptions import ClientError

from contract.document import KEY_STATUS, STATUS_STAGE, STATUS_STATUS
from functions.serving_endpoint import NEWEST_DATE_TAG
from infra.naming import ModelNames
from localcloud.probes.lab import ProbeStack, training_jobs
from localcloud.runtime import ModelStack, Run

TERMINAL_OK = ("SUCCEEDED", "FAILED")
BILLED = ("InProgress", "Stopping")
INTERPRETER_ERRORS = "States."  # States.Runtime, States.Timeout...: no function named it


@dataclass
class RunRecord:
    name: str
    status: str
    error: str | None = None  # DescribeExecution's error (the Fail state's)
    caught_error: str | None = None  # the `$.error.Error` the Fail state received
    slack: list[str] = field(default_factory=list)  # messages naming this run
    # A run failed by SageMaker's final status (no exception): "<stage> <status>", e.g.
    # "deployment UpdateRollbackFailed"; what Slack's stage message names.
    final_status: str | None = None
    aborted_by_probe: bool = False


@dataclass
class TrainingRecord:
    name: str
    status: str
    start: datetime
    end: datetime | None  # None: not ended


@dataclass
class Evidence:
    model: str
    runs: list[RunRecord]
    training: list[TrainingRecord]  # the jobs created during the probe
    lock_holder: str | None
    marker: str | None
    serving_covers: str | None  # the serving EndpointConfig's newestDate tag
    endpoint_status: str | None  # None: no endpoint
    endpoint_excuse: str | None = None  # why the probe accepts an endpoint not InService


@dataclass
class Verdict:
    reasons: list[str]

    @property
    def clean(self) -> bool:
        return not self.reasons


def judge(evidence: list[Evidence]) -> Verdict:
    reasons: list[str] = []
    for model in evidence:
        reasons.extend(f"{model.model}: {reason}" for reason in _unclean(model))
    return Verdict(reasons)


def _unclean(evidence: Evidence) -> list[str]:
    reasons = []
    for run in evidence.runs:
        reasons.extend(_run_unclean(run))
    for job in evidence.training:
        if job.status in BILLED:
            reasons.append(f"training job {job.name} left {job.status} (billed)")
    ordered = sorted(evidence.training, key=lambda job: job.start)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.end is None or later.start < earlier.end:
            reasons.append(f"two training jobs at once: {earlier.name} and {later.name}")
    if evidence.lock_holder is not None:
        reasons.append(f"run lock still held by {evidence.lock_holder} after every run ended")
    if evidence.marker is not None:
        if evidence.serving_covers is None:
            reasons.append(
                f"marker {evidence.marker} but the serving model's coverage is unknown "
                f"(no {NEWEST_DATE_TAG} tag on the serving EndpointConfig)"
            )
        elif evidence.marker > evidence.serving_covers:
            reasons.append(
                f"marker {evidence.marker} is newer than the data the serving model covers "
                f"({evidence.serving_covers})"
            )
    if evidence.endpoint_status != "InService" and evidence.endpoint_excuse is None:
        reasons.append(f"endpoint {evidence.endpoint_status or 'missing'}, not InService")
    return reasons


def _run_unclean(run: RunRecord) -> list[str]:
    if run.status == "ABORTED" and run.aborted_by_probe:
        return []
    if run.status not in TERMINAL_OK:
        return [f"run {run.name} ended {run.status}"]
    if run.status == "SUCCEEDED":
        return []
    reasons = []
    named = [e for e in (run.error, run.caught_error) if e]
    if not run.error or any(e.startswith(INTERPRETER_ERRORS) for e in named):
        reasons.append(f"run {run.name} failed with an unnamed error: {' / '.join(named) or '-'}")
    # "TrainingFailed" is named by "training Failed" too: compared without case and spaces.
    told = _squeezed("\n".join(run.slack))
    if not run.slack:
        reasons.append(f"run {run.name} failed and Slack heard nothing of it")
    elif not any(_squeezed(e) in told for e in [*named, run.final_status] if e):
        reasons.append(f"run {run.name} failed ({run.error}) and no Slack message names the error")
    return reasons


def _squeezed(text: str) -> str:
    return "".join(text.split()).lower()


# --- reading the evidence ----------------------------------------------------------------------
def gather(
    stack: ProbeStack,
    model: ModelStack,
    since: datetime,
    *,
    aborted: set[str] = frozenset(),  # type: ignore[assignment]
    endpoint_excuse: str | None = None,
    slack_from: int = 0,
) -> Evidence:
    cloud = stack.cloud
    sfn = cloud.client("stepfunctions", model.region)
    messages = cloud.slack.messages[slack_from:]
    runs = []
    for page in sfn.get_paginator("list_executions").paginate(
        stateMachineArn=model.state_machine_arn
    ):
        for execution in page["executions"]:
            if execution["startDate"] < since:
                continue
            run = Run(execution["executionArn"], execution["name"], model)
            runs.append(_record(stack, run, messages, aborted))
    jobs = [
        TrainingRecord(
            job["TrainingJobName"],
            job["TrainingJobStatus"],
            job["CreationTime"],
            job.get("TrainingEndTime")
            or (None if job["TrainingJobStatus"] in BILLED else job["LastModifiedTime"]),
        )
        for job in training_jobs(cloud, model, since)
    ]
    status, covers = _serving(stack, model)
    return Evidence(
        model.model,
        runs,
        jobs,
        _lock_holder(stack, model),
        cloud.marker(model),
        covers,
        status,
        endpoint_excuse,
    )


def _record(stack: ProbeStack, run: Run, messages: list[Any], aborted: set[str]) -> RunRecord:
    described = stack.cloud.describe(run)
    record = RunRecord(
        run.name,
        str(described["status"]),
        aborted_by_probe=run.execution_arn in aborted or run.name in aborted,
    )
    record.slack = [
        f"{m.text or ''} {json.dumps(m.blocks or [])}"
        for m in messages
        if run.name in (m.text or "") or run.name in json.dumps(m.blocks or [])
    ]
    if record.status != "FAILED":
        return record
    for event in stack.cloud.history(run):
        if event["type"] == "FailStateEntered":
            document = json.loads(event["stateEnteredEventDetails"].get("input") or "null")
            error = document.get("error") if isinstance(document, dict) else None
            if isinstance(error, dict) and error.get("Error"):
                record.caught_error = str(error["Error"])
            watched = document.get(KEY_STATUS) if isinstance(document, dict) else None
            if isinstance(watched, dict) and watched.get(STATUS_STAGE):
                record.final_status = f"{watched[STATUS_STAGE]} {watched.get(STATUS_STATUS)}"
        failed = event.get("executionFailedEventDetails")
        if failed:
            record.error = failed.get("error") or None
    return record


def _serving(stack: ProbeStack, model: ModelStack) -> tuple[str | None, str | None]:
    sagemaker = stack.cloud.client("sagemaker", model.region)
    try:
        endpoint = sagemaker.describe_endpoint(EndpointName=model.endpoint_name)
    except ClientError:
        return None, None
    config = endpoint.get("EndpointConfigName")
    if not config:
        return str(endpoint["EndpointStatus"]), None
    arn = sagemaker.describe_endpoint_config(EndpointConfigName=config)["EndpointConfigArn"]
    tags = {t["Key"]: t["Value"] for t in sagemaker.list_tags(ResourceArn=arn)["Tags"]}
    return str(endpoint["EndpointStatus"]), tags.get(NEWEST_DATE_TAG)


def _lock_holder(stack: ProbeStack, model: ModelStack) -> str | None:
    s3 = stack.cloud.client("s3", model.region)
    key = ModelNames(model.stack, model.model).run_lock_key
    try:
        body = s3.get_object(Bucket=model.bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    try:
        owner = json.loads(body)
    except json.JSONDecodeError:
        return f"an unreadable lock object ({len(body)} bytes)"
    holder = owner.get("owner") if isinstance(owner, dict) else None
    if isinstance(holder, dict) and holder.get("name"):
        return str(holder["name"])
    return str(owner)
