"""The stack the probes run on: dev deployed once with three probe models, on a virtual clock.

- `probes`: the lab (upload trigger off: every run is one a probe starts), trained on a few
  days of history before the first probe;
- `probes-new`: never trained, for what only a first deployment meets (CreateEndpoint);
- `probes-upload`: dev's upload trigger on, for uploads that land while a run trains.

Each probe gets a fresh local day (07:00, after the 06:00 schedules); afterwards its files
that no successful run trained on are deleted and every injected fault is cleared, so the
next probe starts from a model that serves, a marker before today and nothing armed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from localcloud import data, faults
from localcloud.runtime import LocalCloud, ModelStack, Run

STACK = "dev"
STACK_FILE = Path(__file__).resolve().parents[2] / f"Pulumi.{STACK}.yaml"
MODELS_KEY = "retraining:models"
ZONE_KEY = "retraining:scheduleTimeZone"
LAB_MODEL = "probes"
NEW_MODEL = "probes-new"
UPLOAD_MODEL = "probes-upload"
HISTORY_DAYS = 3
PROBE_HOUR = time(7, 0)  # after the 06:00 schedules
# Monday 2 March 2026, 05:00 local: before the first 06:00 schedule.
START = (2026, 3, 2, 5, 0)
TRAINING_SECONDS = 300.0  # a small Linear Learner job on ml.m5.large
ENDPOINT_SECONDS = 480.0


@dataclass
class ProbeStack:
    cloud: LocalCloud
    zone: ZoneInfo
    lab: ModelStack
    new: ModelStack
    triggered: ModelStack  # its upload trigger is on

    @property
    def models(self) -> tuple[ModelStack, ...]:
        return (self.lab, self.new, self.triggered)

    # --- time --------------------------------------------------------------------------------
    def local(self, day: date, at: time = PROBE_HOUR) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone)

    def now(self) -> datetime:
        return self.cloud.clock.utcnow()

    def today(self) -> date:
        return self.now().astimezone(self.zone).date()

    def next_day(self, at: time = PROBE_HOUR) -> date:
        """Move to the next local day at `at` (the 06:00 schedules fire on the way)."""
        day = self.today() + timedelta(days=1)
        self.cloud.advance_to(self.local(day, at))
        self.settle()
        return day

    def advance(self, seconds: float) -> None:
        self.cloud.advance_to(self.now() + timedelta(seconds=seconds))

    def running(self) -> list[Run]:
        return [
            Run(e["executionArn"], e["name"], model)
            for model in self.models
            for e in self.cloud.client("stepfunctions", model.region).list_executions(
                stateMachineArn=model.state_machine_arn, statusFilter="RUNNING"
            )["executions"]
        ]

    def settle(self) -> None:
        """Let every execution of the probe models end (follow-up runs included); a state
        machine's own timeout ends any run well within the bound."""
        self.flow_until(lambda: not self.running(), "every run ending", hours=72)

    # --- data --------------------------------------------------------------------------------
    def upload_day(self, model: ModelStack, day: date) -> str:
        return self.cloud.upload_csv(model, day.isoformat(), data.daily_rows(day))

    def upload(self, model: ModelStack, name: str, body: bytes) -> str:
        return self.cloud.upload_bytes(model, name, body)

    def body(self, model: ModelStack, key: str) -> bytes:
        s3 = self.cloud.client("s3", model.region)
        return bytes(s3.get_object(Bucket=model.bucket, Key=key)["Body"].read())

    def data_keys(self, model: ModelStack) -> list[str]:
        s3 = self.cloud.client("s3", model.region)
        return [
            o["Key"]
            for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=model.bucket, Prefix=model.data_prefix
            )
            for o in page.get("Contents", [])
        ]

    # --- runs --------------------------------------------------------------------------------
    def start(self, model: ModelStack, run_input: Any = None) -> Run:
        """Start an execution whose input is exactly `run_input` as JSON (any JSON value)."""
        name = f"probe-{uuid.uuid4().hex[:12]}"
        sfn = self.cloud.client("stepfunctions", model.region)
        arn = sfn.start_execution(
            stateMachineArn=model.state_machine_arn,
            name=name,
            input=json.dumps({} if run_input is None else run_input),
        )["executionArn"]
        return Run(arn, name, model)

    def start_raw(self, model: ModelStack, raw: str) -> Run:
        name = f"probe-{uuid.uuid4().hex[:12]}"
        sfn = self.cloud.client("stepfunctions", model.region)
        arn = sfn.start_execution(stateMachineArn=model.state_machine_arn, name=name, input=raw)[
            "executionArn"
        ]
        return Run(arn, name, model)

    def run(self, model: ModelStack, run_input: Any = None) -> dict[str, Any]:
        (described,) = self.cloud.wait(self.start(model, run_input))
        return described

    def training_status(self, model: ModelStack) -> str | None:
        """The status of the model's newest training job (None: it has none)."""
        jobs = training_jobs(self.cloud, model)
        return jobs[-1]["TrainingJobStatus"] if jobs else None

    def flow_until(self, done: Callable[[], bool], what: str, hours: float = 24) -> None:
        """Let time flow until `done()`; an error naming `what` after `hours` of virtual time
        (the daily schedules always have a next firing: an unbounded wait would never end)."""
        limit = self.now() + timedelta(hours=hours)
        self.cloud.clock.run_until(done, until=limit.timestamp())
        if not done():
            raise TimeoutError(f"{what} did not happen within {hours:g} h of virtual time")

    def advance_until_training(self, model: ModelStack, before: int) -> None:
        """Let time flow until the model has a training job beyond the first `before`."""
        self.flow_until(
            lambda: len(training_jobs(self.cloud, model)) > before,
            f"a new training job of {model.model}",
        )

    # --- isolation ----------------------------------------------------------------------------
    def tidy(self, restore: dict[str, tuple[ModelStack, bytes]] | None = None) -> None:
        """End every run, put back what a probe overwrote, delete what no successful run
        trained on, clear every fault left armed."""
        self.settle()
        for key, (model, body) in (restore or {}).items():
            self.cloud.upload_bytes(model, key.removeprefix(model.data_prefix), body)
        faults.clear(self.cloud)
        today = self.today()
        for model in self.models:
            marker = self.cloud.marker(model)
            s3 = self.cloud.client("s3", model.region)
            for key in self.data_keys(model):
                name = key.removeprefix(model.data_prefix)
                if _trained(name, marker):
                    continue
                s3.delete_object(Bucket=model.bucket, Key=key)
                # A day's file the probe spoiled (or a day a failed run left untrained) comes
                # back as the data feed delivers it: the window keeps its daily files, as in
                # production (a window of one file cannot hold a holdout and a training set).
                day = _day_of(name)
                if day is not None and day <= today and model is not self.triggered:
                    self.upload_day(model, day)


def training_jobs(
    cloud: LocalCloud, model: ModelStack, since: datetime | None = None
) -> list[dict[str, Any]]:
    """The model's training jobs created at or after `since` (DescribeTrainingJob of each,
    every job when None), oldest first."""
    from contract import names  # noqa: PLC0415 - kept next to its one use

    sagemaker = cloud.client("sagemaker", model.region)
    prefix = names.run_resource_prefix(model.stack, model.model)
    pages = sagemaker.get_paginator("list_training_jobs").paginate(NameContains=prefix)
    described = [
        sagemaker.describe_training_job(TrainingJobName=s["TrainingJobName"])
        for page in pages
        for s in page["TrainingJobSummaries"]
        if s["TrainingJobName"].startswith(prefix) and (since is None or s["CreationTime"] >= since)
    ]
    return sorted(described, key=lambda job: (job["CreationTime"], job["TrainingJobName"]))


def _day_of(name: str) -> date | None:
    """The day a daily file (`YYYY-MM-DD.csv`) holds; None for any other name."""
    day, _, extension = name.partition(".")
    try:
        return date.fromisoformat(day) if extension == "csv" and len(day) == 10 else None
    except ValueError:
        return None


def _trained(name: str, marker: str | None) -> bool:
    day, _, extension = name.partition(".")
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return extension == "csv" and marker is not None and day <= marker


def deploy(cloud: LocalCloud) -> ProbeStack:
    """Deploy dev with the probe models; train the lab and the upload model on history."""
    config = yaml.safe_load(STACK_FILE.read_text(encoding="utf-8"))["config"]
    models = [
        {"name": LAB_MODEL, "uploadTriggerEnabled": False},
        {"name": NEW_MODEL, "uploadTriggerEnabled": False},
        {"name": UPLOAD_MODEL, "uploadTriggerEnabled": True},
    ]
    deployed = {
        m.model: m for m in cloud.deploy(STACK, config_overrides={MODELS_KEY: json.dumps(models)})
    }
    stack = ProbeStack(
        cloud,
        ZoneInfo(config[ZONE_KEY]),
        deployed[LAB_MODEL],
        deployed[NEW_MODEL],
        deployed[UPLOAD_MODEL],
    )
    today = stack.today()
    for model in (stack.lab, stack.triggered):
        for offset in range(HISTORY_DAYS, 0, -1):
            stack.upload_day(model, today - timedelta(days=offset))
    stack.settle()  # the upload model's trigger starts its own first run
    first = stack.run(stack.lab)
    if first["status"] != "SUCCEEDED" or stack.cloud.marker(stack.lab) is None:
        raise RuntimeError(
            f"the probe lab's first run did not deploy a model: {first['status']} "
            f"{first.get('error')}: {first.get('cause')}"
        )
    if stack.cloud.marker(stack.triggered) is None:
        stack.run(stack.triggered)
    return stack


def new_cloud(zone: ZoneInfo | None = None) -> LocalCloud:
    config = yaml.safe_load(STACK_FILE.read_text(encoding="utf-8"))["config"]
    return LocalCloud(
        start=datetime(*START, tzinfo=zone or ZoneInfo(config[ZONE_KEY])),
        training_duration=lambda request: TRAINING_SECONDS,
        endpoint_transition_seconds=ENDPOINT_SECONDS,
    )


def csv(rows: Sequence[Sequence[float]]) -> bytes:
    return "".join(",".join(str(v) for v in row) + "\n" for row in rows).encode()
