"""Runs the real Pulumi program once per stack (and variant) per session, under plan mocks."""

from __future__ import annotations

import json
import types
from typing import Any

import pytest

from localcloud.deploy.pulumi_program import ProgramRun, run_program
from localcloud.plan import PlanMocks, plan_entries, stack_region

STACKS = ("dev", "prod")
# Stands in for a real Slack token; it may appear only inside secret-wrapped values.
TEST_TOKEN = "xoxb-infra-test-token-5f2c9e1a"
TOKEN = {"retraining:slackToken": TEST_TOKEN}
EXISTING_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack/token-AbCdEf"
# One run exercising the other branches: an existing bucket and secret, two models (one on
# spot with its own image and role), no execution logging, tracing on.
VARIANT_OVERRIDES = {
    "retraining:bucketName": "company-ml-data",
    "retraining:slackTokenSecretArn": EXISTING_SECRET_ARN,
    "retraining:stateMachineLogLevel": "OFF",
    "retraining:tracingEnabled": "true",
    "retraining:alarmEnabled": "true",
    "retraining:alarmEmail": "ml-oncall@example.com",
    "retraining:models": json.dumps(
        [
            {"name": "demand"},
            {
                "name": "churn",
                "uploadTriggerEnabled": False,
                "algorithmImage": "111122223333.dkr.ecr.eu-west-1.amazonaws.com/custom-ll:7",
                "sagemakerRoleArn": "arn:aws:iam::123456789012:role/existing-sagemaker",
                "slackChannel": "#churn",
            },
        ]
    ),
}


def run_stack(stack: str, **kwargs: Any) -> ProgramRun:
    return run_program(stack, PlanMocks(region=stack_region(stack)), **kwargs)


@pytest.fixture(scope="session")
def runs() -> dict[str, ProgramRun]:
    """Each stack's real config file, with a Slack token configured."""
    return {stack: run_stack(stack, secret_overrides=TOKEN) for stack in STACKS}


@pytest.fixture(scope="session")
def run_without_token() -> ProgramRun:
    return run_stack("dev")


@pytest.fixture(scope="session")
def variant_run() -> ProgramRun:
    return run_stack("dev", config_overrides=VARIANT_OVERRIDES)


@pytest.fixture(scope="session")
def all_runs(
    runs: dict[str, ProgramRun], run_without_token: ProgramRun, variant_run: ProgramRun
) -> dict[str, ProgramRun]:
    return {**runs, "dev-without-token": run_without_token, "variant": variant_run}


@pytest.fixture(scope="session")
def plans(runs: dict[str, ProgramRun]) -> dict[str, list[dict[str, Any]]]:
    return {stack: plan_entries(run) for stack, run in runs.items()}


def load_parliament() -> types.ModuleType:
    import parliament

    return parliament
