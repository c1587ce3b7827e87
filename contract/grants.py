"""The AWS access a Lambda needs, declared as data next to the Lambda (`contract.lambdas`).

A grant names the IAM actions the function's code calls and what they act on, as a
`Resource` of the model's pipeline (its data folder, its marker, its training jobs, ...).
infra/policies.py turns each grant into one IAM statement, with the grant's Sid, scoped to
the ARNs of that model; a grant on a resource the stack does not have (no Slack secret when
Slack is off) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Final

SAGEMAKER_SERVICE: Final = "sagemaker.amazonaws.com"
SCHEDULER_SERVICE: Final = "scheduler.amazonaws.com"


class Resource(Enum):
    BUCKET = "the data bucket itself (bucket-level actions such as ListBucket)"
    DATA_OBJECTS = "objects under the model's data prefix"
    MANIFEST_OBJECTS = "objects under the model's manifest prefix"
    CALLBACK_OBJECTS = "objects under the model's callback prefix"
    RUN_LOCK = "the model's run lock object (one key)"
    MARKER = "the model's SSM marker parameter"
    STATE_MACHINE = "the model's state machine"
    EXECUTIONS = "the executions of the model's state machine"
    TRAINING_JOBS = "the training jobs of every run of the model"
    MODELS = "the SageMaker Models of every run of the model"
    ENDPOINT_CONFIGS = "the EndpointConfigs of every run of the model"
    ENDPOINT = "the model's endpoint"
    ROLLBACK_ALARMS = "the CloudWatch alarms that roll back the model's guarded updates"
    MODEL_PACKAGE_GROUP = "the model's Model Package Group (its registry)"
    MODEL_PACKAGES = "the model package versions of the model's group"
    SLACK_SECRET = "the Secrets Manager secret that holds the Slack token"  # noqa: S105 - its ARN, not a token
    DEBOUNCE_SCHEDULE = "the model's one-time schedule that debounces uploads"
    SAGEMAKER_ROLE = "the execution role SageMaker assumes for the model"
    SCHEDULER_ROLE = "the role EventBridge Scheduler assumes to start the pipeline"
    EVERY_RESOURCE = "every resource: only for actions IAM cannot scope to one"


class Folder(Enum):
    DATA = "the model's data prefix"
    CALLBACKS = "the model's callback prefix"
    RUN_LOCK = "the model's run lock prefix"


@dataclass(frozen=True)
class Grant:
    sid: str  # the statement's Sid: what the access is for
    actions: tuple[str, ...]
    resources: tuple[Resource, ...]
    listing: tuple[Folder, ...] = ()  # ListBucket limited to keys under these folders
    passed_to: str | None = None  # PassRole limited to this service


def list_folder(sid: str, folder: Folder) -> Grant:
    """List keys under `folder` (it also lets S3 answer 404, not 403, for a missing key)."""
    return Grant(sid, ("s3:ListBucket",), (Resource.BUCKET,), listing=(folder,))


def pass_role(role: Resource, service: str) -> Grant:
    """Hand `role` to `service` (a training job's or a schedule's role), and to no other."""
    return Grant("PassRoleToService", ("iam:PassRole",), (role,), passed_to=service)
