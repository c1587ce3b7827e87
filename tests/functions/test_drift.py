"""The drift report: the new files' columns against the rest of the window, from recorded sums."""

from __future__ import annotations

import json

import pytest

from contract.document import DRIFT_MEAN_SHIFT, DRIFT_SD_RATIO
from functions import drift, fingerprints
from functions.csv_validation import validate_stream

from .conftest import BUCKET, DATA_PREFIX, MANIFEST_PREFIX, MARKER, put_day, put_raw
from .test_check_data import listed
from .test_window_integrity import read_keys, run  # noqa: F401 - the fixture

pytestmark = pytest.mark.unit

DAYS = ("2026-01-05", "2026-01-06", "2026-01-07", "2026-01-08", "2026-01-09")
CLEAN = b"1.0,2.0,3.0\n4.0,5.0,6.0\n"  # each column: sd 1.5


def sums_of(rows: list[list[float]]) -> drift.ColumnSums:
    text = "\n".join(",".join(repr(v) for v in row) for row in rows).encode()
    summary = validate_stream([text], "s3://test/rows.csv")
    return drift.ColumnSums(summary.rows, summary.sums, summary.squares)


# --- the statistics ---------------------------------------------------------------------------
def test_a_mean_moved_beyond_the_threshold_is_a_shift_named_by_column():
    baseline = sums_of([[1.0, 2.0], [4.0, 5.0]])  # feature 1: mean 3.5, sd 1.5
    new = sums_of([[1.0, 20.0], [4.0, 23.0]])  # mean 21.5: 12 sd away

    (shift,) = drift.column_shifts(new, baseline, threshold=3)

    assert (shift.column, shift.statistic) == (2, DRIFT_MEAN_SHIFT)
    assert shift.value == pytest.approx(12.0)
    assert shift.as_dict()["name"] == "feature 1"
    assert shift.describe() == "feature 1 mean 3.5 → 21.5 (moved 12 sd)"


def test_a_spread_ten_times_wider_is_a_shift_even_when_the_mean_stays():
    baseline = sums_of([[0.0, -1.0], [0.0, 1.0]])
    new = sums_of([[0.0, -10.0], [0.0, 10.0]])  # a unit change of a zero-mean feature

    (shift,) = drift.column_shifts(new, baseline, threshold=3)

    assert (shift.column, shift.statistic, shift.value) == (2, DRIFT_SD_RATIO, 10.0)


def test_within_the_threshold_nothing_shifts():
    baseline = sums_of([[1.0, 2.0], [4.0, 5.0]])
    new = sums_of([[1.5, 2.5], [4.5, 5.5]])  # a third of an sd
    assert drift.column_shifts(new, baseline, threshold=3) == []


def test_a_daily_flag_constant_within_a_day_is_judged_by_its_mean_alone():
    """A weekend indicator: constant within each day, 0/1 across the window."""
    window = [[10.0, 0.0]] * 5 + [[10.0, 1.0]] * 2  # a week: 5 weekdays, 2 weekend days
    saturday = sums_of([[10.0, 1.0], [10.0, 1.0]])
    assert drift.column_shifts(saturday, sums_of(window), threshold=3) == []


def test_a_constant_baseline_that_moves_shifts_without_bound():
    baseline = sums_of([[1.0, 0.3], [2.0, 0.3], [3.0, 0.3]])  # rounding must not count as spread
    assert drift.column_shifts(sums_of([[2.0, 0.3]]), baseline, threshold=3) == []

    (shift,) = drift.column_shifts(sums_of([[2.0, 0.5]]), baseline, threshold=3)

    assert (shift.statistic, shift.value) == (DRIFT_MEAN_SHIFT, None)
    assert json.dumps(shift.as_dict())  # no Infinity: Step Functions needs strict JSON
    assert "moved off a constant" in shift.describe()


def test_the_report_counts_what_it_compared_and_the_gate_reason_names_the_shift():
    baseline = [sums_of([[1.0, 2.0], [4.0, 5.0]])] * 3
    report = drift.report([sums_of([[1.0, 20.0], [4.0, 23.0]])], baseline, 2, threshold=3)

    assert (report["newCount"], report["baselineCount"], report["withoutStatsCount"]) == (1, 3, 2)
    assert report["shiftedCount"] == 1 and report["threshold"] == 3
    assert report["summary"].startswith("1 shift(s) beyond driftThreshold 3: feature 1 mean")
    assert "2 left out (no recorded statistics)" in report["summary"]
    reason = drift.rejection(report)
    assert reason is not None and reason.startswith("data drift (driftAction reject): 1 shift")
    clean = drift.report(baseline[:1], baseline, 0, threshold=3)
    assert clean["shiftedCount"] == 0 and drift.rejection(clean) is None


def test_no_baseline_is_said_not_guessed():
    new = [sums_of([[1.0, 2.0]])]
    assert drift.report(new, [], 0, 3)["summary"] == (
        "no baseline: every window file is new to this run"
    )
    assert "4 recorded before they existed" in drift.report(new, [], 4, 3)["summary"]


# --- CheckData: sums recorded once, aggregated, never re-read ---------------------------------
def serve_with_stats(s3, ssm, version: int = 2) -> None:
    """The serving model trained on DAYS; its record has column sums (version 2) or not (1)."""
    files = {}
    for item in listed(s3):
        body = s3.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
        summary = validate_stream([body], item["Key"])
        entry = {"etag": item["ETag"], "columns": summary.columns}
        if version == 2:
            entry["stats"] = drift.ColumnSums(summary.rows, summary.sums, summary.squares).as_dict()
        files[item["Key"]] = entry
    document = {"version": version, "execution": "earlier-run", "files": files}
    put_raw(fingerprints.serving_key(MANIFEST_PREFIX), json.dumps(document).encode())
    ssm.put_parameter(Name=MARKER, Value=DAYS[-1], Type="String", Overwrite=True)


def test_a_shifted_feature_is_reported_from_recorded_sums_without_reading_old_files(
    run,  # noqa: F811 - the fixture
    s3,
    ssm,
):
    for day in DAYS:
        put_day(day, CLEAN)
    serve_with_stats(s3, ssm)
    new = put_day("2026-01-10", b"1.0,20.0,3.0\n4.0,23.0,6.0\n")

    data = run()

    assert read_keys(run.calls) == [new]  # the baseline is the recorded sums: no old file read
    report = data["drift"]
    assert (report["newCount"], report["baselineCount"], report["withoutStatsCount"]) == (1, 5, 0)
    (shifted,) = report["shifted"]
    assert shifted["column"] == 2 and shifted["name"] == "feature 1"
    assert (shifted["statistic"], shifted["value"]) == ("meanShift", 12.0)
    assert (shifted["baselineMean"], shifted["newMean"]) == (3.5, 21.5)
    # The run's record carries the new file's sums for the next run's baseline.
    recorded = json.loads(
        s3.get_object(
            Bucket=BUCKET, Key=fingerprints.run_key(MANIFEST_PREFIX, "run-2026-01-10-0600")
        )["Body"].read()
    )
    assert recorded["files"][new]["stats"]["sums"] == [5.0, 43.0, 9.0]
    assert recorded["files"][f"{DATA_PREFIX}{DAYS[0]}.csv"]["stats"]["rows"] == 2


def test_a_clean_day_reports_no_shift(run, s3, ssm):  # noqa: F811 - the fixture
    for day in DAYS:
        put_day(day, CLEAN)
    serve_with_stats(s3, ssm)
    put_day("2026-01-10", b"1.5,2.5,3.5\n4.5,5.5,6.5\n")

    report = run()["drift"]

    assert report["shiftedCount"] == 0
    assert report["summary"] == (
        "no column shifted beyond driftThreshold 3 (1 new file(s) against 5 baseline file(s))"
    )


def test_files_recorded_before_stats_are_left_out_and_counted(run, s3, ssm):  # noqa: F811
    for day in DAYS:
        put_day(day, CLEAN)
    serve_with_stats(s3, ssm, version=1)  # a record from before version 2: no sums
    new = put_day("2026-01-10", b"1.0,20.0,3.0\n4.0,23.0,6.0\n")

    data = run()

    assert read_keys(run.calls) == [new]  # still no old file read to fill the gap
    report = data["drift"]
    assert (report["baselineCount"], report["withoutStatsCount"], report["shiftedCount"]) == (
        0,
        5,
        0,
    )
    assert "5 recorded before they existed" in report["summary"]


def test_the_threshold_is_the_stack_setting(run, s3, ssm):  # noqa: F811 - the fixture
    for day in DAYS:
        put_day(day, CLEAN)
    serve_with_stats(s3, ssm)
    put_day("2026-01-10", b"1.0,20.0,3.0\n4.0,23.0,6.0\n")
    assert run(DRIFT_THRESHOLD="15")["drift"]["shiftedCount"] == 0
