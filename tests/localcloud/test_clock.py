"""The virtual clock drives moto's interpreter: hours of waiting pass in milliseconds, in order."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from moto import mock_aws

from localcloud.awslambda.runtime import LambdaRuntime
from localcloud.clock import ActorThread, Clock, ClockStalled, as_actor
from localcloud.stepfunctions.interpreter import install_lambda_error_names, install_virtual_time

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
REGION = "eu-west-1"


def test_time_moves_only_when_actors_are_blocked():
    clock = Clock(START)
    order: list[tuple[str, float]] = []

    def actor() -> None:
        clock.sleep(100)
        order.append(("woke", clock.now() - START.timestamp()))

    clock.call_later(50, lambda: order.append(("timer", clock.now() - START.timestamp())))
    ActorThread.clock = clock
    try:
        thread = ActorThread(target=actor)
        thread.start()
        clock.run_until(lambda: not thread.is_alive())
    finally:
        ActorThread.clock = None
    assert order == [("timer", 50.0), ("woke", 100.0)]


def test_frozen_outside_run_until_and_advance_fires_due_timers():
    clock = Clock(START)
    fired: list[float] = []
    clock.call_later(10, lambda: fired.append(clock.now()))
    clock.call_later(30, lambda: fired.append(clock.now()))
    assert clock.now() == START.timestamp()
    clock.advance(20)
    assert fired == [START.timestamp() + 10]
    assert clock.now() == START.timestamp() + 20


def test_cancelled_timer_never_fires():
    clock = Clock(START)
    fired: list[str] = []
    timer = clock.call_later(5, lambda: fired.append("x"))
    timer.cancel()
    clock.advance(10)
    assert fired == []


def test_waiting_for_something_that_cannot_happen_is_reported_not_hung():
    clock = Clock(START)
    never = threading.Event()
    with pytest.raises(ClockStalled, match="nothing is scheduled"):
        clock.run_until(never.is_set)


def test_event_set_by_a_timer_wakes_the_waiting_actor_at_that_virtual_time():
    clock = Clock(START)
    from localcloud.clock import VirtualEvent

    VirtualEvent.clock = clock
    ActorThread.clock = clock
    try:
        event = VirtualEvent()
        seen: list[tuple[bool, float]] = []

        def actor() -> None:
            seen.append((event.wait(timeout=1000), clock.now() - START.timestamp()))

        clock.call_later(250, event.set)
        thread = ActorThread(target=actor)
        thread.start()
        clock.run_until(lambda: not thread.is_alive())
    finally:
        VirtualEvent.clock = None
        ActorThread.clock = None
    assert seen == [(True, 250.0)]


def test_as_actor_lets_a_plain_thread_sleep_virtually():
    clock = Clock(START)
    done = threading.Event()

    def worker() -> None:
        with as_actor(clock):
            clock.sleep(3600)
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    clock.run_until(done.is_set)
    thread.join()
    assert clock.now() == START.timestamp() + 3600


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("stub.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


@pytest.fixture
def virtual_sfn():
    clock = Clock(START)
    runtime = LambdaRuntime()
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        uninstall = install_virtual_time(clock)
        restore_error_names = install_lambda_error_names()
        runtime.install()
        try:
            yield clock, runtime
        finally:
            runtime.close()
            restore_error_names()
            uninstall()


def _machine(definition: dict) -> tuple[object, str]:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="sfn", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    sfn = boto3.client("stepfunctions", region_name=REGION)
    arn = sfn.create_state_machine(name="m", definition=json.dumps(definition), roleArn=role)[
        "stateMachineArn"
    ]
    return sfn, arn


def _function(name: str) -> str:
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName=f"fn-{name}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    return boto3.client("lambda", region_name=REGION).create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="stub.handler",
        Code={"ZipFile": _zip()},
    )["FunctionArn"]


def _run(clock: Clock, sfn, arn: str, name: str) -> tuple[dict, list[dict]]:
    execution = sfn.start_execution(stateMachineArn=arn, name=name, input="{}")["executionArn"]

    def finished() -> bool:
        return sfn.describe_execution(executionArn=execution)["status"] != "RUNNING"

    clock.run_until(finished)
    events = sfn.get_execution_history(executionArn=execution)["events"]
    return sfn.describe_execution(executionArn=execution), events


def _offset(event: dict) -> float:
    return (event["timestamp"] - START).total_seconds()


def test_wait_callback_timeout_and_retry_run_in_virtual_time(virtual_sfn):
    clock, runtime = virtual_sfn
    register = _function("register")
    work = _function("work")
    tokens: list[str] = []

    def register_token(event: dict) -> dict:
        tokens.append(event["token"])
        return {"ok": True}

    runtime.stub("register", register_token)
    runtime.throttle("work", times=2)
    sfn, arn = _machine(
        {
            "StartAt": "Nap",
            "States": {
                "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "AwaitEvent"},
                "AwaitEvent": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {
                        "FunctionName": register,
                        "Payload": {"token.$": "$$.Task.Token"},
                    },
                    "TimeoutSeconds": 7200,
                    "ResultPath": "$.wake",
                    "Catch": [
                        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.wake", "Next": "Work"}
                    ],
                    "Next": "Work",
                },
                "Work": {
                    "Type": "Task",
                    "Resource": work,
                    "Retry": [
                        {
                            "ErrorEquals": ["Lambda.TooManyRequestsException"],
                            "IntervalSeconds": 30,
                            "BackoffRate": 2,
                            "MaxAttempts": 3,
                        }
                    ],
                    "End": True,
                },
            },
        }
    )
    sfn_client = boto3.client("stepfunctions", region_name=REGION)

    # Run 1: SageMaker "answers" 5,000 s after the start, before the 7,200 s timeout.
    def answer() -> None:
        sfn_client.send_task_success(taskToken=tokens[-1], output=json.dumps({"by": "event"}))

    clock.call_at(START.timestamp() + 5000, answer, "answer")
    execution, events = _run(clock, sfn, arn, "answered")
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["wake"] == {"by": "event"}
    exited = {
        e["stateExitedEventDetails"]["name"]: _offset(e)
        for e in events
        if "stateExitedEventDetails" in e
    }
    assert exited["Nap"] == 3600
    assert exited["AwaitEvent"] == 5000
    # Two throttles retried after 30 s then 60 s of back-off.
    assert exited["Work"] == 5090
    assert len(runtime.invocations_of("work")) == 1  # throttled calls never reach the handler

    # Run 2: nobody answers; the task times out after 7,200 virtual seconds.
    started = clock.now()
    execution, events = _run(clock, sfn, arn, "unanswered")
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["wake"]["Error"] == "States.Timeout"
    assert clock.now() - started == pytest.approx(3600 + 7200)
    start_time = execution["startDate"]
    assert start_time.astimezone(UTC) == START + timedelta(seconds=started - START.timestamp())
