"""CheckData against moto: window, marker, ignored names, bad files, manifest, overlaps."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from contract.document import DECISION_NO_NEW_DATA, DECISION_RUN_IN_PROGRESS, DECISION_TRAIN
from contract.errors import (
    DataValidationError,
    EvaluationError,
    InputValidationError,
    MarkerError,
)
from functions import fingerprints

from .conftest import (
    BUCKET,
    DATA_PREFIX,
    MANIFEST_PREFIX,
    MARKER,
    STATE_MACHINE_ARN,
    CallCounter,
    log_lines,
    put_day,
    put_raw,
)

pytestmark = pytest.mark.unit

RUN_TIME = "2026-01-10T05:00:00Z"  # 06:00 in Europe/Paris: run date 2026-01-10
EXECUTION = "run-2026-01-10-0600"


def event(input_: Any = None, name: str = EXECUTION, start: str = RUN_TIME) -> dict[str, Any]:
    return {
        "input": {} if input_ is None else input_,
        "execution": {
            "name": name,
            "id": f"{STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:{name}",
            "startTime": start,
            "stateMachineArn": STATE_MACHINE_ARN,
        },
    }


@pytest.fixture
def check(load_module, s3, ssm, sfn):
    sfn.create_state_machine(
        name="retraining-dev",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )

    def run(input_: Any = None, *, start: str = RUN_TIME, **env: str | None) -> dict[str, Any]:
        module = load_module("check_data", **env)
        return module.handler(event(input_, start=start), None)

    return run


def manifests(s3) -> list[str]:
    return [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=MANIFEST_PREFIX).get("Contents", [])
        if o["Key"].endswith(".manifest")  # not the fingerprints written next to it
    ]


def read_manifest(s3, uri: str) -> list[Any]:
    key = uri.removeprefix(f"s3://{BUCKET}/")
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def listed(s3) -> list[dict[str, Any]]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=DATA_PREFIX)
    return [o for page in pages for o in page.get("Contents", [])]


def record_serving(s3, until: date, columns: int = 2) -> dict[str, Any]:
    """Fingerprints as UpdateParameters leaves them: the data files up to `until`, trained."""
    files = {
        o["Key"]: {"etag": o["ETag"], "columns": columns}
        for o in listed(s3)
        if o["Key"].endswith(".csv") and o["Key"][len(DATA_PREFIX) :][:10] <= until.isoformat()
    }
    document = {"version": 1, "execution": "earlier-run", "files": files}
    put_raw(fingerprints.serving_key(MANIFEST_PREFIX), json.dumps(document).encode())
    return document


def marker_value(ssm) -> str | None:
    try:
        return ssm.get_parameter(Name=MARKER)["Parameter"]["Value"]
    except ClientError:
        return None


def test_first_run_trains_on_the_window_but_its_holdout_and_writes_both_manifests(check, s3):
    for day in ("2026-01-08", "2026-01-09", "2026-01-10"):
        put_day(day)
    put_day("2025-12-11")  # 30 days before the run date: just outside the window
    put_day("2025-12-12")  # the window's first day

    data = check()

    assert data["decision"] == DECISION_TRAIN
    assert data["runTime"] == RUN_TIME
    assert data["runDate"] == "2026-01-10"
    assert (data["windowStart"], data["windowEnd"]) == ("2025-12-12", "2026-01-10")
    assert (data["fileCount"], data["newFileCount"]) == (4, 4)
    assert data["markerBefore"] is None
    assert data["newestDate"] == "2026-01-10"
    assert data["manifestUri"] == f"s3://{BUCKET}/{MANIFEST_PREFIX}{EXECUTION}.manifest"
    assert read_manifest(s3, data["manifestUri"]) == [
        {"prefix": f"s3://{BUCKET}/{DATA_PREFIX}"},
        "2025-12-12.csv",
        "2026-01-08.csv",
        "2026-01-09.csv",
    ]
    # The quality gate's holdout (holdoutDays 1): the newest day, in a manifest of its own,
    # never in the training one; the marker still advances to it (newestDate).
    holdout_uri = f"s3://{BUCKET}/{MANIFEST_PREFIX}{EXECUTION}.holdout.manifest"
    assert data["holdoutManifestUri"] == holdout_uri
    assert read_manifest(s3, holdout_uri) == [
        {"prefix": f"s3://{BUCKET}/{DATA_PREFIX}"},
        "2026-01-10.csv",
    ]
    assert (data["holdoutFileCount"], data["holdoutStart"], data["holdoutEnd"]) == (
        1,
        "2026-01-10",
        "2026-01-10",
    )
    assert data["overrideQualityGate"] is False
    assert (data["ignored"], data["ignoredCount"]) == ([], 0)
    assert "files" not in json.dumps(data)  # counts and URIs only, never the file list


def test_holdout_days_hold_out_the_newest_files(check, s3):
    for day in ("2026-01-06", "2026-01-08", "2026-01-09", "2026-01-10"):
        put_day(day)

    data = check(HOLDOUT_DAYS="2")

    assert read_manifest(s3, data["manifestUri"])[1:] == ["2026-01-06.csv", "2026-01-08.csv"]
    assert read_manifest(s3, data["holdoutManifestUri"])[1:] == [
        "2026-01-09.csv",
        "2026-01-10.csv",
    ]
    assert (data["holdoutFileCount"], data["holdoutStart"], data["holdoutEnd"]) == (
        2,
        "2026-01-09",
        "2026-01-10",
    )


def test_a_window_with_nothing_left_to_train_on_fails_closed(check, s3):
    """A first run with one day and holdoutDays 1: the gate could not evaluate, so nothing is
    trained and nothing written (no manifest, no lock)."""
    put_day("2026-01-10")

    with pytest.raises(EvaluationError, match=r"holds 1 day file\(s\) and holdoutDays is 1"):
        check()

    assert manifests(s3) == []


def test_override_quality_gate_is_a_validated_input(check):
    put_day("2026-01-09")
    put_day("2026-01-10")
    assert check({"overrideQualityGate": True})["overrideQualityGate"] is True
    with pytest.raises(InputValidationError, match="overrideQualityGate must be true or false"):
        check({"overrideQualityGate": "yes"})


def test_only_files_after_the_marker_are_new(check, ssm):
    ssm.put_parameter(Name=MARKER, Value="2026-01-08", Type="String")
    for day in ("2026-01-07", "2026-01-08", "2026-01-09"):
        put_day(day)

    data = check()

    assert data["decision"] == DECISION_TRAIN
    assert (data["fileCount"], data["newFileCount"], data["markerBefore"]) == (3, 1, "2026-01-08")
    assert marker_value(ssm) == "2026-01-08"  # CheckData never writes the marker


def test_no_file_after_the_marker_is_no_new_data_and_writes_nothing(check, ssm, s3):
    ssm.put_parameter(Name=MARKER, Value="2026-01-09", Type="String")
    put_day("2026-01-08")
    put_day("2026-01-09")

    data = check()

    assert data["decision"] == DECISION_NO_NEW_DATA
    assert (data["fileCount"], data["newFileCount"], data["manifestUri"]) == (2, 0, None)
    assert manifests(s3) == []


def test_force_retrains_the_window_without_new_data_and_revalidates_it(check, ssm, s3):
    ssm.put_parameter(Name=MARKER, Value="2026-01-09", Type="String")
    put_day("2026-01-07")  # with the holdout's day, something to train on
    put_day("2026-01-09")
    assert check({"force": True})["decision"] == DECISION_TRAIN
    put_day("2026-01-08", b"1,2\nbroken,3\n")  # older than the marker, re-checked on force
    with pytest.raises(DataValidationError, match=r"2026-01-08\.csv line 2, column 1"):
        check({"force": True})


def test_force_with_an_empty_window_has_nothing_to_train(check, s3):
    data = check({"force": True})
    assert data["decision"] == DECISION_NO_NEW_DATA
    assert manifests(s3) == []


def test_the_run_date_is_the_scheduled_time_in_the_stack_time_zone(check):
    for day in ("2026-02-26", "2026-02-27", "2026-03-01"):  # more than the holdout
        put_day(day)
    # 23:30 UTC on Feb 28 is 00:30 on Mar 1 in Paris: the file of Mar 1 is not in the future.
    started = "2026-02-28T23:30:04Z"  # Scheduler starts the run a few seconds after its time
    data = check({"trigger": "schedule", "scheduledTime": "2026-02-28T23:30:00Z"}, start=started)
    assert (data["runDate"], data["runTime"], data["trigger"]) == (
        "2026-03-01",
        "2026-02-28T23:30:00Z",
        "schedule",
    )
    assert data["fileCount"] == 3
    utc = check({"scheduledTime": "2026-02-28T23:30:00Z"}, start=started, TIME_ZONE="UTC")
    assert utc["runDate"] == "2026-02-28"
    assert utc["ignored"] == [
        {"key": f"{DATA_PREFIX}2026-03-01.csv", "reason": "date after the run date"}
    ]


def test_unusable_names_are_ignored_and_reported(check, s3, capsys):
    put_day("2026-01-08")  # trained on, 2026-01-09 held out
    put_day("2026-01-09")
    bad = [
        put_day("2026-02-30", name="2026-02-30.csv"),  # no such date
        put_day("2026-01-11"),  # after the run date
        put_day("x", name="notes.txt"),
        put_day("2026-01-07", name="2026-01-07.csv.gz"),  # a lone day with a wrong name
    ]
    put_raw(f"{DATA_PREFIX}archive/2026-01-05.csv", b"1,2\n")  # nested folder

    data = check()

    assert data["decision"] == DECISION_TRAIN
    assert data["fileCount"] == 2
    reasons = {i["key"]: i["reason"] for i in data["ignored"]}
    assert reasons == {
        bad[0]: "not a real calendar date",
        bad[1]: "date after the run date",
        bad[2]: "name is not YYYY-MM-DD.csv",
        bad[3]: "name is not YYYY-MM-DD.csv",
        f"{DATA_PREFIX}archive/": "sub-folder (only files directly under the prefix are read)",
    }
    assert data["ignoredCount"] == 5
    assert read_manifest(s3, data["manifestUri"])[1:] == [
        "2026-01-08.csv"
    ]  # 2026-01-09 is the holdout
    logged = [line for line in log_lines(capsys.readouterr().out) if line.get("ignoredCount")]
    assert logged and logged[0]["level"] == "WARN" and logged[0]["runId"] == EXECUTION


def test_ignored_list_is_capped_at_20_but_counted(check):
    for i in range(25):
        put_day("x", name=f"zz-junk-{i:02d}.txt")
    data = check()
    assert (len(data["ignored"]), data["ignoredCount"]) == (20, 25)


@pytest.mark.parametrize(
    ("names", "message"),
    [
        (["2026-01-05.csv", "2026-01-05.CSV"], "2 files claim the date 2026-01-05"),
        (["2026-01-05.csv", "2026-01-05.csv.csv"], "2 files claim the date 2026-01-05"),
        (["2026-01-05 (1).csv", "2026-01-05.csv"], "2 files claim the date 2026-01-05"),
    ],
)
def test_duplicate_dates_fail_naming_every_key_and_write_nothing(check, s3, ssm, names, message):
    ssm.put_parameter(Name=MARKER, Value="2026-01-01", Type="String")
    keys = [put_day("2026-01-05", name=n) for n in names]
    with pytest.raises(DataValidationError) as raised:
        check()
    assert message in str(raised.value)
    for key in keys:
        assert repr(key) in str(raised.value)
    assert manifests(s3) == []
    assert marker_value(ssm) == "2026-01-01"


BAD_FILES = [
    (
        "header row",
        b"target,f1,f2\n1,2,3\n",
        "line 1, column 1: 'target' is not a finite decimal number (a header row?",
    ),
    (
        "wrong column count",
        b"1,2,3\n4,5,6\n7,8\n",
        "line 3, column 3: 2 fields where line 1 has 3 ((missing))",
    ),
    ("extra column", b"1,2\n3,4,5\n", "line 2, column 3: 3 fields where line 1 has 2 ('5')"),
    (
        "non-numeric value",
        b"1,2,3\n4,five,6\n",
        "line 2, column 2: 'five' is not a finite decimal number",
    ),
    ("not finite", b"1,2\n3,inf\n", "line 2, column 2: 'inf' is not a finite decimal number"),
    ("nan", b"1,nan\n", "line 1, column 2: 'nan'"),
    ("overflow", b"1,1e999\n", "line 1, column 2: '1e999'"),
    ("single column", b"1\n2\n", "line 1, column 2: only 1 field"),
    ("empty file", b"", "the file is empty (no rows)"),
    ("empty line", b"1,2\n\n3,4\n", "line 2, column 1: the line is empty"),
    (
        "gzip bytes",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
        "line 1, column 1: not UTF-8 text (bytes b'\\x8b",
    ),
    ("latin-1 text", b"1,2\n3,4\xe9\n", "line 2, column 2: not UTF-8 text"),
    ("long value truncated", b"1," + b"x" * 500 + b"\n", "line 1, column 2: 'xxxxxxxx"),
]


@pytest.mark.parametrize(
    ("body", "message"), [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES]
)
def test_a_bad_file_fails_the_run_before_anything_is_written(check, s3, ssm, body, message):
    ssm.put_parameter(Name=MARKER, Value="2026-01-01", Type="String")
    put_day("2026-01-04")
    key = put_day("2026-01-05", body)

    with pytest.raises(DataValidationError) as raised:
        check()

    text = str(raised.value)
    assert text.startswith(f"s3://{BUCKET}/{key}")
    assert message in text
    assert "before anything is written" in text
    assert len(text) < 700  # values are truncated, never the whole line
    assert manifests(s3) == []
    assert marker_value(ssm) == "2026-01-01"


def test_well_formed_variants_are_accepted(check):
    put_day("2026-01-07", b"1,2\r\n3,4\r\n")  # CRLF
    put_day("2026-01-08", b"-1.5,+2e-3\n.5,7.")  # no trailing newline
    put_day("2026-01-09", b"0,0\n")
    assert check()["newFileCount"] == 3


@pytest.mark.parametrize(
    ("input_", "message"),
    [
        ({"forse": True}, "unknown execution input field 'forse'"),
        ({"force": "yes"}, "execution input field force must be true or false, got 'yes'"),
        (
            {"trigger": "cron"},
            "execution input field trigger must be one of schedule, upload, manual, follow-up, "
            "got 'cron'",
        ),
        (
            {"scheduledTime": "tomorrow"},
            "execution input field scheduledTime must be an ISO 8601 timestamp, got 'tomorrow'",
        ),
        ({"scheduledTime": "2026-01-10T06:00:00"}, "scheduledTime must carry a time zone"),
        (["force"], 'the execution input must be a JSON object, got ["force"]'),
        ("x", 'the execution input must be a JSON object, got "x"'),
        (42, "the execution input must be a JSON object, got 42"),
        (True, "the execution input must be a JSON object, got true"),
    ],
)
def test_an_execution_input_of_the_wrong_shape_is_rejected_naming_the_field(
    check, s3, input_, message
):
    put_day("2026-01-09")
    with pytest.raises(InputValidationError) as raised:
        check(input_)
    assert message in str(raised.value)
    assert manifests(s3) == []


def test_a_marker_that_is_not_a_date_names_the_parameter(check, ssm):
    ssm.put_parameter(Name=MARKER, Value="last tuesday", Type="String")
    put_day("2026-01-09")
    with pytest.raises(
        MarkerError, match=f"SSM parameter {MARKER} must be a YYYY-MM-DD date, got 'last tuesday'"
    ):
        check()


def test_a_run_while_another_holds_the_run_lock_stands_aside_naming_it(load_module, s3, sfn):
    arn = sfn.create_state_machine(
        name="retraining-dev",
        definition=json.dumps(
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
        ),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    # The second run starts first and has the smaller name: neither decides any more.
    owner = sfn.start_execution(stateMachineArn=arn, name="b-owner")
    other = sfn.start_execution(stateMachineArn=arn, name="a-other")
    put_day("2026-01-08")
    put_day("2026-01-09")
    module = load_module("check_data")

    def as_event(name: str, arn_: str) -> dict[str, Any]:
        e = event({"scheduledTime": RUN_TIME}, name=name)
        e["execution"]["id"] = arn_
        return e

    first = module.handler(as_event("b-owner", owner["executionArn"]), None)
    assert first["decision"] == DECISION_TRAIN
    later = module.handler(as_event("a-other", other["executionArn"]), None)
    assert later["decision"] == DECISION_RUN_IN_PROGRESS
    assert later["runningExecution"] == "b-owner"
    assert later["followUpRequested"] is False  # the same data: the owner trains it
    assert "run a-other stands aside: run b-owner trains model linear-learner" in later["message"]
    assert [m.rsplit("/", 1)[-1] for m in manifests(s3)] == [
        "b-owner.holdout.manifest",
        "b-owner.manifest",
    ]


def test_listing_cost_grows_with_the_window_not_with_the_bucket(load_module, s3, ssm, sfn):
    """3,650 daily files, a 730-day window: at most 3 LIST calls (counted, not timed)."""
    sfn.create_state_machine(
        name="retraining-dev",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )
    run_date = date(2026, 1, 10)
    for offset in range(3650):
        put_day((run_date - timedelta(days=offset)).isoformat(), b"1,2\n")
    ssm.put_parameter(Name=MARKER, Value="2026-01-09", Type="String")
    record_serving(s3, until=date(2026, 1, 9))  # what the serving model trained on
    module = load_module("check_data", TRAINING_WINDOW_DAYS="730")
    calls = CallCounter(module.S3, "s3")  # every S3 operation, so a HeadObject per day shows

    data = module.handler(event(), None)

    assert (data["fileCount"], data["newFileCount"]) == (730, 1)
    assert data["windowStart"] == (run_date - timedelta(days=729)).isoformat()
    operations = sorted({name for name, _ in calls.calls})
    assert operations == ["GetObject", "ListObjectsV2", "PutObject"], operations
    assert 1 <= calls.count("ListObjectsV2") <= 3
    # The serving model's fingerprints, then only the new file's content: an unchanged
    # trained file is never read again (its ETag, from the listing, says it is unchanged).
    assert calls.count("GetObject") == 2
    written = sorted(
        params["Key"].rsplit(".", 1)[-1]
        for name, params in calls.calls
        if name == "PutObject" and params["Key"].startswith(MANIFEST_PREFIX)
    )
    # The run's fingerprints, the holdout manifest, the manifest.
    assert written == ["json", "manifest", "manifest"]


def test_a_window_of_two_days_ends_on_the_run_date(check):
    for day in ("2026-01-08", "2026-01-09", "2026-01-10"):
        put_day(day)
    data = check(TRAINING_WINDOW_DAYS="2")
    assert (data["windowStart"], data["windowEnd"], data["fileCount"]) == (
        "2026-01-09",
        "2026-01-10",
        2,
    )


def test_the_event_must_carry_the_execution(load_module, s3):
    module = load_module("check_data")
    with pytest.raises(
        InputValidationError, match=r"event field execution\.stateMachineArn is missing"
    ):
        module.handler(
            {"input": {}, "execution": {"name": "x", "id": "y", "startTime": RUN_TIME}}, None
        )


def test_a_refused_manifest_write_names_the_manifest_and_trains_nothing(check, s3, ssm):
    from contract.errors import ManifestWriteError

    from .conftest import MANIFEST_PREFIX

    put_day("2026-01-08")
    put_day("2026-01-09")
    s3.put_bucket_policy(
        Bucket=BUCKET,
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:PutObject",
                        "Resource": f"arn:aws:s3:::{BUCKET}/{MANIFEST_PREFIX}*",
                    }
                ],
            }
        ),
    )
    with pytest.raises(ManifestWriteError) as raised:
        check()
    message = str(raised.value)
    assert f"s3://{BUCKET}/{MANIFEST_PREFIX}{EXECUTION}.manifest" in message
    assert "No training job was started and the marker is untouched" in message
    assert manifests(s3) == []
    assert marker_value(ssm) is None
