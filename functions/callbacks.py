"""The task-token store that lets SageMaker's events resume CheckStatusWait.

await_status writes `s3://<bucket>/<callback prefix><stage>/<name>.json` holding the
token of the wait in progress for that resource; on_sagemaker_event (or await_status
itself, when the resource is already terminal) answers it with SendTaskSuccess and
deletes it. One object per resource: the newest wait overwrites an older one.

A token whose wait is over (it timed out and polled, or was already answered) is *stale*:
Step Functions answers TaskTimedOut, InvalidToken or TaskDoesNotExist. That is expected
in a race between the event and the safety timeout, so it is logged, never raised.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

STALE_TOKEN_ERRORS = ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")


def token_key(callback_prefix: str, stage: str, name: str) -> str:
    return f"{callback_prefix}{stage}/{name}.json"


def register(s3: S3Client, bucket: str, key: str, record: dict[str, Any]) -> str:
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(record).encode("utf-8"),
        ContentType="application/json",
    )
    return f"s3://{bucket}/{key}"


def read_record(s3: S3Client, bucket: str, key: str) -> dict[str, Any] | None:
    """The registration of the wait on this resource, or None when no run is waiting."""
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
            return None
        raise
    record = json.loads(body)
    token = record.get("taskToken") if isinstance(record, dict) else None
    return record if isinstance(token, str) and token else None


def run_name(record: dict[str, Any]) -> str | None:
    execution = record.get("execution")
    name = execution.get("name") if isinstance(execution, dict) else None
    return name if isinstance(name, str) else None


def forget(s3: S3Client, bucket: str, key: str) -> None:
    s3.delete_object(Bucket=bucket, Key=key)


def answer(sfn: SFNClient, token: str, output: dict[str, Any]) -> str | None:
    """SendTaskSuccess; returns None when delivered, the error code when the token is stale."""
    try:
        sfn.send_task_success(taskToken=token, output=json.dumps(output))
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in STALE_TOKEN_ERRORS:
            return code
        raise
    return None
