"""The real serialized pipeline on moto's ASL interpreter, its Lambdas replaced by stubs.

Used by the whole-machine property tests: every task result comes from a scripted SageMaker
status sequence, and time is virtual, so a run with hours of waiting takes milliseconds.
"""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
from moto import mock_aws

from contract import lambdas
from contract.document import (
    DATA_ALLOW_OLDER_WINDOW,
    DATA_DECISION,
    DECISION_TRAIN,
    PACKAGE_ARN,
    STATUS_PACKAGE,
    STATUS_POLL,
    STATUS_SERVING,
    STATUS_STAGE,
    STATUS_STATUS,
)
from contract.status import STAGE_APPROVAL, STAGE_DEPLOYMENT, STAGE_TRAINING
from functions.polling import Polling
from localcloud.awslambda.runtime import LambdaRuntime
from localcloud.clock import Clock
from localcloud.stepfunctions.interpreter import (
    install_interpreter_caches,
    install_lambda_error_names,
    install_virtual_time,
)
from workflow import pipeline as p
from workflow.options import PipelineOptions

REGION = "eu-west-1"
STUB_PACKAGE_ARN = f"arn:aws:sagemaker:{REGION}:123456789012:model-package/dev--linear-learner/1"
START = datetime(2026, 1, 2, 6, 0, tzinfo=UTC)


@dataclass
class Script:
    """What SageMaker reports, in order, to GetStatus for each stage."""

    training: list[str]
    deployment: list[str] = field(default_factory=list)
    serving: bool = True
    events: bool = False  # CheckStatusWait is answered at once (an event) or times out


@dataclass
class Outcome:
    status: str
    error: str | None
    states: list[str]
    transitions: int
    history_events: int
    invoked: dict[str, int]
    seconds: float  # virtual time from the execution's start to its end


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("stub.py", "def handler(event, context):\n    return event\n")
    return buffer.getvalue()


class StubbedPipeline:
    def __init__(self, options: PipelineOptions) -> None:
        self.options = options
        self.clock = Clock(START)
        self.runtime = LambdaRuntime()
        self._names = itertools.count()

    def __enter__(self) -> StubbedPipeline:
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self._mock.start()
        self._undo = [
            install_virtual_time(self.clock),
            install_lambda_error_names(),
            install_interpreter_caches(),
        ]
        self.runtime.install()
        iam = boto3.client("iam", region_name=REGION)
        role = iam.create_role(RoleName="stub", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        functions = boto3.client("lambda", region_name=REGION)
        arns = {
            spec.key: functions.create_function(
                FunctionName=spec.key,
                Runtime="python3.12",
                Role=role,
                Handler="stub.handler",
                Code={"ZipFile": _zip()},
            )["FunctionArn"]
            for spec in lambdas.PIPELINE_FUNCTIONS
        }
        self.sfn = boto3.client("stepfunctions", region_name=REGION)
        definition = p.build_pipeline(self.options).to_json(resolve=arns)
        self.arn = self.sfn.create_state_machine(
            name="pipeline", definition=definition, roleArn=role
        )["stateMachineArn"]
        return self

    def __exit__(self, *exc: object) -> None:
        self.runtime.close()
        for undo in reversed(self._undo):
            undo()
        self._mock.stop()

    def run(self, script: Script) -> Outcome:
        self._install_stubs(script)
        self.runtime.invocations.clear()
        execution = self.sfn.start_execution(
            stateMachineArn=self.arn, name=f"run-{next(self._names)}", input="{}"
        )["executionArn"]

        def finished() -> bool:
            return self.sfn.describe_execution(executionArn=execution)["status"] != "RUNNING"

        self.clock.run_until(finished)
        described = self.sfn.describe_execution(executionArn=execution)
        events = list(self._history(execution))
        states = [
            e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
        ]
        invoked: dict[str, int] = {}
        for invocation in self.runtime.invocations:
            invoked[invocation.function_name] = invoked.get(invocation.function_name, 0) + 1
        return Outcome(
            status=described["status"],
            error=described.get("error"),
            states=states,
            transitions=len(states),
            history_events=len(events),
            invoked=invoked,
            seconds=(described["stopDate"] - described["startDate"]).total_seconds(),
        )

    def _history(self, execution: str) -> Iterator[dict[str, Any]]:
        token = None
        while True:
            page = self.sfn.get_execution_history(
                executionArn=execution, maxResults=1000, **({"nextToken": token} if token else {})
            )
            yield from page["events"]
            token = page.get("nextToken")
            if not token:
                return

    def _install_stubs(self, script: Script) -> None:
        remaining = {
            STAGE_TRAINING: list(script.training),
            STAGE_DEPLOYMENT: list(script.deployment),
        }
        sfn = self.sfn

        def status_doc(stage: str, status: str, poll: dict[str, Any], name: str) -> dict:
            return {
                STATUS_STAGE: stage,
                STATUS_STATUS: status,
                "name": name,
                "message": f"{stage} is {status}",
                STATUS_SERVING: stage == STAGE_DEPLOYMENT
                and status == "InService"
                and script.serving,
                STATUS_POLL: poll,
            }

        def first_poll(event: dict) -> dict[str, Any]:
            # The real poll arithmetic (deadline stamped, timeouts capped by it).
            return Polling.from_event(event).first()

        def check_data(event: dict) -> dict:
            return {
                DATA_DECISION: DECISION_TRAIN,
                "newestDate": "2026-01-02",
                DATA_ALLOW_OLDER_WINDOW: False,
            }

        def start_training_job(event: dict) -> dict:
            return status_doc(STAGE_TRAINING, "InProgress", first_poll(event), "job-1")

        def deploy_model(event: dict) -> dict:
            return status_doc(STAGE_DEPLOYMENT, "Creating", first_poll(event), "endpoint")

        def get_status(event: dict) -> dict:
            previous = event["status"]
            stage = previous[STATUS_STAGE]
            status = remaining[stage].pop(0) if remaining[stage] else "InProgress"
            next_poll = Polling.from_event(event).after(previous[STATUS_POLL])
            return status_doc(stage, status, next_poll, previous["name"])

        def await_status(event: dict) -> dict:
            if script.events:
                sfn.send_task_success(
                    taskToken=event["taskToken"], output=json.dumps({"reason": "event"})
                )
            return {"registered": "stub"}

        stubs = {
            lambdas.CHECK_DATA.key: check_data,
            lambdas.START_TRAINING_JOB.key: start_training_job,
            lambdas.GET_STATUS.key: get_status,
            lambdas.AWAIT_STATUS.key: await_status,
            # The quality gate lets every model through: these scripts are about the waits.
            lambdas.EVALUATE_MODEL.key: lambda event: {"decision": "deploy"},
            lambdas.DEPLOY_MODEL.key: deploy_model,
            lambdas.NOTIFY_SLACK.key: lambda event: {"posted": False, "reason": "disabled"},
            lambdas.UPDATE_PARAMETERS.key: lambda event: {"advanced": True},
            lambdas.STOP_TRAINING_JOB.key: lambda event: {"stopped": True},
            # Approved at once (automatic approval): these scripts are about the waits.
            lambdas.REGISTER_MODEL.key: lambda event: {
                **status_doc(STAGE_APPROVAL, "Approved", first_poll(event), STUB_PACKAGE_ARN),
                STATUS_PACKAGE: {PACKAGE_ARN: STUB_PACKAGE_ARN, "approvalStatus": "Approved"},
            },
        }
        for key, stub in stubs.items():
            self.runtime.stub(key, stub)
