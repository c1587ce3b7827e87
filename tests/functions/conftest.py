"""Fixtures for the Lambda functions' tests: moto, the functions' environment, handlers.

Handler modules build their settings and clients at import (Lambda's cold start), so a
test that needs a handler module asks for `load_module("check_data")`: the environment
is set first, inside moto, and the module is (re)imported fresh.
"""

from __future__ import annotations

import functools
import importlib
import json
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends

from contract import lambdas, names

REGION = "eu-west-1"
ACCOUNT = DEFAULT_ACCOUNT_ID
STACK = "dev"
MODEL = "linear-learner"
BUCKET = "retraining-test-data"
DATA_PREFIX = f"data/{MODEL}/train/"
MANIFEST_PREFIX = f"data/{MODEL}/manifests/"
ARTIFACT_PREFIX = f"data/{MODEL}/artifacts/"
CALLBACK_PREFIX = f"data/{MODEL}/callbacks/"
RUN_LOCK_KEY = f"data/{MODEL}/lock/run.lock"
MARKER = names.marker_parameter(STACK, MODEL)
ENDPOINT = names.scope(STACK, MODEL)
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"
STATE_MACHINE_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:retraining-dev"
SLACK_TOKEN = "xoxb-test-0123456789-abcdefSECRET"
SLACK_SECRET_NAME = "retraining/slack-token"

# Every variable of every function, with values a real stack could hold.
BASE_ENV = {
    lambdas.MODEL_NAME.name: MODEL,
    lambdas.STACK_NAME.name: STACK,
    lambdas.LOG_LEVEL.name: "DEBUG",
    lambdas.BUCKET.name: BUCKET,
    lambdas.DATA_PREFIX.name: DATA_PREFIX,
    lambdas.MANIFEST_PREFIX.name: MANIFEST_PREFIX,
    lambdas.ARTIFACT_PREFIX.name: ARTIFACT_PREFIX,
    lambdas.CALLBACK_PREFIX.name: CALLBACK_PREFIX,
    lambdas.MARKER_PARAMETER.name: MARKER,
    lambdas.RUN_LOCK_KEY.name: RUN_LOCK_KEY,
    lambdas.RUN_TIMEOUT_SECONDS.name: "30600",
    lambdas.TRAINING_WINDOW_DAYS.name: "30",
    lambdas.TIME_ZONE.name: "Europe/Paris",
    lambdas.CHANGED_HISTORY.name: "retrain",
    lambdas.HOLDOUT_DAYS.name: "1",
    lambdas.QUALITY_METRIC.name: "rmse",
    lambdas.QUALITY_MAX_REGRESSION_PERCENT.name: "10",
    lambdas.DRIFT_THRESHOLD.name: "3.0",
    lambdas.DRIFT_ACTION.name: "warn",
    lambdas.TRAINING_IMAGE.name: "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1",
    lambdas.INFERENCE_IMAGE.name: "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1",
    lambdas.SAGEMAKER_ROLE_ARN.name: ROLE_ARN,
    lambdas.TRAINING_INSTANCE_TYPE.name: "ml.m5.large",
    lambdas.TRAINING_INSTANCE_COUNT.name: "1",
    lambdas.TRAINING_VOLUME_GB.name: "10",
    lambdas.TRAINING_MAX_RUNTIME_SECONDS.name: "3600",
    lambdas.TRAINING_USE_SPOT.name: "false",
    lambdas.HYPERPARAMETERS.name: json.dumps(
        {"predictor_type": "regressor", "feature_dim": "3", "epochs": "10"}
    ),
    lambdas.ENDPOINT_NAME.name: ENDPOINT,
    lambdas.ENDPOINT_INSTANCE_TYPE.name: "ml.t2.medium",
    lambdas.ENDPOINT_INSTANCE_COUNT.name: "1",
    lambdas.KEEP_PREVIOUS_VERSIONS.name: "2",
    lambdas.UPDATE_STRATEGY.name: "allAtOnce",
    lambdas.CANARY_SIZE_PERCENT.name: "10",
    lambdas.LINEAR_STEP_PERCENT.name: "25",
    lambdas.TRAFFIC_WAIT_SECONDS.name: "600",
    lambdas.TERMINATION_WAIT_SECONDS.name: "0",
    lambdas.ROLLOUT_TIMEOUT_SECONDS.name: "3600",
    lambdas.MODEL_PACKAGE_GROUP.name: names.model_package_group_name(STACK, MODEL),
    lambdas.APPROVAL.name: "automatic",
    lambdas.GIT_REVISION.name: "0123456789abcdef0123456789abcdef01234567",
    lambdas.SLACK_ENABLED.name: "true",
    lambdas.SLACK_CHANNEL.name: "#ml-pipeline",
    lambdas.SLACK_TOKEN_SECRET_ARN.name: (
        f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{SLACK_SECRET_NAME}-AbCdEf"
    ),
    lambdas.STATE_MACHINE_ARN.name: STATE_MACHINE_ARN,
    lambdas.SCHEDULER_ROLE_ARN.name: f"arn:aws:iam::{ACCOUNT}:role/scheduler-start-pipeline",
    lambdas.SCHEDULE_GROUP.name: "retraining-dev",
    lambdas.DEBOUNCE_SCHEDULE_NAME.name: "retraining-dev-upload",
    lambdas.DEBOUNCE_SECONDS.name: "900",
}


def env_for(key: str, **overrides: str | None) -> dict[str, str]:
    """Exactly the variables function `key` declares, plus overrides (None drops)."""
    spec = lambdas.BY_KEY[key]
    env = {name: BASE_ENV[name] for name in spec.variable_names if name in BASE_ENV}
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


@functools.cache
def _shared_session() -> boto3.Session:
    return boto3.Session(region_name=REGION)


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        # moto resets boto3's default session for every mock, and a new session re-reads
        # every service model from disk (seconds per test for SageMaker's). One session,
        # created after moto is imported (so its handlers are installed), is reused; moto
        # restores the real default session when the mock stops.
        boto3.DEFAULT_SESSION = _shared_session()
        yield


@pytest.fixture
def s3(aws: None) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


@pytest.fixture
def ssm(aws: None) -> Any:
    return boto3.client("ssm", region_name=REGION)


@pytest.fixture
def sagemaker(aws: None) -> Any:
    return boto3.client("sagemaker", region_name=REGION)


@pytest.fixture
def model_registry(aws: None, monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """moto's Model Registry with the embedded runtime's corrections installed (moto replaces
    CustomerMetadataProperties on UpdateModelPackage, SageMaker merges them; see
    localcloud.sagemaker.registry). Returns the state changes it would publish."""
    from localcloud.clock import Clock
    from localcloud.sagemaker.registry import ModelRegistry

    changes: list[Any] = []
    registry = ModelRegistry(Clock(datetime.now(UTC)), threading.RLock(), changes.append)
    for owner, name, replacement in registry.patches():
        monkeypatch.setattr(owner, name, replacement, raising=False)
    return changes


@pytest.fixture
def sfn(aws: None) -> Any:
    return boto3.client("stepfunctions", region_name=REGION)


@pytest.fixture
def secrets(aws: None) -> Any:
    return boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def scheduler(aws: None) -> Any:
    return boto3.client("scheduler", region_name=REGION)


@pytest.fixture
def load_module(aws: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., ModuleType]]:
    """Import `functions.<name>` fresh (a cold start) with that function's environment."""

    def load(key: str, **overrides: str | None) -> ModuleType:
        for name in BASE_ENV:
            monkeypatch.delenv(name, raising=False)
        for name, value in env_for(key, **overrides).items():
            monkeypatch.setenv(name, value)
        module_name = f"functions.{lambdas.BY_KEY[key].key}"
        sys.modules.pop(module_name, None)
        return importlib.import_module(module_name)

    yield load
    # Leave no module built from a test's environment behind for the next test.
    for spec in lambdas.ALL_FUNCTIONS:
        sys.modules.pop(f"functions.{spec.key}", None)


def put_raw(key: str, body: bytes) -> None:
    """Write an object straight into moto's S3 backend (fast: no HTTP round trip)."""
    s3_backends[ACCOUNT]["aws"].put_object(BUCKET, key, body)


def put_day(day: str, body: bytes = b"1.0,2.0,3.0\n4.0,5.0,6.0\n", name: str | None = None) -> str:
    key = f"{DATA_PREFIX}{name or day + '.csv'}"
    put_raw(key, body)
    return key


def log_lines(text: str) -> list[dict[str, Any]]:
    """The JSON log lines among captured stdout."""
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


class CallCounter:
    """Records API calls a client makes (operation, parameters) through botocore's event
    hooks: `CallCounter(client, "s3.ListObjectsV2")`. Count, don't time."""

    def __init__(self, client: Any, pattern: str) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        client.meta.events.register(f"provide-client-params.{pattern}", self._record)

    def _record(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((model.name, params))

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.calls if name == operation)
