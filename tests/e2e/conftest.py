"""One embedded cloud for the whole e2e package: the dev stack, deployed once, two models.

Deploying costs seconds and every model's functions cold-start on first use, so the suite
shares one `LocalCloud` (one virtual clock) and keeps the tests apart by construction:

- `linear-learner`, dev's own model exactly as `Pulumi.dev.yaml` declares it (daily 06:00
  schedule, upload trigger on), is used only by the three-run scenario, which needs a model
  that has never trained;
- `e2e-faults` (the same settings, upload trigger off so that every run is one a test starts)
  is the lab of every other test. Each test gets a day of its own (`day`): the clock moves
  to the next local day, the model's marker is before it, the endpoint serves the previous
  model. Afterwards the day is tidied: files no successful run trained on are deleted (a bad
  file or an untrained day would otherwise be trained by the next scheduled run), and a
  fault injected but never consumed fails the test's teardown.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from contract import names
from localcloud import data, faults
from localcloud.runtime import LocalCloud, ModelStack, Run
from tests.e2e.runs import Finished, finished, wait

STACK = "dev"
STACK_FILE = Path(__file__).resolve().parents[2] / f"Pulumi.{STACK}.yaml"
MODELS_KEY = "retraining:models"
ZONE_KEY = "retraining:scheduleTimeZone"
LAB_MODEL = "e2e-faults"
# Monday 2 March 2026, local time, before the 06:00 schedule (as the demo starts).
SESSION_START = (2026, 3, 2, 5, 0)
# The lab's first run trains on these days before the first test's day.
BASELINE_DAYS = 3
LAB_WINDOW_DAYS = 365


@dataclass
class Stack:
    cloud: LocalCloud
    scenario: ModelStack
    lab: ModelStack
    zone: ZoneInfo


def training_seconds(request: dict[str, Any]) -> float:
    """Five virtual minutes, as a small Linear Learner job on ml.m5.large takes."""
    return 300.0


@pytest.fixture(scope="package")
def stack() -> Iterator[Stack]:
    config = yaml.safe_load(STACK_FILE.read_text(encoding="utf-8"))["config"]
    (scenario,) = config[MODELS_KEY]  # dev's own model, exactly as declared
    # The lab's window spans the whole session: tests skip days without data, and a 14-day
    # window would end up with one weekend day to train on, a model the quality gate rightly
    # rejects (the weekend column is constant in it), which is not what those tests are about.
    models = [
        scenario,
        {"name": LAB_MODEL, "uploadTriggerEnabled": False, "trainingWindowDays": LAB_WINDOW_DAYS},
    ]
    zone = ZoneInfo(config[ZONE_KEY])
    with LocalCloud(
        start=datetime(*SESSION_START, tzinfo=zone),
        training_duration=training_seconds,
        endpoint_transition_seconds=480.0,
    ) as cloud:
        deployed = {
            m.model: m
            for m in cloud.deploy(STACK, config_overrides={MODELS_KEY: json.dumps(models)})
        }
        yield Stack(cloud, deployed[scenario["name"]], deployed[LAB_MODEL], zone)


class Lab:
    """One model of the shared stack and what tests do with it."""

    def __init__(self, stack: Stack, model: ModelStack) -> None:
        self.cloud = stack.cloud
        self.model = model
        self.zone = stack.zone
        self.all_models = (stack.scenario, stack.lab)

    # --- time --------------------------------------------------------------------------------
    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.zone)

    def today(self) -> date:
        return self.cloud.clock.utcnow().astimezone(self.zone).date()

    def next_day(self, at: time = time(7, 0)) -> date:
        """Move to the next local day at `at`; the 06:00 schedules fire on the way."""
        day = self.today() + timedelta(days=1)
        self.cloud.advance_to(self.local(day, at))
        self.settle()
        return day

    def settle(self) -> None:
        """Let every execution of the stack's models end."""
        running = [
            Run(e["executionArn"], e["name"], model)
            for model in self.all_models
            for e in self.cloud.client("stepfunctions", model.region).list_executions(
                stateMachineArn=model.state_machine_arn, statusFilter="RUNNING"
            )["executions"]
        ]
        if running:
            self.cloud.wait(*running)

    # --- data --------------------------------------------------------------------------------
    def upload_day(self, day: date) -> str:
        return self.cloud.upload_csv(self.model, day.isoformat(), data.daily_rows(day))

    def upload(self, name: str, body: bytes) -> str:
        return self.cloud.upload_bytes(self.model, name, body)

    def objects(self) -> dict[str, str]:
        """Every object under the data prefix, with its ETag (the MD5 of its bytes)."""
        s3 = self.cloud.client("s3", self.model.region)
        return {
            o["Key"]: o["ETag"]
            for page in s3.get_paginator("list_objects_v2").paginate(
                Bucket=self.model.bucket, Prefix=self.model.data_prefix
            )
            for o in page.get("Contents", [])
        }

    def manifest_prefix(self) -> str:
        """Where CheckData writes manifests: its deployed environment says."""
        return faults.manifest_prefix(self.cloud, self.model)

    def manifests(self) -> list[str]:
        s3 = self.cloud.client("s3", self.model.region)
        listing = s3.list_objects_v2(Bucket=self.model.bucket, Prefix=self.manifest_prefix())
        return sorted(o["Key"] for o in listing.get("Contents", []))

    def marker(self) -> str | None:
        return self.cloud.marker(self.model)

    # --- runs --------------------------------------------------------------------------------
    def start(self, run_input: dict[str, Any] | None = None) -> Run:
        return self.cloud.start_run(self.model, run_input or {})

    def run(self, run_input: dict[str, Any] | None = None) -> Finished:
        (result,) = wait(self.cloud, self.start(run_input))
        return result

    def finished(self, run: Run) -> Finished:
        return finished(self.cloud, run)

    # --- SageMaker -----------------------------------------------------------------------------
    def training_jobs(self) -> list[str]:
        sagemaker = self.cloud.client("sagemaker", self.model.region)
        prefix = names.run_resource_prefix(self.model.stack, self.model.model)
        pages = sagemaker.get_paginator("list_training_jobs").paginate(NameContains=prefix)
        return sorted(
            j["TrainingJobName"]
            for page in pages
            for j in page["TrainingJobSummaries"]
            if j["TrainingJobName"].startswith(prefix)
        )

    def endpoint(self) -> dict[str, Any]:
        sagemaker = self.cloud.client("sagemaker", self.model.region)
        return dict(sagemaker.describe_endpoint(EndpointName=self.model.endpoint_name))

    def predict(self, rows: Sequence[Sequence[float]]) -> tuple[list[float], str | None]:
        """Scores, and the endpoint configuration whose model answered."""
        before = len(self.cloud.sagemaker.invocations)
        scores = self.cloud.predict(self.model, rows)
        answered = self.cloud.sagemaker.invocations[before:]
        return scores, answered[-1].endpoint_config_name if answered else None

    # --- isolation ----------------------------------------------------------------------------
    def tidy(self) -> None:
        """Delete what no successful run trained on, so the next day starts clean."""
        self.settle()
        marker = self.marker()
        s3 = self.cloud.client("s3", self.model.region)
        for key in self.objects():
            if not _trained(key[len(self.model.data_prefix) :], marker):
                s3.delete_object(Bucket=self.model.bucket, Key=key)

    def inject(self, fault: str, times: int | None = 0) -> None:
        """A fault from localcloud's catalogue (`times` 0: its default), for this model."""
        faults.inject(self.cloud, self.model, fault, times)

    def leftover_faults(self) -> int:
        return faults.clear(self.cloud)


def _trained(name: str, marker: str | None) -> bool:
    """Whether `name` is a day's file at or before the marker (a successful run had it)."""
    day, _, extension = name.partition(".")
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return extension == "csv" and marker is not None and day <= marker


@pytest.fixture(scope="package")
def lab(stack: Stack) -> Lab:
    """The lab model after its first successful run: trained, serving, marker set."""
    lab = Lab(stack, stack.lab)
    today = lab.today()
    for offset in range(BASELINE_DAYS, 0, -1):
        lab.upload_day(today - timedelta(days=offset))
    first = lab.run()
    assert first.status == "SUCCEEDED", first.states
    assert lab.marker() == (today - timedelta(days=1)).isoformat()
    return lab


@contextlib.contextmanager
def own_day(lab: Lab) -> Iterator[date]:
    """A fresh local day for the lab model (07:00, after its 06:00 scheduled run), tidied
    afterwards; a fault injected but never consumed fails it."""
    today = lab.next_day()
    marker = lab.marker()
    assert marker is not None and marker < today.isoformat(), marker
    yield today
    lab.tidy()
    left = lab.leftover_faults()
    assert left == 0, f"{left} injected fault(s) were never consumed: the scenario did not happen"


@pytest.fixture
def day(lab: Lab) -> Iterator[date]:
    with own_day(lab) as today:
        yield today
