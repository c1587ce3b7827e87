"""CheckData: is there new training data, and if so, which files does this run train on?

Event: `{input: <execution input>, execution: {name, id, startTime, stateMachineArn}}`.
Result (`$.data`): decision (`train` / `no-new-data` / `run-in-progress`), runTime,
runDate, force, trigger, markerBefore, newestDate, windowStart, windowEnd, fileCount,
newFileCount, manifestUri, ignored (first 20 `{key, reason}`), ignoredCount. Never the
file list itself (the 256 KB payload limit): the manifest holds it.

Steps, in order; each one may end the run before the next:

1. The execution input is validated: only `force` (bool), `scheduledTime` (ISO 8601 with
   a zone) and `trigger` (schedule/upload/manual) -> InputValidationError naming the field.
2. Overlapping runs: if another RUNNING execution of this state machine started before
   this one (ties broken by execution name), the decision is `run-in-progress` (with
   `runningExecution`: its name) and nothing else is read or written.
3. The run's time is `input.scheduledTime` when present, else the execution's start
   time; the run date is that time's date in TIME_ZONE. Never the Lambda's clock.
4. The marker (SSM) is read: absent = never trained; not a date -> MarkerError.
5. The window's files are listed and classified (see `functions.data_files`: window
   definition, ignored names, duplicate dates -> DataValidationError).
6. New data = a window file dated after the marker (every window file when there is no
   marker). No new data and no `force` -> `no-new-data`, nothing written.
7. Content validation (see `functions.csv_validation`) of the files this run is the first
   to train on: those dated after the marker, or every window file when there is no
   marker or on `force` (a forced run retrains everything, so it re-checks everything;
   files at or before the marker were checked by the run that trained on them).
   **A bad file fails the run before anything is written**: DataValidationError naming
   the key, line, field and value; no manifest, no training, the marker untouched, and
   the failure notification shows the error. Fix or remove the file and run again.
8. The manifest (SageMaker ManifestFile: `[{"prefix": "s3://<bucket>/<data prefix>"},
   "2026-01-01.csv", ...]`) is written to `<manifest prefix><execution name>.manifest`,
   unique per execution, and the decision is `train`. If S3 refuses it (a bucket policy,
   the role), ManifestWriteError names the manifest: no training job exists yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from contract.document import (
    DATA_DECISION,
    DATA_IGNORED_COUNT,
    DATA_NEWEST_DATE,
    DECISION_NO_NEW_DATA,
    DECISION_RUN_IN_PROGRESS,
    DECISION_TRAIN,
    INPUT_FIELDS,
    INPUT_FORCE,
    INPUT_SCHEDULED_TIME,
    INPUT_TRIGGER,
    TRIGGER_MANUAL,
    TRIGGERS,
)
from contract.errors import InputValidationError, ManifestWriteError
from contract.lambdas import CHECK_DATA, CheckDataSettings
from functions import clients
from functions.cold_start import cold_start
from functions.csv_validation import validate_object
from functions.data_files import MAX_IGNORED_SHOWN, DataFile, WindowListing, list_window
from functions.logs import StructuredLogger
from functions.markers import read_marker
from functions.payload import field, iso_utc, parse_timestamp, shown

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_stepfunctions import SFNClient


@dataclass(frozen=True)
class RunInput:
    force: bool
    scheduled_time: datetime | None
    trigger: str


@dataclass(frozen=True)
class Execution:
    name: str
    arn: str
    start_time: datetime
    state_machine_arn: str


def parse_input(raw: Any) -> RunInput:
    if not isinstance(raw, dict):
        raise InputValidationError(f"the execution input must be a JSON object, got {shown(raw)}")
    unknown = sorted(set(raw) - set(INPUT_FIELDS))
    if unknown:
        raise InputValidationError(
            f"unknown execution input field {unknown[0]!r} (value {shown(raw[unknown[0]])}); "
            f"allowed: {', '.join(INPUT_FIELDS)}"
        )
    force = raw.get(INPUT_FORCE, False)
    if not isinstance(force, bool):
        raise InputValidationError(
            f"execution input field force must be true or false, got {shown(force)}"
        )
    scheduled = raw.get(INPUT_SCHEDULED_TIME)
    scheduled_time = (
        None
        if scheduled is None
        else parse_timestamp(scheduled, "execution input field scheduledTime")
    )
    trigger = raw.get(INPUT_TRIGGER, TRIGGER_MANUAL)
    if trigger not in TRIGGERS:
        raise InputValidationError(
            f"execution input field trigger must be one of {', '.join(TRIGGERS)}, "
            f"got {shown(trigger)}"
        )
    return RunInput(force, scheduled_time, trigger)


def parse_execution(event: Any) -> Execution:
    return Execution(
        name=field(event, "execution.name", str),
        arn=field(event, "execution.id", str),
        start_time=parse_timestamp(
            field(event, "execution.startTime", str), "event field execution.startTime"
        ),
        state_machine_arn=field(event, "execution.stateMachineArn", str),
    )


def earlier_running_execution(sfn: SFNClient, execution: Execution) -> str | None:
    """The name of a RUNNING execution that started before this one, if any."""
    ours = (execution.start_time, execution.name)
    earliest: tuple[datetime, str] | None = None
    pages = sfn.get_paginator("list_executions").paginate(
        stateMachineArn=execution.state_machine_arn, statusFilter="RUNNING"
    )
    for page in pages:
        for other in page["executions"]:
            if other["executionArn"] == execution.arn or other["name"] == execution.name:
                continue
            theirs = (other["startDate"], other["name"])
            if theirs < ours and (earliest is None or theirs < earliest):
                earliest = theirs
    return earliest[1] if earliest else None


def manifest_body(bucket: str, data_prefix: str, files: tuple[DataFile, ...]) -> bytes:
    entries: list[Any] = [{"prefix": f"s3://{bucket}/{data_prefix}"}]
    entries.extend(f.key[len(data_prefix) :] for f in files)
    return json.dumps(entries, indent=0).encode("utf-8")


def check_data(
    *,
    settings: CheckDataSettings,
    s3: S3Client,
    ssm: SSMClient,
    sfn: SFNClient,
    run_input: RunInput,
    execution: Execution,
    log: StructuredLogger,
) -> dict[str, Any]:
    run_time = run_input.scheduled_time or execution.start_time
    run_date = run_time.astimezone(settings.time_zone).date()
    result: dict[str, Any] = {
        DATA_DECISION: None,
        "runTime": iso_utc(run_time),
        "runDate": run_date.isoformat(),
        "force": run_input.force,
        "trigger": run_input.trigger,
        "markerBefore": None,
        DATA_NEWEST_DATE: None,
        "windowStart": None,
        "windowEnd": None,
        "fileCount": 0,
        "newFileCount": 0,
        "manifestUri": None,
        "ignored": [],
        DATA_IGNORED_COUNT: 0,
    }

    blocking = earlier_running_execution(sfn, execution)
    if blocking is not None:
        log.info("another run is in progress; this one stops", runningExecution=blocking)
        return {
            **result,
            DATA_DECISION: DECISION_RUN_IN_PROGRESS,
            "runningExecution": blocking,
        }

    marker = read_marker(ssm, settings.marker_parameter)
    listing = list_window(
        s3, settings.bucket, settings.data_prefix, run_date, settings.training_window_days
    )
    new_files = tuple(f for f in listing.files if marker is None or f.day > marker)
    result.update(_summary(marker, listing, new_files))
    if listing.ignored:
        log.warning(
            "objects under the data prefix ignored",
            ignoredCount=result[DATA_IGNORED_COUNT],
            ignored=result["ignored"],
        )

    if not new_files and not (run_input.force and listing.files):
        log.info("no new data", **_log_fields(result))
        return {**result, DATA_DECISION: DECISION_NO_NEW_DATA}

    to_validate = listing.files if (run_input.force or marker is None) else new_files
    for data_file in to_validate:
        summary = validate_object(s3, settings.bucket, data_file.key)
        log.debug("file validated", key=data_file.key, rows=summary.rows, columns=summary.columns)

    manifest_key = f"{settings.manifest_prefix}{execution.name}.manifest"
    try:
        s3.put_object(
            Bucket=settings.bucket,
            Key=manifest_key,
            Body=manifest_body(settings.bucket, settings.data_prefix, listing.files),
            ContentType="application/json",
        )
    except ClientError as error:
        # botocore's message names the operation, not the object: say which one and why.
        raise ManifestWriteError(
            f"writing the manifest s3://{settings.bucket}/{manifest_key} failed: {error}. "
            "No training job was started and the marker is untouched; check the bucket "
            "policy and the function's role, then start the pipeline again."
        ) from error
    result["manifestUri"] = f"s3://{settings.bucket}/{manifest_key}"
    result[DATA_DECISION] = DECISION_TRAIN
    log.info("manifest written", validatedFiles=len(to_validate), **_log_fields(result))
    return result


def _summary(
    marker: date | None, listing: WindowListing, new_files: tuple[DataFile, ...]
) -> dict[str, Any]:
    return {
        "markerBefore": marker.isoformat() if marker else None,
        DATA_NEWEST_DATE: listing.files[-1].day.isoformat() if listing.files else None,
        "windowStart": listing.start.isoformat(),
        "windowEnd": listing.end.isoformat(),
        "fileCount": len(listing.files),
        "newFileCount": len(new_files),
        "ignored": [i.as_dict() for i in listing.ignored[:MAX_IGNORED_SHOWN]],
        DATA_IGNORED_COUNT: len(listing.ignored),
    }


def _log_fields(result: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in result.items() if k != "ignored"}


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(CHECK_DATA)
S3, SSM, SFN = clients.s3(), clients.ssm(), clients.stepfunctions()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    run_input = parse_input(field(event, "input", object))
    execution = parse_execution(event)
    return check_data(
        settings=SETTINGS,
        s3=S3,
        ssm=SSM,
        sfn=SFN,
        run_input=run_input,
        execution=execution,
        log=LOG,
    )
