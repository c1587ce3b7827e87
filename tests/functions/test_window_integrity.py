"""CheckData across the whole window: columns, changed history, plausible run dates.

The serving model's fingerprints (functions.fingerprints) say which files, with which ETag
and column count, it trained on; CheckData re-reads only what is new or changed.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest

from contract.document import DECISION_NO_NEW_DATA, DECISION_TRAIN
from contract.errors import DataValidationError, InputValidationError
from functions import fingerprints, window_check

from .conftest import BUCKET, DATA_PREFIX, MANIFEST_PREFIX, MARKER, CallCounter, put_day
from .test_check_data import EXECUTION, RUN_TIME, event, manifests, marker_value, record_serving

pytestmark = pytest.mark.unit

THREE_COLUMNS = b"1.0,2.0,3.0\n4.0,5.0,6.0\n"  # put_day's default content


@pytest.fixture
def run(load_module, s3):
    """CheckData's handler, with its S3 calls recorded in `run.calls` after each call."""

    def call(input_: Any = None, *, start: str = RUN_TIME, **env: str) -> dict[str, Any]:
        module = load_module("check_data", **env)
        call.calls = CallCounter(module.S3, "s3")  # type: ignore[attr-defined]
        return module.handler(event(input_, start=start), None)

    return call


def trained_until(s3, ssm, day: str) -> None:
    """A serving model trained on every file up to `day`, as a successful run leaves it."""
    ssm.put_parameter(Name=MARKER, Value=day, Type="String", Overwrite=True)
    record_serving(s3, until=date.fromisoformat(day), columns=3)


def read_keys(calls: CallCounter) -> list[str]:
    return [p["Key"] for name, p in calls.calls if name == "GetObject" and "/train/" in p["Key"]]


def nothing_written(s3, ssm, marker: str | None) -> None:
    assert manifests(s3) == []
    run_fingerprints = fingerprints.run_key(MANIFEST_PREFIX, EXECUTION)
    assert run_fingerprints not in {
        o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])
    }
    assert marker_value(ssm) == marker


# --- columns across the window ----------------------------------------------------------------
def test_a_day_with_other_columns_than_the_window_fails_before_anything_is_written(run, s3, ssm):
    for day in ("2026-01-07", "2026-01-08", "2026-01-09"):
        put_day(day)  # 3 columns, already trained
    trained_until(s3, ssm, "2026-01-09")
    new = put_day("2026-01-10", b"1,2\n3,4\n")  # valid on its own: 2 columns

    with pytest.raises(DataValidationError) as raised:
        run()

    message = str(raised.value)
    assert f"s3://{BUCKET}/{new} has 2, where 3 of its files have 3" in message
    assert "before anything is written" in message
    assert read_keys(run.calls) == [new]  # the trained files' columns come from their record
    nothing_written(s3, ssm, "2026-01-09")


def test_a_first_run_checks_columns_across_every_file(run, s3, ssm):
    put_day("2026-01-08")
    put_day("2026-01-09")
    odd = put_day("2026-01-10", b"1,2,3,4\n")
    with pytest.raises(DataValidationError, match=f"{odd} has 4, where 2 of its files have 3"):
        run()
    nothing_written(s3, ssm, None)


# --- changed history -------------------------------------------------------------------------
def test_a_trained_file_that_gained_a_header_fails_before_training(run, s3, ssm):
    put_day("2026-01-08")
    put_day("2026-01-09")
    trained_until(s3, ssm, "2026-01-09")
    overwritten = put_day("2026-01-08", b"target,a,b\n" + THREE_COLUMNS)

    with pytest.raises(DataValidationError) as raised:
        run()

    assert f"{overwritten} line 1, column 1: 'target' is not a finite decimal number" in str(
        raised.value
    )
    assert read_keys(run.calls) == [overwritten]
    nothing_written(s3, ssm, "2026-01-09")


def test_an_unchanged_window_is_no_new_data_and_reads_no_file(run, s3, ssm):
    put_day("2026-01-08")
    put_day("2026-01-09")
    trained_until(s3, ssm, "2026-01-09")
    data = run()
    assert data["decision"] == DECISION_NO_NEW_DATA
    assert (data["changedHistoryCount"], read_keys(run.calls)) == (0, [])


def overwrite_and_backfill(s3, ssm) -> tuple[str, str]:
    put_day("2026-01-07")
    put_day("2026-01-09")
    trained_until(s3, ssm, "2026-01-09")
    overwritten = put_day("2026-01-07", b"9,9,9\n" + THREE_COLUMNS)
    backfilled = put_day("2026-01-08")  # behind the marker, after the training
    return overwritten, backfilled


def test_changed_history_retrains_the_window_naming_the_files(run, s3, ssm):
    overwritten, backfilled = overwrite_and_backfill(s3, ssm)

    data = run(CHANGED_HISTORY="retrain")

    assert data["decision"] == DECISION_TRAIN
    assert data["newFileCount"] == 0
    assert data["changedHistory"] == [
        {"key": overwritten, "reason": window_check.OVERWRITTEN},
        {"key": backfilled, "reason": window_check.BACKFILLED},
    ]
    assert data["changedHistoryCount"] == 2
    assert sorted(read_keys(run.calls)) == [overwritten, backfilled]  # not the unchanged day
    assert len(manifests(s3)) == 2  # the training and the holdout manifest


def test_changed_history_is_reported_and_nothing_trained_when_set_to_report(run, s3, ssm):
    overwritten, backfilled = overwrite_and_backfill(s3, ssm)

    with pytest.raises(DataValidationError) as raised:
        run(CHANGED_HISTORY="report")

    message = str(raised.value)
    assert f"s3://{BUCKET}/{overwritten} {window_check.OVERWRITTEN}" in message
    assert f"s3://{BUCKET}/{backfilled} {window_check.BACKFILLED}" in message
    assert "changedHistory setting is 'report'" in message and '{"force": true}' in message
    nothing_written(s3, ssm, "2026-01-09")


def test_force_retrains_changed_history_even_when_set_to_report(run, s3, ssm):
    overwrite_and_backfill(s3, ssm)
    data = run({"force": True}, CHANGED_HISTORY="report")
    assert (data["decision"], data["changedHistoryCount"]) == (DECISION_TRAIN, 2)


def test_the_run_records_each_window_file_fingerprint_next_to_the_manifest(run, s3, ssm):
    put_day("2026-01-09")
    put_day("2026-01-10", b"1,2,3\n")
    run()
    key = fingerprints.run_key(MANIFEST_PREFIX, EXECUTION)
    recorded = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    etags = {
        o["Key"]: o["ETag"]
        for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=DATA_PREFIX)["Contents"]
    }
    assert recorded["version"] == 2  # version 2 records each file's column sums
    assert {k: (f["etag"], f["columns"]) for k, f in recorded["files"].items()} == {
        k: (etag, 3) for k, etag in etags.items()
    }
    # The drift report's baseline in later runs: rows, per-column sums and sums of squares.
    assert recorded["files"][f"{DATA_PREFIX}2026-01-10.csv"]["stats"] == {
        "rows": 1,
        "sums": [1.0, 2.0, 3.0],
        "squares": [1.0, 4.0, 9.0],
    }


def test_without_a_serving_record_trained_files_are_trusted_as_before(run, s3, ssm):
    """A stack upgraded from before fingerprints: no false alarm, only new files read."""
    put_day("2026-01-09")
    ssm.put_parameter(Name=MARKER, Value="2026-01-09", Type="String")
    new = put_day("2026-01-10")
    data = run()
    assert (data["decision"], data["changedHistoryCount"]) == (DECISION_TRAIN, 0)
    assert read_keys(run.calls) == [new]


def test_update_parameters_promotes_the_run_fingerprints(load_module, s3):
    key = fingerprints.run_key(MANIFEST_PREFIX, "run-1")
    s3.put_object(Bucket=BUCKET, Key=key, Body=b'{"version": 1, "files": {}}')
    module = load_module("update_parameters")
    module.promote_fingerprints(s3, BUCKET, MANIFEST_PREFIX, "run-1", module.LOG)
    serving = s3.get_object(Bucket=BUCKET, Key=fingerprints.serving_key(MANIFEST_PREFIX))
    assert serving["Body"].read() == b'{"version": 1, "files": {}}'


def test_a_missing_run_record_does_not_fail_the_deployed_run(load_module, s3, capsys):
    module = load_module("update_parameters")
    module.promote_fingerprints(s3, BUCKET, MANIFEST_PREFIX, "run-without", module.LOG)
    assert "will report this run's files as changed history" in capsys.readouterr().out


# --- plausible run dates ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "scheduled",
    [
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "1970-01-01T00:00:00Z",
        "2100-01-01T00:00:00Z",
        "2026-01-11T05:00:00Z",  # tomorrow
        "2026-01-10T05:06:00Z",  # beyond the clock-skew allowance
        "2025-12-11T04:59:59Z",  # more than 30 days before the start
    ],
)
def test_an_implausible_scheduled_time_is_refused_naming_it_and_the_range(run, s3, scheduled):
    put_day("2026-01-10")
    with pytest.raises(InputValidationError) as raised:
        run({"scheduledTime": scheduled})
    message = str(raised.value)
    assert f"execution input field scheduledTime {scheduled} is not a plausible run time" in message
    assert "between 2025-12-11T05:00:00Z and 2026-01-10T05:05:00Z" in message
    assert manifests(s3) == []


def test_a_time_before_year_one_in_utc_is_refused_not_an_overflow(run):
    with pytest.raises(InputValidationError, match="scheduledTime is out of the representable"):
        run({"scheduledTime": "0001-01-01T00:00:00+01:00"})


@pytest.mark.parametrize("scheduled", ["2025-12-11T05:00:00Z", "2026-01-10T05:05:00Z"])
def test_the_bounds_themselves_are_plausible(run, scheduled):
    # Two days in the window of the earliest run date, two in that of the latest: one to
    # train on, one held out by the quality gate.
    for day in ("2025-12-10", "2025-12-11", "2026-01-09", "2026-01-10"):
        put_day(day)
    assert run({"scheduledTime": scheduled})["decision"] == DECISION_TRAIN


# --- the older-window guard ------------------------------------------------------------------
def test_a_forced_run_dated_before_the_marker_is_refused(run, s3, ssm):
    for day in ("2026-01-04", "2026-01-05", "2026-01-09"):
        put_day(day)
    trained_until(s3, ssm, "2026-01-09")
    with pytest.raises(InputValidationError) as raised:
        run({"force": True, "scheduledTime": "2026-01-05T05:00:00Z"})
    message = str(raised.value)
    assert "run date 2026-01-05 (execution input field scheduledTime)" in message
    assert "before the marker 2026-01-09" in message and '"allowOlderWindow": true' in message
    nothing_written(s3, ssm, "2026-01-09")


def test_allow_older_window_trains_the_older_window_on_purpose(run, s3, ssm):
    for day in ("2026-01-04", "2026-01-05", "2026-01-09"):
        put_day(day)
    trained_until(s3, ssm, "2026-01-09")
    data = run({"force": True, "scheduledTime": "2026-01-05T05:00:00Z", "allowOlderWindow": True})
    assert (data["decision"], data["windowEnd"], data["newestDate"]) == (
        DECISION_TRAIN,
        "2026-01-05",
        "2026-01-05",
    )


def test_allow_older_window_must_be_a_boolean(run):
    with pytest.raises(InputValidationError, match="allowOlderWindow must be true or false"):
        run({"allowOlderWindow": "yes"})


def test_a_null_input_is_named_as_json(load_module):
    module = load_module("check_data")
    with pytest.raises(InputValidationError, match=r"must be a JSON object, got null; e\.g\. \{\}"):
        module.parse_input(None)
