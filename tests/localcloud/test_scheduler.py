"""The local EventBridge Scheduler fires every schedule at its time, including several due at
the same instant (two models on one cron), with the input shape Scheduler sends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud.clock import Clock
from localcloud.eventbridge.scheduler import LocalScheduler

pytestmark = pytest.mark.unit

REGION = "eu-west-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/scheduler"
START = datetime(2026, 3, 2, 4, 30, tzinfo=UTC)


@pytest.fixture
def cloud() -> Iterator[tuple[Clock, LocalScheduler, Any]]:
    with mock_aws():
        clock = Clock(START)
        scheduler = LocalScheduler(clock, account=ACCOUNT, region=REGION)
        scheduler.install()
        try:
            yield clock, scheduler, boto3.client("scheduler", region_name=REGION)
        finally:
            scheduler.close()


def _machine(name: str) -> str:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    return str(
        sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)["stateMachineArn"]
    )


def _schedule(client: Any, name: str, target: str, group: str = "default") -> None:
    if group != "default":
        client.create_schedule_group(Name=group)
    client.create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression="cron(0 6 * * ? *)",
        ScheduleExpressionTimezone="Europe/Paris",
        FlexibleTimeWindow={"Mode": "OFF"},
        Target={
            "Arn": target,
            "RoleArn": ROLE,
            "Input": json.dumps(
                {"trigger": "schedule", "scheduledTime": "<aws.scheduler.scheduled-time>"}
            ),
        },
    )


def test_schedules_due_at_the_same_instant_all_fire(cloud) -> None:
    clock, scheduler, client = cloud
    first, second = _machine("first"), _machine("second")
    _schedule(client, "first-daily", first, group="first")
    _schedule(client, "second-daily", second, group="second")

    clock.run_until(lambda: False, until=(START + timedelta(days=2)).timestamp())

    fired = sorted((f.scheduled_time, f.target_arn) for f in scheduler.firings)
    # 06:00 Europe/Paris in March is 05:00 UTC; each machine once a day, on both days.
    days = [datetime(2026, 3, d, 5, 0, tzinfo=UTC) for d in (2, 3)]
    assert fired == sorted((day, arn) for day in days for arn in (first, second))
    assert all(f.error is None and f.execution_arn for f in scheduler.firings)


def test_the_run_gets_the_scheduled_time_as_scheduler_sends_it(cloud) -> None:
    clock, scheduler, client = cloud
    target = _machine("only")
    _schedule(client, "daily", target)
    clock.run_until(lambda: bool(scheduler.firings))
    (firing,) = scheduler.firings
    sfn = boto3.client("stepfunctions", region_name=REGION)
    started = json.loads(sfn.describe_execution(executionArn=firing.execution_arn)["input"])
    assert started == {"trigger": "schedule", "scheduledTime": "2026-03-02T05:00:00Z"}
