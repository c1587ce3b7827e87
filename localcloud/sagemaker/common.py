"""What the local SageMaker's modules share: S3 access, API errors, time, state changes.

Training reads its data and writes its artefact, and endpoints load their model, through
moto's S3 backend of the resource's own account: the same objects the Lambda functions
wrote with boto3, without a second HTTP round trip from inside a clock callback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from localcloud.clock import Clock
from localcloud.internals.moto_private import (
    MissingBucket,
    SageMakerValidationError,
    ServiceException,
    get_partition,
    s3_backends,
)

# botocore's pattern for TrainingJobName / EndpointName (max length 63).
NAME_PATTERN = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")
NAME_MAX = 63

SOURCE = "aws.sagemaker"
TRAINING_STATE_CHANGE = "SageMaker Training Job State Change"
ENDPOINT_STATE_CHANGE = "SageMaker Endpoint State Change"
ENDPOINT_DEPLOYMENT_STATE_CHANGE = "SageMaker Endpoint Deployment State Change"
MODEL_PACKAGE_STATE_CHANGE = "SageMaker Model Package State Change"


class StoreError(Exception):
    """An S3 object that cannot be read or written (the message names the URI)."""


def split_s3_uri(uri: str) -> tuple[str, str]:
    match = re.fullmatch(r"s3://([^/]+)/?(.*)", uri)
    if match is None:
        raise StoreError(f"{uri!r} is not an s3:// URI")
    return match.group(1), match.group(2)


class S3Store:
    """Objects of one account's S3 (moto's backend), addressed by s3:// URIs."""

    def __init__(self, account_id: str, region: str) -> None:
        self._backend = s3_backends[account_id][get_partition(region)]

    def read(self, uri: str) -> bytes:
        bucket, key = split_s3_uri(uri)
        try:
            found = self._backend.get_object(bucket, key)
        except MissingBucket as error:
            raise StoreError(
                f"NoSuchBucket (404): The specified bucket does not exist ({uri})"
            ) from error
        if found is None:
            raise StoreError(f"NoSuchKey (404): The specified key does not exist ({uri})")
        return bytes(found.value)

    def size(self, uri: str) -> int | None:
        bucket, key = split_s3_uri(uri)
        try:
            found = self._backend.get_object(bucket, key)
        except MissingBucket:
            return None
        return None if found is None else int(found.size)

    def keys_under(self, uri: str) -> list[str]:
        bucket, prefix = split_s3_uri(uri)
        try:
            stored = self._backend.get_bucket(bucket).keys
        except MissingBucket as error:
            raise StoreError(
                f"NoSuchBucket (404): The specified bucket does not exist ({uri})"
            ) from error
        return [f"s3://{bucket}/{key}" for key in sorted(stored.keys()) if key.startswith(prefix)]

    def write(self, uri: str, data: bytes) -> None:
        bucket, key = split_s3_uri(uri)
        try:
            self._backend.put_object(bucket, key, data)
        except MissingBucket as error:
            raise StoreError(
                f"NoSuchBucket (404): The specified bucket does not exist ({uri})"
            ) from error


# --- API errors -------------------------------------------------------------------------------
def validation_error(message: str) -> SageMakerValidationError:
    """SageMaker's ValidationException (HTTP 400)."""
    return SageMakerValidationError(message)


def check_name(value: Any, member: str) -> None:
    """Validate a resource name the way SageMaker does (length, then pattern)."""
    if not isinstance(value, str) or not value:
        raise validation_error(
            f"1 validation error detected: Value null at '{member}' failed to satisfy "
            "constraint: Member must not be null"
        )
    if len(value) > NAME_MAX:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must have length less than or equal to {NAME_MAX}"
        )
    if NAME_PATTERN.fullmatch(value) is None:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must satisfy regular expression pattern: ^{NAME_PATTERN.pattern}"
        )


class RuntimeValidationError(ServiceException):
    """sagemaker-runtime's ValidationError (HTTP 400): e.g. the endpoint is not serving."""

    code = "ValidationError"


class ModelError(ServiceException):
    """sagemaker-runtime's ModelError (HTTP 424): the model container answered 4xx/5xx."""

    code = "ModelError"

    def __init__(
        self, message: str, *, original_status: int, original_message: str, log_stream: str
    ):
        super().__init__(message)
        # Members of the ModelError shape; moto's serializer picks them up from the instance.
        self.OriginalStatusCode = original_status
        self.OriginalMessage = original_message
        self.LogStreamArn = log_stream


# --- time -------------------------------------------------------------------------------------
def moto_now(clock: Clock) -> datetime:
    """Virtual now in moto's convention (naive UTC), for the objects moto stores."""
    return clock.utcnow().replace(tzinfo=None)


def epoch_millis(moment: datetime) -> int:
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return round(aware.timestamp() * 1000)


def event_ready(value: Any) -> Any:
    """A DescribeX answer as an event detail: JSON only, timestamps as epoch milliseconds
    (AWS's SageMaker state-change examples carry them that way)."""
    if isinstance(value, datetime):
        return epoch_millis(value)
    if isinstance(value, dict):
        return {k: event_ready(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [event_ready(v) for v in value]
    return value


def tag_map(tags: list[dict[str, str]] | None) -> dict[str, str]:
    """Events carry tags as a map, the API as a list of {Key, Value}."""
    return {tag["Key"]: tag["Value"] for tag in tags or []}


@dataclass(frozen=True)
class StateChange:
    """One state-change event as SageMaker publishes it to the default bus."""

    account: str
    region: str
    detail_type: str
    detail: dict[str, Any]
    resources: list[str]
    at: float = field(default=0.0)  # virtual time of the change


Emit = Callable[[StateChange], None]
