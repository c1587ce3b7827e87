"""The bad-data table, each row driven through a whole run of the deployed pipeline.

What functions/check_data.py, csv_validation.py and data_files.py document:

- a file of the window whose *content* is unusable (header row, ragged columns, a value
  that is not a number, empty, not text at all), and two files claiming one date, FAIL the
  run in CheckData, before anything is written: DataValidationError naming the key (and
  line, field, value), JobFailed, no training job, no deploy, the marker untouched, every
  file left where it was, and the failure posted to Slack naming the file;
- an object whose *name* is not a training file of the window (not `YYYY-MM-DD.csv`, an
  impossible date, a date after the run date) is IGNORED and reported: the run trains on
  the valid files and lists the ignored ones (key and reason) in `$.data.ignored`, and its
  Slack messages name them; the object stays where it is.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from contract.document import KEY_DATA
from contract.errors import ERROR_DATA_VALIDATION
from functions import data_files
from localcloud import data
from tests.e2e.conftest import Lab, own_day
from tests.e2e.runs import Finished
from workflow import pipeline as p

pytestmark = pytest.mark.e2e


def _csv(day: date) -> bytes:
    return "".join(",".join(str(v) for v in row) + "\n" for row in data.daily_rows(day)).encode()


@dataclass(frozen=True)
class BadFile:
    """Files to put under the data prefix on `day` (name -> body), and what the error says."""

    files: Callable[[date], dict[str, bytes]]
    says: tuple[str, ...]


FAILING = {
    "header-row": BadFile(
        lambda d: {f"{d}.csv": b"rentals,temperature_c\n12,3.5\n"},
        ("line 1, column 1", "'rentals' is not a finite decimal number", "header row"),
    ),
    "wrong-number-of-columns": BadFile(
        lambda d: {f"{d}.csv": b"12,3.5,1\n13,2.5,0\n14,2.5\n"},
        ("line 3, column 3", "2 fields where line 1 has 3"),
    ),
    "non-numeric-value": BadFile(
        lambda d: {f"{d}.csv": b"12,3.5\n13,warm\n"},
        ("line 2, column 2", "'warm' is not a finite decimal number"),
    ),
    # Valid on its own, but the window's other files have more columns: SageMaker would fail.
    "columns-unlike-the-window": BadFile(
        lambda d: {f"{d}.csv": b"12,3.5,1,0\n13,2.5,0,1\n"},
        ("has 4, where", "do not all have the same number of columns"),
    ),
    "empty-file": BadFile(lambda d: {f"{d}.csv": b""}, ("the file is empty",)),
    "not-csv-content": BadFile(
        lambda d: {f"{d}.csv": gzip.compress(_csv(d), mtime=0)},
        ("line 1", "not UTF-8 text", "compressed or binary"),
    ),
    "duplicate-dates": BadFile(
        lambda d: {f"{d}.csv": _csv(d), f"{d} (1).csv": _csv(d)},
        ("2 files claim the date",),
    ),
}


@pytest.mark.parametrize("case", FAILING.values(), ids=FAILING.keys())
def test_bad_file_fails_the_run_before_anything_is_written(
    lab: Lab, day: date, case: BadFile
) -> None:
    keys = [lab.upload(name, body) for name, body in case.files(day).items()]
    before = lab.objects()
    marker, jobs = lab.marker(), lab.training_jobs()
    config = lab.endpoint()["EndpointConfigName"]

    result = lab.run()

    assert result.status == "FAILED"
    assert result.states == [
        p.WRAP_INPUT,
        p.CHECK_DATA,
        p.NOTIFY_FAILURE,
        p.RELEASE_RUN_LOCK_AFTER_FAILURE,
        p.FAILURE_BRANCH,
        p.JOB_FAILED,
    ]
    error = result.error_message()
    assert error.startswith(f"{ERROR_DATA_VALIDATION}: ")
    for key in keys:
        assert f"s3://{lab.model.bucket}/{key}" in error or repr(key) in error, error
    for fragment in case.says:
        assert fragment in error
    # Nothing written, nothing trained or deployed, nothing lost.
    assert KEY_DATA not in result.document
    assert not [m for m in lab.manifests() if result.name in m]
    assert lab.training_jobs() == jobs
    assert lab.endpoint()["EndpointConfigName"] == config
    assert lab.marker() == marker
    assert lab.objects() == before
    # The run's Slack message says it failed and names every offending file.
    assert "run failed" in result.slack_text()
    for key in keys:
        assert key in result.slack_text()


IGNORED = {
    "name-not-csv": (lambda d: "notes.txt", data_files.NOT_DATA_NAME),
    "bad-date-in-name": (lambda d: f"{d:%Y-%m}-32.csv", data_files.BAD_DATE),
    "date-in-the-future": (lambda d: f"{d + timedelta(days=1)}.csv", data_files.AFTER_RUN_DATE),
}


@dataclass
class IgnoredRun:
    day: date
    result: Finished
    keys: dict[str, str]  # case -> key
    before: dict[str, str]  # key -> ETag
    after: dict[str, str]
    marker: str | None


@pytest.mark.parametrize("case", IGNORED, ids=IGNORED.keys())
def test_ignored_object_alone_is_still_reported_to_slack(lab: Lab, day: date, case: str) -> None:
    # Before `ignored_run` (module-scoped): its objects stay until the module ends, and its
    # file dated tomorrow would be new, in-window data on the day this test gets.
    name, reason = IGNORED[case]
    key = lab.upload(name(day), b"12,3.5\n")

    result = lab.run()

    assert result.status == "SUCCEEDED"
    assert result.states[-2:] == [p.NOTIFY_IGNORED_FILES, p.NO_NEW_DATA]
    assert {"key": key, "reason": reason} in result.document[KEY_DATA]["ignored"]
    assert key in lab.objects()
    assert key in result.slack_text()


@pytest.fixture(scope="module")
def ignored_run(lab: Lab) -> Iterator[IgnoredRun]:
    """One run on a valid new day with every ignorable object next to it."""
    with own_day(lab) as day:
        lab.upload_day(day)
        keys = {
            case: lab.upload(name(day), f"ignored: {case}\n".encode())
            for case, (name, _) in IGNORED.items()
        }
        before = lab.objects()
        result = lab.run()
        yield IgnoredRun(day, result, keys, before, lab.objects(), lab.marker())


def test_ignored_objects_do_not_stop_the_run(ignored_run: IgnoredRun) -> None:
    run = ignored_run
    assert run.result.status == "SUCCEEDED", run.result.error_message()
    assert run.result.states[-1] == p.RELEASE_RUN_LOCK
    trained = run.result.document[KEY_DATA]
    assert trained["newFileCount"] == 1
    assert trained["newestDate"] == run.day.isoformat()
    # The file dated tomorrow was not trained on: the marker stops at today.
    assert run.marker == run.day.isoformat()
    assert trained["ignoredCount"] == len(IGNORED)


@pytest.mark.parametrize("case", IGNORED, ids=IGNORED.keys())
def test_ignored_object_is_reported_and_kept(ignored_run: IgnoredRun, case: str) -> None:
    key = ignored_run.keys[case]
    reason = IGNORED[case][1]
    assert {"key": key, "reason": reason} in ignored_run.result.document[KEY_DATA]["ignored"]
    assert ignored_run.after[key] == ignored_run.before[key]
    assert key in ignored_run.result.slack_text()
