"""CheckData's S3 cost for a long window in a bucket with years of daily files.

Ours is the real handler (`functions.check_data`, cold-started with its environment inside
moto); every S3 API call its client makes is counted with a botocore `before-call.s3` hook.
The baseline is the original approach, written here for comparison only: one HeadObject per
day of the window. Counts are deterministic; wall times are moto in process (no network: on
AWS every call adds a round trip, which makes the baseline's sequential calls cost more).

The bucket is in the steady state of a daily pipeline: the serving model's fingerprints
(written as UpdateParameters leaves them after the previous day's run: every older window
file's ETag and column sums) are there, so the drift report compares the one new file with
729 recorded files' sums (the stack's default `driftThreshold`); its share of the handler's
time is timed on its own.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any, Final

import boto3
import numpy as np
from botocore.exceptions import ClientError
from moto import mock_aws

from contract import lambdas
from contract.document import (
    DATA_DRIFT,
    DRIFT_BASELINE_FILES,
    DRIFT_FILES_WITHOUT_STATS,
    DRIFT_NEW_FILES,
    INPUT_SCHEDULED_TIME,
    INPUT_TRIGGER,
    TRIGGER_SCHEDULE,
)
from functions import fingerprints
from functions.csv_validation import validate_stream
from functions.drift import ColumnSums
from infra.config import model_settings_fields
from infra.naming import ModelNames
from localcloud.internals.moto_private import DEFAULT_ACCOUNT_ID, s3_backends
from localcloud.runtime import environment
from workflow.options import PipelineOptions

REGION: Final = "eu-west-1"
# Names of its own: the bench may run while another moto session (a LocalCloud) is active.
BUCKET = "bench-check-data"
MODEL = "bench-check-data"
_NAMES = ModelNames(stack="bench", model=MODEL)
DATA_PREFIX = _NAMES.data_prefix
MARKER = _NAMES.marker_parameter
TIME_ZONE = "Europe/Paris"
RUN_DATE = date(2026, 1, 10)
_FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_DEFAULT_REGION": REGION,
}


@dataclass(frozen=True)
class CheckDataCost:
    window_days: int
    files_in_bucket: int
    ours_calls: dict[str, int]  # S3 operation -> calls, the whole handler invocation
    ours_files: int
    ours_seconds: float
    baseline_calls: dict[str, int]
    baseline_files: int
    baseline_seconds: float
    # The drift report in that invocation: files compared, recorded files added up, time.
    drift_new_files: int = 0
    drift_baseline_files: int = 0
    drift_files_without_stats: int = 0
    drift_seconds: float = 0.0

    @property
    def ours_listing_calls(self) -> int:
        return self.ours_calls.get("ListObjectsV2", 0)

    @property
    def ours_total_calls(self) -> int:
        return sum(self.ours_calls.values())

    @property
    def baseline_total_calls(self) -> int:
        return sum(self.baseline_calls.values())


def original_window_check(
    s3: Any, bucket: str, prefix: str, run_date: date, window_days: int
) -> list[str]:
    """BASELINE ONLY (the system we replace): one HeadObject per day of the window."""
    found = []
    for offset in range(window_days):
        key = f"{prefix}{(run_date - timedelta(days=offset)).isoformat()}.csv"
        try:
            s3.head_object(Bucket=bucket, Key=key)
        except ClientError as error:
            if error.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                continue
            raise
        found.append(key)
    return sorted(found)


class _S3Calls:
    def __init__(self, client: Any) -> None:
        self.calls: Counter[str] = Counter()
        client.meta.events.register("before-call.s3", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.calls[model.name] += 1


def measure_check_data(window_days: int = 730, files_in_bucket: int = 3650) -> CheckDataCost:
    """`files_in_bucket` daily files ending at the run date, the marker the day before (so
    one file is new, as on a normal day), a window of `window_days`."""
    if files_in_bucket < 1 or window_days < 1:
        raise ValueError(
            f"window_days and files_in_bucket must be positive, got {window_days} and "
            f"{files_in_bucket}"
        )
    with environment(_FAKE_CREDENTIALS), mock_aws():
        setup = boto3.client("s3", region_name=REGION)
        setup.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        # Seeding is not measured: straight into moto's backend (no HTTP round trip).
        backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
        for offset in range(files_in_bucket):
            day = (RUN_DATE - timedelta(days=offset)).isoformat()
            backend.put_object(BUCKET, f"{DATA_PREFIX}{day}.csv", _day_file(offset))
        _record_serving(setup, window_days)
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=MARKER,
            Value=(RUN_DATE - timedelta(days=1)).isoformat(),
            Type="String",
            Overwrite=True,
        )
        machine_arn = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name="bench-check-data",
            definition='{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}',
            roleArn=f"arn:aws:iam::{DEFAULT_ACCOUNT_ID}:role/bench",
        )["stateMachineArn"]

        with _handler_module(_check_dataenvironment(window_days)) as module:
            ours = _S3Calls(module.S3)
            drift_timer = _Timed(module.drift_of)
            setattr(module, "drift_of", drift_timer)  # the handler's own call, timed
            started = time.perf_counter()
            result = module.handler(_event(str(machine_arn)), None)
            ours_seconds = time.perf_counter() - started

        client = boto3.client("s3", region_name=REGION)
        baseline = _S3Calls(client)
        started = time.perf_counter()
        found = original_window_check(client, BUCKET, DATA_PREFIX, RUN_DATE, window_days)
        baseline_seconds = time.perf_counter() - started
    return CheckDataCost(
        window_days=window_days,
        files_in_bucket=files_in_bucket,
        ours_calls=dict(ours.calls),
        ours_files=int(result["fileCount"]),
        ours_seconds=round(ours_seconds, 4),
        baseline_calls=dict(baseline.calls),
        baseline_files=len(found),
        baseline_seconds=round(baseline_seconds, 4),
        drift_new_files=int(result[DATA_DRIFT][DRIFT_NEW_FILES]),
        drift_baseline_files=int(result[DATA_DRIFT][DRIFT_BASELINE_FILES]),
        drift_files_without_stats=int(result[DATA_DRIFT][DRIFT_FILES_WITHOUT_STATS]),
        drift_seconds=round(drift_timer.seconds, 4),
    )


def _day_file(offset: int) -> bytes:
    """One day's file: 24 hourly rows (label, two features) drawn the same way every day, so
    the new day does not drift from the window (a normal day's run)."""
    rng = np.random.default_rng(offset)
    rows = np.column_stack([rng.normal(100, 5, 24), rng.normal(10, 2, 24), rng.random(24)])
    return "".join(",".join(f"{v:.4f}" for v in row) + "\n" for row in rows).encode()


def _record_serving(s3: Any, window_days: int) -> None:
    """The serving model's fingerprints after the previous day's run: the window's files up
    to the day before the run date, each with its ETag (as listed) and column sums, written
    and promoted by functions.fingerprints as CheckData and UpdateParameters do."""
    first = (RUN_DATE - timedelta(days=window_days - 1)).isoformat()
    recorded: dict[str, fingerprints.Fingerprint] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=DATA_PREFIX):
        for entry in page.get("Contents", []):
            day = entry["Key"].removeprefix(DATA_PREFIX).removesuffix(".csv")
            if not first <= day < RUN_DATE.isoformat():
                continue
            body = s3.get_object(Bucket=BUCKET, Key=entry["Key"])["Body"].read()
            summary = validate_stream([body], f"s3://{BUCKET}/{entry['Key']}")
            sums = ColumnSums(summary.rows, summary.sums, summary.squares)
            recorded[entry["Key"]] = fingerprints.Fingerprint(entry["ETag"], summary.columns, sums)
    previous = "bench-check-data-previous-run"
    fingerprints.write_run(s3, BUCKET, _NAMES.manifest_prefix, previous, recorded)
    fingerprints.promote(s3, BUCKET, _NAMES.manifest_prefix, previous)


class _Timed:
    """Wraps a function and adds up the wall time of its calls."""

    def __init__(self, function: Any) -> None:
        self.function = function
        self.seconds = 0.0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return self.function(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started


def _model_default(field_name: str) -> str:
    """A per-model setting's default, from its one home (infra.config.ModelSettings)."""
    for field in model_settings_fields():
        if field.name == field_name:
            return f"{field.default:g}" if isinstance(field.default, float) else str(field.default)
    raise KeyError(f"infra.config.ModelSettings has no setting field {field_name!r}")


def _check_dataenvironment(window_days: int) -> dict[str, str]:
    return {
        lambdas.MODEL_NAME.name: MODEL,
        lambdas.STACK_NAME.name: "bench",
        lambdas.LOG_LEVEL.name: "WARNING",  # the handler logs to stdout; keep the table readable
        lambdas.BUCKET.name: BUCKET,
        lambdas.DATA_PREFIX.name: DATA_PREFIX,
        lambdas.MANIFEST_PREFIX.name: _NAMES.manifest_prefix,
        lambdas.MARKER_PARAMETER.name: MARKER,
        lambdas.TRAINING_WINDOW_DAYS.name: str(window_days),
        lambdas.TIME_ZONE.name: TIME_ZONE,
        lambdas.CHANGED_HISTORY.name: lambdas.CHANGED_HISTORY_RETRAIN,
        lambdas.HOLDOUT_DAYS.name: _model_default("holdout_days"),  # the gate's holdout
        lambdas.DRIFT_THRESHOLD.name: _model_default("drift_threshold"),  # the drift report
        lambdas.RUN_LOCK_KEY.name: _NAMES.run_lock_key,
        lambdas.RUN_TIMEOUT_SECONDS.name: str(PipelineOptions().state_machine_timeout_seconds),
        # No endpoint yet in the bench: one DescribeEndpoint, answered "not found".
        lambdas.ENDPOINT_NAME.name: _NAMES.endpoint,
        # Read by a rollback run only (functions.rollback): the bench's run trains.
        lambdas.MODEL_PACKAGE_GROUP.name: _NAMES.model_package_group,
    }


def _event(state_machine_arn: str) -> dict[str, Any]:
    run_time = datetime(RUN_DATE.year, RUN_DATE.month, RUN_DATE.day, 5, tzinfo=UTC)
    name = "bench-check-data-run"
    return {
        "input": {
            INPUT_TRIGGER: TRIGGER_SCHEDULE,
            INPUT_SCHEDULED_TIME: run_time.isoformat().replace("+00:00", "Z"),
        },
        "execution": {
            "name": name,
            "id": f"{state_machine_arn.replace(':stateMachine:', ':execution:')}:{name}",
            "startTime": run_time.isoformat(),
            "stateMachineArn": state_machine_arn,
        },
    }


@contextlib.contextmanager
def _handler_module(variables: Mapping[str, str]) -> Iterator[ModuleType]:
    """A cold start of functions.check_data (settings and clients are made at import)."""
    name = lambdas.CHECK_DATA.handler.rsplit(".", 1)[0]
    with environment(variables):
        sys.modules.pop(name, None)
        try:
            yield importlib.import_module(name)
        finally:
            sys.modules.pop(name, None)  # its clients belong to this moto session
