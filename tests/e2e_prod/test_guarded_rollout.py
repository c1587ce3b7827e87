"""Guarded rollouts on the PROD stack, end to end on the embedded runtime (issue 16).

Prod approves by hand: every run's package is approved with boto3's UpdateModelPackage as
soon as it waits (what an operator does), and the approval event resumes the run. During
each update a traffic client calls the endpoint every 5 virtual seconds: outside the
injected errors of the new model, every request gets an answer.

Two lab models of the package's one prod cloud (tests/e2e_prod/conftest.py): `canary-lab`
(prod's canary: 50 % of two instances, 10 minutes of baking, the 5XX and latency alarms)
and `linear-lab` (linear steps of 50 %).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from contract import names
from localcloud import data, faults
from localcloud.runtime import LocalCloud, ModelStack
from localcloud.sagemaker.traffic import TrafficClient
from tests.e2e.runs import Finished, finished
from tests.e2e_prod.conftest import CANARY_LAB, LINEAR_LAB, ProdStack
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

BASELINE_DAYS = 3


@dataclass
class Prod:
    cloud: LocalCloud
    models: dict[str, ModelStack]
    zone: ZoneInfo

    def today(self) -> date:
        return self.cloud.clock.utcnow().astimezone(self.zone).date()

    def next_day(self) -> date:
        """The next local day at 04:00, once the 03:00 scheduled runs have ended (one
        retrains the data of a rolled-back day: the marker stayed before it)."""
        day = self.today() + timedelta(days=1)
        moment = datetime.combine(day, time(4, 0), tzinfo=self.zone)
        self.cloud.advance_to(moment, on_idle=self.approve_waiting)
        running = [
            run
            for model in self.models.values()
            for run in self.cloud.runs(model)
            if self.cloud.describe(run)["status"] == "RUNNING"
        ]
        if running:
            self.cloud.wait(*running, on_idle=self.approve_waiting)
        return day

    def approve_waiting(self) -> None:
        """What the operator does: approve every package that waits for it."""
        sagemaker = self.cloud.client("sagemaker", next(iter(self.models.values())).region)
        for model in self.models.values():
            group = names.model_package_group_name(model.stack, model.model)
            waiting = sagemaker.list_model_packages(
                ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval"
            )["ModelPackageSummaryList"]
            for package in waiting:
                sagemaker.update_model_package(
                    ModelPackageArn=package["ModelPackageArn"],
                    ModelApprovalStatus="Approved",
                    ApprovalDescription="canary looks fine (e2e operator)",
                )

    def run(self, model: ModelStack, day: date) -> Finished:
        self.cloud.upload_csv(model, day.isoformat(), data.daily_rows(day))
        run = self.cloud.start_run(model, {})
        self.cloud.wait(run, on_idle=self.approve_waiting)
        return finished(self.cloud, run)

    def endpoint(self, model: ModelStack) -> dict[str, Any]:
        sagemaker = self.cloud.client("sagemaker", model.region)
        return dict(sagemaker.describe_endpoint(EndpointName=model.endpoint_name))

    def traffic(self, model: ModelStack, day: date) -> TrafficClient:
        features = data.daily_rows(day)[0][1:]
        body = (",".join(repr(float(v)) for v in features) + "\n").encode()
        runtime = self.cloud.client("sagemaker-runtime", model.region)
        return TrafficClient(
            self.cloud.clock, self.cloud.sagemaker, runtime, model.endpoint_name, body, every=5
        ).start()


@pytest.fixture(scope="module")
def prod(prod_stack: ProdStack) -> Iterator[Prod]:
    cloud = prod_stack.cloud
    models = {name: prod_stack.models[name] for name in (CANARY_LAB, LINEAR_LAB)}
    lab = Prod(cloud, models, prod_stack.zone)
    # Each model's first run creates its endpoint (never guarded: no old fleet).
    today = lab.today()
    for model in lab.models.values():
        for offset in range(BASELINE_DAYS, 1, -1):
            cloud.upload_csv(
                model,
                (today - timedelta(days=offset)).isoformat(),
                data.daily_rows(today - timedelta(days=offset)),
            )
        first = lab.run(model, today - timedelta(days=1))
        assert first.status == "SUCCEEDED", first.states
    yield lab
    faults.clear(cloud)


def _update(
    prod: Prod, model_name: str, fault: str | None = None
) -> tuple[Finished, TrafficClient, str, int, str | None]:
    model = prod.models[model_name]
    day = prod.next_day()
    old_config, marker = prod.endpoint(model)["EndpointConfigName"], prod.cloud.marker(model)
    if fault is not None:
        faults.inject(prod.cloud, model, fault)
    slack_before = len(prod.cloud.slack.messages)
    client = prod.traffic(model, day)
    try:
        result = prod.run(model, day)
    finally:
        client.stop()
    assert result.left("DeployModel")["status"]["updateStrategy"] in ("canary", "linear")
    return result, client, old_config, slack_before, marker


def _stage_messages(prod: Prod, since: int) -> list[str]:
    return [
        m.text or "" for m in prod.cloud.slack.messages[since:] if "· deployment " in (m.text or "")
    ]


def test_a_healthy_canary_shifts_fully_and_the_new_model_serves(prod):
    result, client, old, since, _ = _update(prod, CANARY_LAB)
    assert result.status == "SUCCEEDED", result.states
    new = result.document["deployment"]["endpointConfigName"]
    assert prod.endpoint(prod.models[CANARY_LAB])["EndpointConfigName"] == new != old
    # Every request got an answer; both models answered while it shifted.
    assert client.failed() == []
    answered = client.by_config(ok=True)
    assert answered[old] > 0 and answered[new] > 0
    stages = _stage_messages(prod, since)
    assert any("deployment canary live" in text for text in stages), stages
    assert any("deployment fully shifted" in text for text in stages), stages
    # No safety poll woke the run while traffic shifted: one wait for the deployment.
    deployment = result.states[result.states.index("DeployModel") :]
    assert deployment.count("GetStatus") == 1, result.states


@pytest.mark.parametrize(
    ("fault", "metric"),
    [
        ("canary-5xx", names.ROLLBACK_METRIC_5XX_ERRORS),
        ("canary-slow", names.ROLLBACK_METRIC_LATENCY),
    ],
)
def test_a_bad_canary_is_rolled_back_by_its_alarm_and_the_old_model_keeps_serving(
    prod, fault, metric
):
    model = prod.models[CANARY_LAB]
    result, client, old, since, marker = _update(prod, CANARY_LAB, fault)
    assert result.status == "FAILED"
    assert result.states[-1] == p.DEPLOYMENT_FAILED, result.states
    alarm = names.rollback_alarm_name(model.stack, model.model, metric)
    status = result.document["status"]
    assert status["firedAlarms"] == [alarm]
    assert f"rolled back by alarm {alarm}" in status["message"]
    assert "the previous model keeps serving" in status["message"]
    assert alarm in result.slack_text()
    # The old model serves; the marker did not move.
    assert prod.endpoint(model)["EndpointConfigName"] == old
    assert prod.cloud.marker(model) == marker
    # Only the new model's injected errors failed requests; every other one was answered.
    new = status["endpointConfigName"]
    assert {a.config_name for a in client.failed()} <= {new}
    if fault == "canary-slow":
        assert client.failed() == []
    stages = _stage_messages(prod, since)
    assert any("deployment rolling back" in text and alarm in text for text in stages), stages


def test_a_linear_rollout_shifts_in_its_steps(prod):
    result, client, old, since, _ = _update(prod, LINEAR_LAB)
    assert result.status == "SUCCEEDED", result.states
    assert client.failed() == []
    stages = _stage_messages(prod, since)
    # 50 % steps: half the traffic on the new model, then all of it.
    assert sum("deployment canary live" in text for text in stages) == 1, stages
    assert sum("deployment fully shifted" in text for text in stages) == 1, stages
    new = result.document["deployment"]["endpointConfigName"]
    assert prod.endpoint(prod.models[LINEAR_LAB])["EndpointConfigName"] == new != old
