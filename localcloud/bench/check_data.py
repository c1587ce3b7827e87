"""CheckData's S3 cost for a long window in a bucket with years of daily files.

Ours is the real handler (`functions.check_data`, cold-started with its environment inside
moto); every S3 API call its client makes is counted with a botocore `before-call.s3` hook.
The baseline is the original approach, written here for comparison only: one HeadObject per
day of the window. Counts are deterministic; wall times are moto in process (no network: on
AWS every call adds a round trip, which makes the baseline's sequential calls cost more).
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
from botocore.exceptions import ClientError
from moto import mock_aws

from contract import lambdas
from contract.document import INPUT_SCHEDULED_TIME, INPUT_TRIGGER, TRIGGER_SCHEDULE
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
            backend.put_object(BUCKET, f"{DATA_PREFIX}{day}.csv", b"1.5,2,3\n")
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
    )


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
        lambdas.RUN_LOCK_KEY.name: _NAMES.run_lock_key,
        lambdas.RUN_TIMEOUT_SECONDS.name: str(PipelineOptions().state_machine_timeout_seconds),
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
