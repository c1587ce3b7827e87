"""One embedded cloud for the prod stack, deployed once: what only prod's settings show.

Mirrors tests/e2e/conftest.py (its `Lab` and `own_day` are reused): the prod stack as
`Pulumi.prod.yaml` declares it, with one lab model, `e2e-prod`, whose window spans the
session. prod approves manually (`approval` defaults to `manual` in the prod stack), so
every run that passes the gate waits in the registry until a test decides:
`approve`/`reject` do what `aws sagemaker update-model-package` (and the session's
`approve`/`reject`) do, through boto3 against the embedded runtime. The lab's approval
deadline is two hours, so a test that lets it pass spends two virtual hours, not 72, and
no scheduled run (03:00) happens while a run waits.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from contract import names, registry
from functions.model_registry import find_run_package
from localcloud.runtime import LocalCloud, ModelStack, Run
from tests.e2e.conftest import (
    BASELINE_DAYS,
    LAB_WINDOW_DAYS,
    MODELS_KEY,
    ZONE_KEY,
    Lab,
    Stack,
    own_day,
    training_seconds,
)

STACK = "prod"
STACK_FILE = Path(__file__).resolve().parents[2] / f"Pulumi.{STACK}.yaml"
LAB_MODEL = "e2e-prod"
LAB_APPROVAL_TIMEOUT_HOURS = 2
# The guarded-rollout models of test_guarded_rollout.py, deployed with the lab into the one
# prod cloud of this package (only one LocalCloud can run at a time).
CANARY_LAB, LINEAR_LAB = "canary-lab", "linear-lab"
# Monday 2 March 2026, local time, after prod's 03:00 schedule.
SESSION_START = (2026, 3, 2, 5, 0)


@dataclass
class ProdLab:
    """The prod lab model, and the registry decisions a person makes on it."""

    lab: Lab

    @property
    def cloud(self) -> LocalCloud:
        return self.lab.cloud

    def _sagemaker(self) -> Any:
        return self.cloud.client("sagemaker", self.lab.model.region)

    @property
    def group(self) -> str:
        return names.model_package_group_name(self.lab.model.stack, self.lab.model.model)

    def package(self, run: Run) -> dict[str, Any] | None:
        """DescribeModelPackage of the package `run` registered (None: not yet)."""
        return find_run_package(self._sagemaker(), self.group, run.name)

    def await_approval_request(self, run: Run) -> dict[str, Any]:
        """Let virtual time flow until `run` registered its model and waits for a person."""

        def waiting() -> bool:
            if self.cloud.describe(run)["status"] != "RUNNING":
                return True
            described = self.package(run)
            return described is not None and (
                described["ModelApprovalStatus"] == registry.PENDING_MANUAL_APPROVAL
            )

        self.cloud.clock.run_until(waiting)
        described = self.package(run)
        assert described is not None, f"{run.name} ended without registering a model"
        assert described["ModelApprovalStatus"] == registry.PENDING_MANUAL_APPROVAL, described
        return described

    def decide(self, arn: str, status: str, description: str) -> None:
        """What `aws sagemaker update-model-package ... --model-approval-status` does."""
        self._sagemaker().update_model_package(
            ModelPackageArn=arn, ModelApprovalStatus=status, ApprovalDescription=description
        )

    def approve(self, arn: str, description: str = "approved by the e2e test") -> None:
        self.decide(arn, registry.APPROVED, description)

    def reject(self, arn: str, description: str) -> None:
        self.decide(arn, registry.REJECTED, description)


@dataclass
class ProdStack(Stack):
    """The prod cloud: the approval lab (`lab`) and every deployed model by name."""

    models: dict[str, ModelStack]


@pytest.fixture(scope="package")
def prod_stack() -> Iterator[ProdStack]:
    config = yaml.safe_load(STACK_FILE.read_text(encoding="utf-8"))["config"]
    models = [
        {
            "name": LAB_MODEL,
            "trainingWindowDays": LAB_WINDOW_DAYS,
            "approvalTimeoutHours": LAB_APPROVAL_TIMEOUT_HOURS,
        },
        # The quality gate is not what the rollout tests are about: any new model deploys.
        {"name": CANARY_LAB, "trainingWindowDays": 365, "qualityMaxRegressionPercent": 1000},
        {
            "name": LINEAR_LAB,
            "trainingWindowDays": 365,
            "qualityMaxRegressionPercent": 1000,
            "updateStrategy": "linear",
            "linearStepPercent": 50,
        },
    ]
    zone = ZoneInfo(config[ZONE_KEY])
    with LocalCloud(
        start=datetime(*SESSION_START, tzinfo=zone),
        training_duration=training_seconds,
        endpoint_transition_seconds=480.0,
    ) as cloud:
        deployed = {
            model.model: model
            for model in cloud.deploy(STACK, config_overrides={MODELS_KEY: json.dumps(models)})
        }
        lab = deployed[LAB_MODEL]
        yield ProdStack(cloud, lab, lab, zone, deployed)


@pytest.fixture(scope="package")
def prod_lab(prod_stack: Stack) -> ProdLab:
    """The prod lab after its first run, approved: trained, serving, marker set."""
    lab = ProdLab(Lab(prod_stack, prod_stack.lab))
    today = lab.lab.today()
    for offset in range(BASELINE_DAYS, 0, -1):
        lab.lab.upload_day(today - timedelta(days=offset))
    first = lab.lab.start()
    lab.approve(lab.await_approval_request(first)["ModelPackageArn"], "the first model")
    lab.cloud.wait(first)
    result = lab.lab.finished(first)
    assert result.status == "SUCCEEDED", result.states
    assert lab.lab.marker() == (today - timedelta(days=1)).isoformat()
    return lab


@pytest.fixture
def prod_day(prod_lab: ProdLab) -> Iterator[date]:
    """A fresh local day for the prod lab (07:00), tidied afterwards (tests/e2e's `day`)."""
    with own_day(prod_lab.lab) as today:
        yield today
