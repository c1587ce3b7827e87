"""Run integrity on the deployed pipeline: any execution input, run dates, changed history.

- StartExecution accepts any JSON: `[]`, `"x"`, `42`, `null`, `true` or an object with a
  stray field each end in a named failure (WrapInput -> CheckData's InputValidationError ->
  NotifyFailure -> JobFailed), and Slack hears the exact problem: never States.Runtime.
- An implausible `scheduledTime` (year 1, 9999, 1970, 2100, tomorrow) fails naming it and
  the allowed range; a forced run dated before the marker is refused unless the input says
  `allowOlderWindow`.
- A trained day that changed (overwritten, or backfilled behind the marker) is found by its
  ETag: with the lab's default `changedHistory: retrain` the window is trained again and the
  Slack message names the files; a trained file that gained a header row fails the run
  before anything is written.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, time, timedelta

import pytest

from contract.document import (
    INPUT_ALLOW_OLDER_WINDOW,
    INPUT_FORCE,
    INPUT_SCHEDULED_TIME,
    KEY_DATA,
)
from contract.errors import ERROR_DATA_VALIDATION, ERROR_INPUT_VALIDATION
from functions import window_check
from localcloud import data as sample_data
from localcloud.runtime import Run
from tests.e2e.conftest import Lab
from tests.e2e.runs import Finished, wait
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

FAILED_IN_CHECK_DATA = [p.WRAP_INPUT, p.CHECK_DATA, p.NOTIFY_FAILURE]


def run_raw(lab: Lab, raw_input: str) -> Finished:
    """Start an execution with exactly this JSON text as input (not only objects)."""
    name = f"raw-{uuid.uuid4().hex[:12]}"
    arn = lab.cloud.client("stepfunctions", lab.model.region).start_execution(
        stateMachineArn=lab.model.state_machine_arn, name=name, input=raw_input
    )["executionArn"]
    (result,) = wait(lab.cloud, Run(arn, name, lab.model))
    return result


def assert_failed_naming(result: Finished, error: str, *fragments: str) -> None:
    assert result.status == "FAILED", result.states
    assert result.states[: len(FAILED_IN_CHECK_DATA)] == FAILED_IN_CHECK_DATA, result.states
    assert result.states[-1] == p.JOB_FAILED
    message = result.error_message()
    assert message.startswith(f"{error}: "), message
    for fragment in fragments:
        assert fragment in message, message
        assert fragment in result.slack_text()
    assert "States.Runtime" not in json.dumps(result.document)


@pytest.mark.parametrize(
    ("raw_input", "named"),
    [
        pytest.param("[]", "got []", id="array"),
        pytest.param('"x"', 'got "x"', id="string"),
        pytest.param("42", "got 42", id="number"),
        pytest.param("null", "got null", id="null"),
        pytest.param("true", "got true", id="boolean"),
        pytest.param(
            '{"force": true, "junk": 1}', "unknown execution input field 'junk'", id="junk"
        ),
    ],
)
def test_any_execution_input_ends_in_a_named_failure(
    lab: Lab, day: date, raw_input: str, named: str
) -> None:
    lab.upload_day(day)
    marker, jobs = lab.marker(), lab.training_jobs()

    result = run_raw(lab, raw_input)

    assert_failed_naming(result, ERROR_INPUT_VALIDATION, named)
    assert result.document["input"] == json.loads(raw_input)
    assert (lab.marker(), lab.training_jobs()) == (marker, jobs)


@pytest.mark.parametrize(
    "scheduled",
    [
        pytest.param("0001-01-01T00:00:00Z", id="year-1"),
        pytest.param("9999-12-31T23:59:59Z", id="year-9999"),
        pytest.param("1970-01-01T00:00:00Z", id="1970"),
        pytest.param("2100-01-01T00:00:00Z", id="2100"),
        pytest.param("tomorrow", id="tomorrow"),
    ],
)
def test_an_implausible_run_date_fails_naming_scheduled_time(
    lab: Lab, day: date, scheduled: str
) -> None:
    lab.upload_day(day)
    marker, jobs = lab.marker(), lab.training_jobs()
    if scheduled == "tomorrow":
        scheduled = lab.local(day + timedelta(days=1), time(6, 0)).isoformat()

    result = lab.run({INPUT_SCHEDULED_TIME: scheduled})

    assert_failed_naming(
        result, ERROR_INPUT_VALIDATION, "execution input field scheduledTime", "plausible run time"
    )
    assert "between " in result.error_message()
    assert (lab.marker(), lab.training_jobs()) == (marker, jobs)


def test_a_forced_run_on_an_older_window_is_refused_unless_asked_for(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    assert lab.run().status == "SUCCEEDED"  # the serving model covers `day`
    jobs = lab.training_jobs()
    # The day before: plausible, and its window holds trained files, yet it ends before the
    # serving model's (the marker is `day`).
    older = lab.local(day - timedelta(days=1), time(6, 0)).isoformat()

    refused = lab.run({INPUT_FORCE: True, INPUT_SCHEDULED_TIME: older})

    assert_failed_naming(
        refused,
        ERROR_INPUT_VALIDATION,
        f"before the marker {day.isoformat()}",
        INPUT_ALLOW_OLDER_WINDOW,
    )
    assert lab.training_jobs() == jobs

    asked = lab.run(
        {INPUT_FORCE: True, INPUT_SCHEDULED_TIME: older, INPUT_ALLOW_OLDER_WINDOW: True}
    )

    assert asked.status == "SUCCEEDED", asked.error_message()
    assert asked.document[KEY_DATA]["windowEnd"] == (day - timedelta(days=1)).isoformat()
    # The older model serves: the marker says the newest day it covers, not `day`, which
    # no serving model has any more.
    older_newest = asked.document[KEY_DATA]["newestDate"]
    assert older_newest < day.isoformat()
    assert lab.marker() == older_newest
    # So the next ordinary run sees `day` as new again and trains it: nothing is skipped.
    again = lab.run()
    assert again.status == "SUCCEEDED", again.error_message()
    assert again.document[KEY_DATA]["decision"] == "train"
    assert lab.marker() == day.isoformat()


def _body(lab: Lab, key: str) -> bytes:
    s3 = lab.cloud.client("s3", lab.model.region)
    return s3.get_object(Bucket=lab.model.bucket, Key=key)["Body"].read()


def test_a_trained_file_that_gained_a_header_fails_before_training(lab: Lab, day: date) -> None:
    trained_day = lab.marker()
    assert trained_day is not None
    key = f"{lab.model.data_prefix}{trained_day}.csv"
    original = _body(lab, key)
    jobs, config = lab.training_jobs(), lab.endpoint()["EndpointConfigName"]
    lab.upload(f"{trained_day}.csv", b"rentals,temperature_c\n" + original)
    try:
        result = lab.run()

        assert_failed_naming(result, ERROR_DATA_VALIDATION, f"{key} line 1, column 1", "header row")
        assert lab.training_jobs() == jobs
        assert lab.endpoint()["EndpointConfigName"] == config
        assert lab.marker() == trained_day
    finally:
        lab.upload(f"{trained_day}.csv", original)  # the same bytes: the same ETag again
    assert lab.run().states[-1] == p.NO_NEW_DATA


def test_changed_history_retrains_and_says_which_files(lab: Lab, day: date) -> None:
    # `day` stays without a file; the next day trains: `day` is then a gap behind the marker.
    next_day = lab.next_day()
    lab.upload_day(next_day)
    assert lab.run().status == "SUCCEEDED"
    assert lab.marker() == next_day.isoformat()
    backfilled = lab.upload_day(day)
    overwritten = f"{lab.model.data_prefix}{next_day}.csv"
    lab.cloud.upload_csv(
        lab.model, next_day.isoformat(), sample_data.daily_rows(day - timedelta(365))
    )
    jobs = lab.training_jobs()

    result = lab.run()

    assert result.status == "SUCCEEDED", result.error_message()
    data = result.document[KEY_DATA]
    assert data["newFileCount"] == 0
    assert {"key": backfilled, "reason": window_check.BACKFILLED} in data["changedHistory"]
    assert {"key": overwritten, "reason": window_check.OVERWRITTEN} in data["changedHistory"]
    assert len(lab.training_jobs()) == len(jobs) + 1
    assert backfilled in result.slack_text() and overwritten in result.slack_text()
    assert "Changed history" in result.slack_text()
    # The new model's fingerprints are the serving ones now: nothing changed any more.
    assert lab.run().states[-1] == p.NO_NEW_DATA
