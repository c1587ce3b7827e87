"""The one place boto3 clients are made (at cold start, by each handler module).

Standard retry mode with a few attempts absorbs throttling; explicit timeouts keep a hung
connection from eating the whole Lambda timeout.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker_runtime import SageMakerRuntimeClient
    from mypy_boto3_scheduler import EventBridgeSchedulerClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_stepfunctions import SFNClient

_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=5,
    read_timeout=30,
    user_agent_extra="retraining-pipeline",
)


def s3() -> S3Client:
    return boto3.client("s3", config=_CONFIG)


def ssm() -> SSMClient:
    return boto3.client("ssm", config=_CONFIG)


def sagemaker() -> SageMakerClient:
    return boto3.client("sagemaker", config=_CONFIG)


def sagemaker_runtime() -> SageMakerRuntimeClient:
    # InvokeEndpoint answers within 60 s (its own limit); the read timeout must not be shorter.
    return boto3.client("sagemaker-runtime", config=_CONFIG.merge(Config(read_timeout=70)))


def stepfunctions() -> SFNClient:
    return boto3.client("stepfunctions", config=_CONFIG)


def secretsmanager() -> SecretsManagerClient:
    return boto3.client("secretsmanager", config=_CONFIG)


def cloudwatch() -> Any:
    # (no type stubs installed for CloudWatch; its few calls are read in functions.rollback_alarms)
    return boto3.client("cloudwatch", config=_CONFIG)


def scheduler() -> EventBridgeSchedulerClient:
    return boto3.client("scheduler", config=_CONFIG)
