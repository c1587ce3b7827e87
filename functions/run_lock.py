"""The model's single-flight run lock: at most one run of a model trains at a time.

The lock is one S3 object (`RUN_LOCK_KEY`, `data/<model>/lock/run.lock`) written with
conditional requests, which S3 applies atomically and with strong read-after-write
consistency (why S3 and not DynamoDB or SSM: docs/design.md):

- CheckData, when its decision would be `train`, creates it with `PutObject If-None-Match: *`.
  Exactly one of any number of concurrent creators succeeds.
- If it exists, its body names the owner. An owner that is no longer RUNNING (failed,
  aborted, timed out: it never reached a release state) or whose expiry (its start + the
  state machine's TimeoutSeconds) passed is replaced with `PutObject If-Match: <etag>`: one
  taker wins, the others see PreconditionFailed and look again.
- Otherwise the run stands aside. When it has data the owner does not train on (a newer
  file, more files), it records a follow-up request in the lock (`If-Match` again).
- ReleaseRunLock (both ends of a run) deletes the lock with `If-Match` of the lock its own
  run holds, and starts the requested follow-up run once the lock is gone.

Body: `{owner: {name, arn}, acquiredAt, expiresAt, newestDate, fileCount,
followUp: null | {requestedBy: [names]}}`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from contract.document import INPUT_TRIGGER, TRIGGER_FOLLOW_UP
from contract.errors import RunLockError
from functions.payload import iso_utc, parse_timestamp

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

# Each attempt loses only to a write that succeeded meanwhile; five in a row is contention
# no pipeline of one model produces, so it is reported rather than looped on.
MAX_ATTEMPTS = 5
# S3's answers to a conditional request that lost (412), or raced another one (409).
_LOST = ("PreconditionFailed", "ConditionalRequestConflict")
_MISSING = ("NoSuchKey", "404")
EXECUTION_NAME_MAX = 80
_HASH_LENGTH = 8


@dataclass(frozen=True)
class Owner:
    """An execution that takes or holds the lock."""

    name: str
    arn: str


@dataclass(frozen=True)
class Claim:
    """What the run would train: the lock keeps it, so a later run knows if it has more."""

    newest_date: str
    file_count: int


@dataclass(frozen=True)
class Acquisition:
    acquired: bool
    owner: str  # the run that holds the lock (this one when acquired)
    follow_up_requested: bool = False
    reclaimed_from: str | None = None  # the stale owner this run took over from


@dataclass(frozen=True)
class _Held:
    body: dict[str, Any]
    etag: str


def acquire(
    *,
    s3: S3Client,
    sfn: SFNClient,
    bucket: str,
    key: str,
    run: Owner,
    now: datetime,
    timeout_seconds: int,
    claim: Claim,
) -> Acquisition:
    """Take the lock for `run`, or stand aside naming its owner (see the module docstring)."""
    body = {
        "owner": {"name": run.name, "arn": run.arn},
        "acquiredAt": iso_utc(now),
        "expiresAt": iso_utc(now + timedelta(seconds=timeout_seconds)),
        "newestDate": claim.newest_date,
        "fileCount": claim.file_count,
        "followUp": None,
    }
    for _ in range(MAX_ATTEMPTS):
        if _put(s3, bucket, key, body, IfNoneMatch="*"):
            return Acquisition(acquired=True, owner=run.name)
        held = _read(s3, bucket, key)
        if held is None:  # released between our write and our read: try again
            continue
        owner = _owner_of(held, bucket, key)
        if owner.name == run.name:  # a retried CheckData already holds it
            return Acquisition(acquired=True, owner=run.name)
        if _is_stale(sfn, held, owner, now):
            if _put(s3, bucket, key, body, IfMatch=held.etag):
                return Acquisition(acquired=True, owner=run.name, reclaimed_from=owner.name)
            continue
        if not _has_more_data(claim, held.body):
            return Acquisition(acquired=False, owner=owner.name)
        if isinstance(held.body.get("followUp"), dict):
            # A follow-up is already requested: it lists the data when the owner ends, so it
            # trains ours too. Not writing again keeps many stand-asides from racing each other.
            return Acquisition(acquired=False, owner=owner.name, follow_up_requested=True)
        requested = _with_follow_up(held.body, run.name)
        if requested is held.body or _put(s3, bucket, key, requested, IfMatch=held.etag):
            return Acquisition(acquired=False, owner=owner.name, follow_up_requested=True)
    raise RunLockError(
        f"the run lock s3://{bucket}/{key} changed under {run.name} {MAX_ATTEMPTS} times in a "
        "row; nothing was trained and the marker is untouched. Start the pipeline again."
    )


def release(
    *, s3: S3Client, sfn: SFNClient, bucket: str, key: str, run: Owner, state_machine_arn: str
) -> dict[str, Any]:
    """Delete the lock if `run` holds it; then start the follow-up run it was asked for.

    A run that does not hold it (it stood aside, or failed before taking it) changes
    nothing. The lock is deleted before the follow-up starts, so the follow-up takes it.
    """
    for _ in range(MAX_ATTEMPTS):
        held = _read(s3, bucket, key)
        if held is None:
            return {"released": False, "heldBy": None, "followUp": None}
        owner = _owner_of(held, bucket, key)
        if owner.name != run.name:
            return {"released": False, "heldBy": owner.name, "followUp": None}
        try:
            s3.delete_object(Bucket=bucket, Key=key, IfMatch=held.etag)
        except ClientError as error:
            if _code(error) in _LOST:  # a follow-up request landed meanwhile: read it
                continue
            raise RunLockError(
                f"deleting the run lock s3://{bucket}/{key} held by {run.name} failed: {error}. "
                "The next run reclaims it once this run has ended."
            ) from error
        follow_up = held.body.get("followUp")
        started = _start_follow_up(sfn, state_machine_arn, run, follow_up) if follow_up else None
        return {"released": True, "heldBy": None, "followUp": started}
    raise RunLockError(
        f"the run lock s3://{bucket}/{key} changed under {run.name} {MAX_ATTEMPTS} times while "
        "it was being released; the next run reclaims it once this run has ended."
    )


def follow_up_name(owner_name: str) -> str:
    """The follow-up of run X is `follow-up-X` (cut + hashed to 80 characters): a retried
    release starts the same execution, never a second one."""
    name = f"follow-up-{owner_name}"
    if len(name) <= EXECUTION_NAME_MAX:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:_HASH_LENGTH]
    return f"{name[: EXECUTION_NAME_MAX - _HASH_LENGTH - 1]}-{digest}"


# --- steps -------------------------------------------------------------------------------
def _put(s3: S3Client, bucket: str, key: str, body: dict[str, Any], **condition: str) -> bool:
    """Write `body` if `condition` holds; False when another write won."""
    try:
        s3.put_object(
            Bucket=bucket,
            Key=key,
            Body=json.dumps(body, sort_keys=True).encode("utf-8"),
            ContentType="application/json",
            **condition,  # type: ignore[arg-type]
        )
    except ClientError as error:
        if _code(error) in _LOST or _code(error) in _MISSING:
            return False
        raise RunLockError(f"writing the run lock s3://{bucket}/{key} failed: {error}") from error
    return True


def _read(s3: S3Client, bucket: str, key: str) -> _Held | None:
    try:
        response = s3.get_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _code(error) in _MISSING:
            return None
        raise RunLockError(f"reading the run lock s3://{bucket}/{key} failed: {error}") from error
    raw = response["Body"].read()
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise RunLockError(
            f"the run lock s3://{bucket}/{key} is not JSON ({raw[:80]!r}); delete it if no run "
            "of the model is running"
        ) from error
    if not isinstance(body, dict):
        raise RunLockError(f"the run lock s3://{bucket}/{key} is not a JSON object: {raw[:80]!r}")
    return _Held(body, response["ETag"])


def _owner_of(held: _Held, bucket: str, key: str) -> Owner:
    owner = held.body.get("owner")
    if (
        not isinstance(owner, dict)
        or not isinstance(owner.get("name"), str)
        or not isinstance(owner.get("arn"), str)
    ):
        raise RunLockError(
            f"the run lock s3://{bucket}/{key} has no owner {{name, arn}} (got {owner!r}); "
            "delete it if no run of the model is running"
        )
    return Owner(owner["name"], owner["arn"])


def _is_stale(sfn: SFNClient, held: _Held, owner: Owner, now: datetime) -> bool:
    """The owner can no longer release it: it ended without doing so, or outlived its expiry
    (the state machine's timeout, so it cannot still be running)."""
    expires = held.body.get("expiresAt")
    if isinstance(expires, str) and parse_timestamp(expires, "run lock expiresAt") <= now:
        return True
    try:
        status = sfn.describe_execution(executionArn=owner.arn)["status"]
    except ClientError as error:
        if _code(error) == "ExecutionDoesNotExist":
            return True
        raise
    return status != "RUNNING"


def _has_more_data(claim: Claim, body: dict[str, Any]) -> bool:
    """Whether this run would train on data the owner's run does not have."""
    return claim.newest_date > str(body.get("newestDate") or "") or claim.file_count > int(
        body.get("fileCount") or 0
    )


def _with_follow_up(body: dict[str, Any], requester: str) -> dict[str, Any]:
    """The body with `requester` in its follow-up request (the same object if it is already)."""
    follow_up = body.get("followUp") if isinstance(body.get("followUp"), dict) else None
    requested_by = list(follow_up.get("requestedBy", [])) if follow_up else []
    if requester in requested_by:
        return body
    return {**body, "followUp": {"requestedBy": [*requested_by, requester]}}


def _start_follow_up(
    sfn: SFNClient, state_machine_arn: str, run: Owner, follow_up: dict[str, Any]
) -> dict[str, Any]:
    name = follow_up_name(run.name)
    run_input = json.dumps({INPUT_TRIGGER: TRIGGER_FOLLOW_UP})
    try:
        arn = sfn.start_execution(stateMachineArn=state_machine_arn, name=name, input=run_input)[
            "executionArn"
        ]
    except ClientError as error:
        if _code(error) != "ExecutionAlreadyExists":
            raise RunLockError(
                f"the run lock was released but the follow-up run {name} (asked for by "
                f"{', '.join(follow_up.get('requestedBy', []))}) could not start: {error}. "
                "Start the pipeline by hand to train their data."
            ) from error
        arn = state_machine_arn.replace(":stateMachine:", ":execution:") + f":{name}"
    return {"name": name, "arn": arn, "requestedBy": follow_up.get("requestedBy", [])}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
