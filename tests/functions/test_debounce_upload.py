"""DebounceUpload: a burst of uploads moves one one-time schedule; the last one wins."""

from __future__ import annotations

import json

import pytest

from contract.document import INPUT_SCHEDULED_TIME, INPUT_TRIGGER, TRIGGER_UPLOAD

from .conftest import BASE_ENV, BUCKET, DATA_PREFIX, STATE_MACHINE_ARN

pytestmark = pytest.mark.unit

GROUP = BASE_ENV["SCHEDULE_GROUP"]
NAME = BASE_ENV["DEBOUNCE_SCHEDULE_NAME"]


def upload(key: str, time: str) -> dict:
    return {
        "version": "0",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "time": time,
        "detail": {
            "version": "0",
            "bucket": {"name": BUCKET},
            "object": {"key": key, "size": 12},
            "reason": "PutObject",
        },
    }


@pytest.fixture
def debounce(load_module, scheduler):
    scheduler.create_schedule_group(Name=GROUP)
    module = load_module("debounce_upload")
    return lambda key, time: module.handler(upload(key, time), None)


def schedule(scheduler) -> dict:
    return scheduler.get_schedule(Name=NAME, GroupName=GROUP)


def test_an_upload_schedules_one_run_after_the_quiet_period(debounce, scheduler):
    result = debounce(f"{DATA_PREFIX}2026-01-10.csv", "2026-01-10T05:00:00Z")
    # 05:00 UTC + 900 s = 06:15 in Paris (UTC+1 in January).
    assert result == {"schedule": NAME, "expression": "at(2026-01-10T06:15:00)", "changed": True}
    created = schedule(scheduler)
    assert created["ScheduleExpression"] == "at(2026-01-10T06:15:00)"
    assert created["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert created["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert created["ActionAfterCompletion"] == "DELETE"
    assert created["Target"]["Arn"] == STATE_MACHINE_ARN
    assert created["Target"]["RoleArn"] == BASE_ENV["SCHEDULER_ROLE_ARN"]
    assert json.loads(created["Target"]["Input"]) == {
        INPUT_TRIGGER: TRIGGER_UPLOAD,
        INPUT_SCHEDULED_TIME: "<aws.scheduler.scheduled-time>",
    }


def test_each_upload_pushes_the_run_back_and_late_events_do_not_pull_it_forward(
    debounce, scheduler
):
    debounce(f"{DATA_PREFIX}2026-01-10.csv", "2026-01-10T05:00:00Z")
    debounce(f"{DATA_PREFIX}2026-01-11.csv", "2026-01-10T05:10:00Z")
    assert schedule(scheduler)["ScheduleExpression"] == "at(2026-01-10T06:25:00)"
    late = debounce(
        f"{DATA_PREFIX}2026-01-09.csv", "2026-01-10T05:05:00Z"
    )  # delivered out of order
    assert late["changed"] is False
    assert schedule(scheduler)["ScheduleExpression"] == "at(2026-01-10T06:25:00)"


def test_daylight_saving_time_is_applied(debounce, scheduler):
    debounce(f"{DATA_PREFIX}2026-07-01.csv", "2026-07-01T05:00:00Z")
    assert schedule(scheduler)["ScheduleExpression"] == "at(2026-07-01T07:15:00)"  # UTC+2


@pytest.mark.parametrize(
    "key",
    [
        f"{DATA_PREFIX}notes.txt",
        f"{DATA_PREFIX}2026-02-30.csv",
        f"{DATA_PREFIX}2026-01-10.csv.gz",
        f"{DATA_PREFIX}2026-01-10.CSV",
    ],
)
def test_other_keys_are_ignored(debounce, scheduler, key):
    result = debounce(key, "2026-01-10T05:00:00Z")
    assert result["changed"] is False and result["ignored"] == key
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        schedule(scheduler)
