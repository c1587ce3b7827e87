"""CheckData: is there new training data, and if so, which files does this run train on?

Event: `{input: <execution input>, execution: {name, id, startTime, stateMachineArn}}`.
Result (`$.data`): decision (`train` / `no-new-data` / `run-in-progress` / `rollback`), runTime,
runDate, force, trigger, markerBefore, newestDate, windowStart, windowEnd, fileCount,
newFileCount, manifestUri, holdoutManifestUri, holdoutFileCount, holdoutStart, holdoutEnd,
overrideQualityGate, ignored (first 20 `{key, reason}`), ignoredCount,
changedHistory (first 20 `{key, reason}`), changedHistoryCount, drift (the drift report,
`functions.drift`: the new files' columns against the rest of the window's). Never the
file list itself (the 256 KB payload limit): the manifest holds it.

Steps, in order; each one may end the run before the next:

1. The execution input (any JSON: WrapInput hands it over as `input`) is validated: an
   object of only `force` (bool), `scheduledTime` (ISO 8601 with a zone), `trigger`,
   `allowOlderWindow` (bool), `overrideQualityGate` (bool) and `rollbackTo` ->
   InputValidationError naming the field. A `rollbackTo` run (`functions.rollback`)
   resolves its target after reading the marker, before anything else (refusals change
   nothing), checks the endpoint (step 4), takes the run lock (step 8) and returns decision
   `rollback` with `rollback` (the package's approval-stage status document), the package's
   `newestDate` and `allowOlderWindow` true; it lists no data and writes only the lock and
   a copy of the fingerprints of the run that trained the package.
2. (Overlapping runs are settled at step 8, by the model's run lock.)
3. The run's time is `input.scheduledTime` when present, else the execution's start
   time; the run date is that time's date in TIME_ZONE. Never the Lambda's clock. A
   scheduledTime more than MAX_SCHEDULED_TIME_AGE before the start or more than
   MAX_SCHEDULED_TIME_AHEAD after it -> InputValidationError naming it and the range.
4. The marker (SSM) is read: absent = never trained; not a date -> MarkerError. Then the
   endpoint (`functions.serving_endpoint`): not InService, and not deploying a config of
   this model -> EndpointNotReadyError, `force` or not, before anything is written; its
   serving EndpointConfig's tags covering a later day than the marker (a run whose marker
   write failed for good) -> the marker is advanced to that day first, and `markerRepaired`
   and `message` say so.
5. The window's files are listed and classified (see `functions.data_files`: window
   definition, ignored names, duplicate dates -> DataValidationError).
6. New data = a window file dated after the marker (every window file when there is no
   marker). Changed history = a window file at or before the marker that the serving
   model's fingerprints do not list with its current ETag (`functions.window_check`). No
   new data, no changed history and no `force` -> `no-new-data`, nothing written. A run
   dated before the marker would deploy an older window over a newer one: refused
   (InputValidationError) unless `allowOlderWindow`.
7. Content validation (see `functions.csv_validation`) of the files the serving model has
   not seen: new, overwritten or backfilled ones, or every window file when there is no
   marker or on `force` (a forced run retrains everything, so it re-checks everything);
   an unchanged file keeps the column count recorded when it was trained, and every file
   of the window must have the window's column count.
   **A bad file fails the run before anything is written**: DataValidationError naming
   the key, line, column and value; no manifest, no training, the marker untouched, and
   the failure notification shows the error. Fix or remove the file and run again.
   Changed history then retrains the window, or with CHANGED_HISTORY=report (and no
   `force`) fails the run naming the files. The files read here yield their column sums,
   recorded with the fingerprints; the drift report compares the new files' with the
   rest of the window's recorded ones (no old file is read again). It only reports:
   EvaluateModel decides what a shift does (DRIFT_ACTION).
8. One run of a model trains at a time: the run takes the model's run lock
   (`functions.run_lock`: an S3 conditional write, reclaimed from an owner that is no
   longer running). If another run holds it, the decision is `run-in-progress` with
   `runningExecution` (the owner's name), `followUpRequested` (this run had data the
   owner does not train on: the owner starts a follow-up run when it ends) and `message`
   (what Slack hears); nothing is written but the follow-up request.
9. The manifest (SageMaker ManifestFile: `[{"prefix": "s3://<bucket>/<data prefix>"},
   "2026-01-01.csv", ...]`) is written to `<manifest prefix><execution name>.manifest`,
   unique per execution, with the run's fingerprints next to it
   (`functions.fingerprints`), and the decision is `train`. If S3 refuses either (a
   bucket policy, the role), ManifestWriteError names the manifest: no training job
   exists yet. The quality gate's holdout, the window's newest HOLDOUT_DAYS files, is
   left out of that manifest and listed in `<execution name>.holdout.manifest` (the
   training job's `test` channel, EvaluateModel's rows); the marker still advances to the
   newest file, which the next run trains on. A window with no file left to train on after
   the holdout fails closed before anything is written (EvaluationError).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from contract.document import (
    DATA_ALLOW_OLDER_WINDOW,
    DATA_CHANGED_HISTORY,
    DATA_CHANGED_HISTORY_COUNT,
    DATA_DECISION,
    DATA_DRIFT,
    DATA_FOLLOW_UP_REQUESTED,
    DATA_HOLDOUT_END,
    DATA_HOLDOUT_FILE_COUNT,
    DATA_HOLDOUT_MANIFEST_URI,
    DATA_HOLDOUT_START,
    DATA_IGNORED_COUNT,
    DATA_MANIFEST_URI,
    DATA_NEWEST_DATE,
    DATA_OVERRIDE_QUALITY_GATE,
    DATA_ROLLBACK,
    DATA_RUNNING_EXECUTION,
    DECISION_NO_NEW_DATA,
    DECISION_ROLLBACK,
    DECISION_RUN_IN_PROGRESS,
    DECISION_TRAIN,
    DRIFT_SHIFTED_COUNT,
    DRIFT_SUMMARY,
    INPUT_ALLOW_OLDER_WINDOW,
    INPUT_FIELDS,
    INPUT_FORCE,
    INPUT_OVERRIDE_QUALITY_GATE,
    INPUT_SCHEDULED_TIME,
    INPUT_TRIGGER,
    PACKAGE_ARN,
    PACKAGE_EXECUTION,
    PACKAGE_FILE_COUNT,
    PACKAGE_NEWEST_DATE,
    PACKAGE_WINDOW_END,
    PACKAGE_WINDOW_START,
    STATUS_PACKAGE,
    TRIGGER_MANUAL,
    TRIGGERS,
)
from contract.errors import (
    DataValidationError,
    EvaluationError,
    InputValidationError,
    ManifestWriteError,
)
from contract.lambdas import CHANGED_HISTORY_REPORT, CHECK_DATA, CheckDataSettings
from functions import clients, drift, model_registry, rollback, run_lock, serving_endpoint
from functions.cold_start import cold_start
from functions.data_files import MAX_IGNORED_SHOWN, DataFile, WindowListing, list_window
from functions.fingerprints import Fingerprint, copy_run, read_serving, write_run
from functions.logs import StructuredLogger
from functions.markers import read_marker
from functions.orphaned_training import stop_orphaned_training_jobs
from functions.payload import field, iso_utc, parse_timestamp, shown
from functions.run_lock import Acquisition
from functions.window_check import ChangedFile, changed_history, fingerprint_window

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_stepfunctions import SFNClient


@dataclass(frozen=True)
class RunInput:
    force: bool
    scheduled_time: datetime | None
    trigger: str
    allow_older_window: bool = False
    override_quality_gate: bool = False
    # A rollback run (functions.rollback): what `rollbackTo` asked for; None for training.
    rollback_to: rollback.Target | None = None


@dataclass(frozen=True)
class Execution:
    name: str
    arn: str
    start_time: datetime
    state_machine_arn: str


def parse_input(raw: Any) -> RunInput:
    if not isinstance(raw, dict):
        # Shown as JSON (null, not None): what the caller of StartExecution wrote.
        as_json = json.dumps(raw)
        as_json = as_json if len(as_json) <= 80 else as_json[:79] + "…"
        raise InputValidationError(
            f"the execution input must be a JSON object, got {as_json}; e.g. {{}} "
            f'or {{"{INPUT_FORCE}": true}}'
        )
    unknown = sorted(set(raw) - set(INPUT_FIELDS))
    if unknown:
        raise InputValidationError(
            f"unknown execution input field {unknown[0]!r} (value {shown(raw[unknown[0]])}); "
            f"allowed: {', '.join(INPUT_FIELDS)}"
        )
    force = _flag(raw, INPUT_FORCE)
    allow_older_window = _flag(raw, INPUT_ALLOW_OLDER_WINDOW)
    override_quality_gate = _flag(raw, INPUT_OVERRIDE_QUALITY_GATE)
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
    return RunInput(
        force,
        scheduled_time,
        trigger,
        allow_older_window,
        override_quality_gate,
        rollback.parse_target(raw),
    )


def _flag(raw: dict[str, Any], name: str) -> bool:
    """An optional boolean input field (absent: false)."""
    value = raw.get(name, False)
    if not isinstance(value, bool):
        raise InputValidationError(
            f"execution input field {name} must be true or false, got {shown(value)}"
        )
    return value


# How far `scheduledTime` may be from the execution's start. EventBridge Scheduler starts a run
# at most 24 h after its scheduled time (its maximum event age), and an operator may replay a
# missed day deliberately: 30 days covers both, while a typo (1970, 2100, 0001, 9999) is
# refused instead of overflowing or silently training on an empty or future window.
MAX_SCHEDULED_TIME_AGE: Final = timedelta(days=30)
# A scheduled time never follows the start; a manual one may come from a clock a bit ahead.
MAX_SCHEDULED_TIME_AHEAD: Final = timedelta(minutes=5)


def run_time_of(run_input: RunInput, execution: Execution) -> datetime:
    """`scheduledTime` when given (within the plausible range), else the execution's start."""
    scheduled = run_input.scheduled_time
    if scheduled is None:
        return execution.start_time
    earliest = execution.start_time - MAX_SCHEDULED_TIME_AGE
    latest = execution.start_time + MAX_SCHEDULED_TIME_AHEAD
    if not earliest <= scheduled <= latest:
        raise InputValidationError(
            f"execution input field {INPUT_SCHEDULED_TIME} {iso_utc(scheduled)} is not a "
            f"plausible run time: it must be between {iso_utc(earliest)} and {iso_utc(latest)} "
            f"(at most {MAX_SCHEDULED_TIME_AGE.days} days before the execution's start "
            f"{iso_utc(execution.start_time)}, at most "
            f"{MAX_SCHEDULED_TIME_AHEAD.seconds // 60} minutes after it). Leave it out to run "
            "as of now."
        )
    return scheduled


def parse_execution(event: Any) -> Execution:
    return Execution(
        name=field(event, "execution.name", str),
        arn=field(event, "execution.id", str),
        start_time=parse_timestamp(
            field(event, "execution.startTime", str), "event field execution.startTime"
        ),
        state_machine_arn=field(event, "execution.stateMachineArn", str),
    )


def stand_aside_message(execution: Execution, model: str, lock: Acquisition) -> str:
    """What Slack hears from a run that stands aside: who trains, and what happens to the data."""
    then = (
        f"your new data will be trained by a follow-up run when {lock.owner} ends"
        if lock.follow_up_requested
        else f"{lock.owner} trains the same data, so nothing waits"
    )
    return f"run {execution.name} stands aside: run {lock.owner} trains model {model}; {then}"


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
    sagemaker: SageMakerClient,
    run_input: RunInput,
    execution: Execution,
    log: StructuredLogger,
) -> dict[str, Any]:
    run_time = run_time_of(run_input, execution)
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
        DATA_MANIFEST_URI: None,
        DATA_HOLDOUT_MANIFEST_URI: None,
        DATA_HOLDOUT_FILE_COUNT: 0,
        DATA_HOLDOUT_START: None,
        DATA_HOLDOUT_END: None,
        DATA_OVERRIDE_QUALITY_GATE: run_input.override_quality_gate,
        DATA_ALLOW_OLDER_WINDOW: run_input.allow_older_window,
        "ignored": [],
        DATA_IGNORED_COUNT: 0,
        DATA_CHANGED_HISTORY: [],
        DATA_CHANGED_HISTORY_COUNT: 0,
        DATA_DRIFT: None,
    }

    marker = read_marker(ssm, settings.marker_parameter)
    if run_input.rollback_to is not None:
        return rollback_run(
            settings=settings,
            s3=s3,
            ssm=ssm,
            sfn=sfn,
            sagemaker=sagemaker,
            target=run_input.rollback_to,
            execution=execution,
            marker=marker,
            result={**result, "markerBefore": marker.isoformat() if marker else None},
            log=log,
        )
    # Before anything is decided or written: the endpoint can take a new model (else
    # EndpointNotReadyError), and the marker has caught up with the model it serves.
    catch_up = serving_endpoint.ready_and_caught_up(
        settings=settings, sagemaker=sagemaker, s3=s3, ssm=ssm, marker=marker, log=log
    )
    marker = catch_up.marker
    result.update(catch_up.data)
    listing = list_window(
        s3, settings.bucket, settings.data_prefix, run_date, settings.training_window_days
    )
    new_files = tuple(f for f in listing.files if marker is None or f.day > marker)
    serving = read_serving(s3, settings.bucket, settings.manifest_prefix)
    changed = changed_history(listing.files, marker, serving)
    result.update(_summary(marker, listing, new_files, changed))
    if listing.ignored:
        log.warning(
            "objects under the data prefix ignored",
            ignoredCount=result[DATA_IGNORED_COUNT],
            ignored=result["ignored"],
        )
    if changed:
        log.warning(
            "window files changed since the serving model trained on them",
            changedHistoryCount=len(changed),
            changedHistory=result[DATA_CHANGED_HISTORY],
            changedHistorySetting=settings.changed_history,
        )

    if not new_files and not changed and not (run_input.force and listing.files):
        log.info("no new data", **_log_fields(result))
        return {**result, DATA_DECISION: DECISION_NO_NEW_DATA}
    refuse_older_window(run_input, run_date, marker)

    # A first or forced run retrains everything, so it re-checks everything; otherwise only
    # what the serving model has not seen (new, backfilled, overwritten files) is read.
    everything = run_input.force or marker is None
    to_validate = {f.key for f in (listing.files if everything else new_files)}
    to_validate.update(c.key for c in changed)
    fingerprints = fingerprint_window(s3, settings.bucket, listing.files, to_validate, serving)
    result[DATA_DRIFT] = drift_of(settings, fingerprints, new_files, changed, log)
    if changed and settings.changed_history == CHANGED_HISTORY_REPORT and not run_input.force:
        raise DataValidationError(changed_history_report(settings.bucket, changed))

    # The quality gate's holdout: the window's newest files, never trained on by this run.
    training_files, holdout_files = split_holdout(listing.files, settings.holdout_days)

    # One run of the model trains at a time: the lock decides which (functions.run_lock).
    claim = run_lock.Claim(result[DATA_NEWEST_DATE], result["fileCount"])
    lock = take_run_lock(
        settings=settings,
        s3=s3,
        sfn=sfn,
        sagemaker=sagemaker,
        execution=execution,
        claim=claim,
        log=log,
    )
    if not lock.acquired:
        message = stand_aside_message(execution, settings.model_name, lock)
        return stood_aside(result, lock, message, log)

    manifest_key = f"{settings.manifest_prefix}{execution.name}.manifest"
    holdout_key = f"{settings.manifest_prefix}{execution.name}.holdout.manifest"
    try:
        for key, files in ((manifest_key, training_files), (holdout_key, holdout_files)):
            s3.put_object(
                Bucket=settings.bucket,
                Key=key,
                Body=manifest_body(settings.bucket, settings.data_prefix, files),
                ContentType="application/json",
            )
        # What this run trains on; UpdateParameters makes it the serving model's record.
        write_run(s3, settings.bucket, settings.manifest_prefix, execution.name, fingerprints)
    except ClientError as error:
        # botocore's message names the operation, not the object: say which one and why.
        raise ManifestWriteError(
            f"writing the manifest s3://{settings.bucket}/{manifest_key} failed: {error}. "
            "No training job was started and the marker is untouched; check the bucket "
            "policy and the function's role, then start the pipeline again."
        ) from error
    result[DATA_MANIFEST_URI] = f"s3://{settings.bucket}/{manifest_key}"
    result[DATA_HOLDOUT_MANIFEST_URI] = f"s3://{settings.bucket}/{holdout_key}"
    result[DATA_HOLDOUT_FILE_COUNT] = len(holdout_files)
    result[DATA_HOLDOUT_START] = holdout_files[0].day.isoformat()
    result[DATA_HOLDOUT_END] = holdout_files[-1].day.isoformat()
    result[DATA_DECISION] = DECISION_TRAIN
    log.info("manifest written", validatedFiles=len(to_validate), **_log_fields(result))
    return result


def take_run_lock(
    *,
    settings: CheckDataSettings,
    s3: S3Client,
    sfn: SFNClient,
    sagemaker: SageMakerClient,
    execution: Execution,
    claim: run_lock.Claim,
    log: StructuredLogger,
) -> Acquisition:
    """The model's run lock for this run (functions.run_lock), or who holds it."""
    lock = run_lock.acquire(
        s3=s3,
        sfn=sfn,
        bucket=settings.bucket,
        key=settings.run_lock_key,
        run=run_lock.Owner(execution.name, execution.arn),
        now=execution.start_time,
        timeout_seconds=settings.run_timeout_seconds,
        claim=claim,
    )
    if not lock.acquired:
        return lock
    if lock.reclaimed_from:
        log.warning(
            "run lock reclaimed from a run that ended without releasing it",
            previousOwner=lock.reclaimed_from,
        )
    # This run holds the lock, so any training job of the model still running belongs to a run
    # that ended without its failure path (aborted, timed out, a Lambda killed mid-start).
    stop_orphaned_training_jobs(sagemaker, settings, lock.reclaimed_from, log)
    return lock


def stood_aside(
    result: dict[str, Any], lock: Acquisition, message: str, log: StructuredLogger
) -> dict[str, Any]:
    log.info(message, runningExecution=lock.owner, followUp=lock.follow_up_requested)
    return {
        **result,
        DATA_DECISION: DECISION_RUN_IN_PROGRESS,
        DATA_RUNNING_EXECUTION: lock.owner,
        DATA_FOLLOW_UP_REQUESTED: lock.follow_up_requested,
        "message": message,
    }


def rollback_run(
    *,
    settings: CheckDataSettings,
    s3: S3Client,
    ssm: SSMClient,
    sfn: SFNClient,
    sagemaker: SageMakerClient,
    target: rollback.Target,
    execution: Execution,
    marker: date | None,
    result: dict[str, Any],
    log: StructuredLogger,
) -> dict[str, Any]:
    """A rollback: the target resolved (or refused) before anything changes, the endpoint
    ready, then the run lock; no data is listed, nothing is trained (functions.rollback)."""
    resolution = rollback.resolve(sagemaker, settings, target)
    document = rollback.status_document(sagemaker, resolution, iso_utc(execution.start_time))
    package = document[STATUS_PACKAGE]
    serving_endpoint.ready_and_caught_up(
        settings=settings, sagemaker=sagemaker, s3=s3, ssm=ssm, marker=marker, log=log
    )
    # It trains no file: a run with new data that stands aside meanwhile asks for the
    # follow-up run, which trains that data once the rollback has ended (as the next run would).
    claim = run_lock.Claim(package[PACKAGE_NEWEST_DATE], 0)
    lock = take_run_lock(
        settings=settings,
        s3=s3,
        sfn=sfn,
        sagemaker=sagemaker,
        execution=execution,
        claim=claim,
        log=log,
    )
    if not lock.acquired:
        message = (
            f"run {execution.name} did not roll back to "
            f"{model_registry.package_label(package)}: run {lock.owner} holds model "
            f"{settings.model_name}'s run lock, so nothing was deployed. Start the rollback "
            f"again when {lock.owner} ends"
        )
        return stood_aside(result, lock, message, log)
    # The serving model's record becomes the package's training run's (UpdateParameters
    # promotes this run's copy): the next run then retrains exactly what it lacks.
    copied = copy_training_fingerprints(settings, s3, package, execution, log)
    log.info(
        "rolling back",
        package=package[PACKAGE_ARN],
        newestDate=package[PACKAGE_NEWEST_DATE],
        fingerprintsCopied=copied,
    )
    return {
        **result,
        DATA_DECISION: DECISION_ROLLBACK,
        DATA_ROLLBACK: document,
        DATA_NEWEST_DATE: package[PACKAGE_NEWEST_DATE],
        DATA_ALLOW_OLDER_WINDOW: True,
        "windowStart": package[PACKAGE_WINDOW_START],
        "windowEnd": package[PACKAGE_WINDOW_END],
        "fileCount": package[PACKAGE_FILE_COUNT] or 0,
        "message": document["message"],
    }


def copy_training_fingerprints(
    settings: CheckDataSettings,
    s3: S3Client,
    package: dict[str, Any],
    execution: Execution,
    log: StructuredLogger,
) -> bool:
    """The fingerprints of the run that trained `package`, as this run's; False if absent."""
    trained_by = package[PACKAGE_EXECUTION]
    try:
        if not trained_by:
            raise ValueError("the package names no execution")
        copy_run(s3, settings.bucket, settings.manifest_prefix, trained_by, execution.name)
    except (ClientError, ValueError) as error:
        log.warning(
            "the rolled-back model's fingerprints were not found: the next run reports the "
            "files it lacks as changed history",
            trainedBy=trained_by,
            error=str(error),
        )
        return False
    return True


def drift_of(
    settings: CheckDataSettings,
    fingerprints: dict[str, Fingerprint],
    new_files: tuple[DataFile, ...],
    changed: tuple[ChangedFile, ...],
    log: StructuredLogger,
) -> dict[str, Any]:
    """The drift report (functions.drift): files new to the serving model against the rest.

    Only recorded sums are added up for the rest of the window: no old file is read again.
    """
    new_keys = {f.key for f in new_files} | {c.key for c in changed}
    new, baseline, without_stats = [], [], 0
    for key, fingerprint in fingerprints.items():
        if key in new_keys and fingerprint.stats is not None:
            new.append(fingerprint.stats)
        elif fingerprint.stats is not None:
            baseline.append(fingerprint.stats)
        else:
            without_stats += 1
    report = drift.report(new, baseline, without_stats, settings.drift_threshold)
    if report[DRIFT_SHIFTED_COUNT]:
        log.warning(
            "the new files' columns shifted from the rest of the window",
            drift=report[DRIFT_SUMMARY],
            shiftedCount=report[DRIFT_SHIFTED_COUNT],
        )
    return report


def split_holdout(
    files: tuple[DataFile, ...], holdout_days: int
) -> tuple[tuple[DataFile, ...], tuple[DataFile, ...]]:
    """(training files, holdout files): the newest `holdout_days` files are held out.

    Temporal, so the holdout says something about tomorrow: the model is scored on the days
    right after those it learnt from. A window with nothing left to train on fails closed.
    """
    if len(files) <= holdout_days:
        raise EvaluationError(
            f"the window holds {len(files)} day file(s) and holdoutDays is {holdout_days}: "
            "no file is left to train on after the quality gate's holdout, so the new model "
            "could not be evaluated and nothing was trained. Upload more days, or lower "
            "holdoutDays for this model (it must stay at least 1)."
        )
    return files[:-holdout_days], files[-holdout_days:]


def refuse_older_window(run_input: RunInput, run_date: date, marker: date | None) -> None:
    """A run dated before the marker would deploy a model of an older window over a newer one."""
    if marker is None or run_date >= marker or run_input.allow_older_window:
        return
    raise InputValidationError(
        f"the run date {run_date.isoformat()} (execution input field {INPUT_SCHEDULED_TIME}) "
        f"is before the marker {marker.isoformat()}, the newest day the serving model trained "
        f"on: this run's window ends before the serving model's, and deploying it would roll "
        f"the endpoint back to older data. Leave {INPUT_SCHEDULED_TIME} out to train the "
        f'current window, or add "{INPUT_ALLOW_OLDER_WINDOW}": true to the input to deploy '
        "the older window on purpose (once it serves, the marker moves back to its newest "
        "day, so the next run trains the newer days again)."
    )


def changed_history_report(bucket: str, changed: tuple[ChangedFile, ...]) -> str:
    named = "; ".join(f"s3://{bucket}/{c.key} {c.reason}" for c in changed[:MAX_IGNORED_SHOWN])
    hidden = len(changed) - MAX_IGNORED_SHOWN
    more = f" (and {hidden} more)" if hidden > 0 else ""
    return (
        f"the window's history changed since the serving model was trained: {named}{more}. "
        f"The stack's changedHistory setting is {CHANGED_HISTORY_REPORT!r}, so nothing was "
        f"trained and the marker is untouched. Check the files, then run with "
        f'{{"{INPUT_FORCE}": true}} to retrain the window, or set changedHistory to '
        "'retrain'."
    )


def _summary(
    marker: date | None,
    listing: WindowListing,
    new_files: tuple[DataFile, ...],
    changed: tuple[ChangedFile, ...],
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
        DATA_CHANGED_HISTORY: [c.as_dict() for c in changed[:MAX_IGNORED_SHOWN]],
        DATA_CHANGED_HISTORY_COUNT: len(changed),
    }


def _log_fields(result: dict[str, Any]) -> dict[str, Any]:
    # `message` (a repaired marker's) is the log line's own field: logged by serving_endpoint.
    return {k: v for k, v in result.items() if k not in ("ignored", "message")}


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(CHECK_DATA)
S3, SSM, SFN = clients.s3(), clients.ssm(), clients.stepfunctions()
SAGEMAKER = clients.sagemaker()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    run_input = parse_input(field(event, "input", object))
    execution = parse_execution(event)
    return check_data(
        settings=SETTINGS,
        s3=S3,
        ssm=SSM,
        sfn=SFN,
        sagemaker=SAGEMAKER,
        run_input=run_input,
        execution=execution,
        log=LOG,
    )
