"""await_status and on_sagemaker_event resume a real waiting execution.

moto runs the state machine (its Step Functions interpreter, `execute_state_machine`):
one `sqs:sendMessage.waitForTaskToken` task hands us a genuine task token, and
SendTaskSuccess/InvalidToken behave as moto implements them. moto's training jobs are
Completed at once, so a job still running is a stubbed DescribeTrainingJob (marked).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from contract.errors import InputValidationError
from contract.status import (
    EVENT_ENDPOINT_STATE_CHANGE,
    EVENT_MODEL_PACKAGE_STATE_CHANGE,
    EVENT_SOURCE,
    EVENT_TRAINING_STATE_CHANGE,
)

from . import conftest
from .conftest import BUCKET, CALLBACK_PREFIX, REGION

pytestmark = pytest.mark.unit

JOB = "linear-learner-20260110-4e65d3fb"


@pytest.fixture
def aws() -> Iterator[None]:
    """Overrides conftest's: this module needs moto to execute state machines."""
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        boto3.DEFAULT_SESSION = conftest._shared_session()
        yield


class WaitingRun:
    """An execution blocked on a task token, as CheckStatusWait is."""

    def __init__(self, sfn: Any) -> None:
        sqs = boto3.client("sqs", region_name=REGION)
        queue = sqs.create_queue(QueueName="tokens")["QueueUrl"]
        definition = {
            "StartAt": "CheckStatusWait",
            "States": {
                "CheckStatusWait": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": queue, "MessageBody": {"token.$": "$$.Task.Token"}},
                    "End": True,
                }
            },
        }
        machine = sfn.create_state_machine(
            name="waits",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/sfn",
        )["stateMachineArn"]
        self.sfn = sfn
        self.arn = sfn.start_execution(stateMachineArn=machine, name="run-1")["executionArn"]
        self.token = self._receive(sqs, queue)

    @staticmethod
    def _receive(sqs: Any, queue: str) -> str:
        for _ in range(100):
            messages = sqs.receive_message(QueueUrl=queue).get("Messages", [])
            if messages:
                return json.loads(messages[0]["Body"])["token"]
            time.sleep(0.05)
        raise AssertionError("the execution never asked for a token")

    def status_now(self) -> str:
        return self.sfn.describe_execution(executionArn=self.arn)["status"]

    def outcome(self) -> tuple[str, Any]:
        """Waits (bounded) for the execution to end; its status and output."""
        for _ in range(100):
            described = self.sfn.describe_execution(executionArn=self.arn)
            if described["status"] != "RUNNING":
                return described["status"], json.loads(described.get("output") or "null")
            time.sleep(0.05)
        return "RUNNING", None


@pytest.fixture
def run(s3, sfn) -> WaitingRun:
    return WaitingRun(sfn)


def token_object(s3, stage: str = "training", name: str = JOB) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=BUCKET, Key=f"{CALLBACK_PREFIX}{stage}/{name}.json")[
            "Body"
        ].read()
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(body)


def wait_event(token: str, stage: str = "training", name: str = JOB) -> dict[str, Any]:
    return {"taskToken": token, "stage": stage, "name": name, "execution": {"name": "run-1"}}


def training_event(status: str, name: str = JOB) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "844e2571-85d4-695f-b930-0153b71dcb42",
        "detail-type": EVENT_TRAINING_STATE_CHANGE,
        "source": EVENT_SOURCE,
        "account": "123456789012",
        "time": "2026-01-10T07:02:30Z",
        "region": REGION,
        "resources": [f"arn:aws:sagemaker:{REGION}:123456789012:training-job/{name}"],
        "detail": {"TrainingJobName": name, "TrainingJobStatus": status, "SecondaryStatus": status},
    }


def endpoint_event(status: str, name: str = "linear-learner") -> dict[str, Any]:
    return {
        "version": "0",
        "detail-type": EVENT_ENDPOINT_STATE_CHANGE,
        "source": EVENT_SOURCE,
        "time": "2026-01-10T08:00:00Z",
        "detail": {"EndpointName": name, "EndpointStatus": status, "EndpointConfigName": "x"},
    }


def register_waiting(
    load_module, token: str, stage: str = "training", name: str = JOB, status: str = "InProgress"
):
    """await_status for a resource still in progress (stubbed describe: moto finishes at once)."""
    module = load_module("await_status")
    operation, _ = (
        ("describe_training_job", "TrainingJobStatus")
        if stage == "training"
        else ("describe_endpoint", "EndpointStatus")
    )
    with Stubber(module.SAGEMAKER) as stub:
        stub.add_response(operation, _described(stage, name, status))
        result = module.handler(wait_event(token, stage, name), None)
    assert result["terminal"] is False
    return result


def _described(stage: str, name: str, status: str) -> dict[str, Any]:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 10, tzinfo=UTC)
    if stage == "training":
        return {
            "TrainingJobName": name,
            "TrainingJobArn": f"arn:aws:sagemaker:{REGION}:123456789012:training-job/{name}",
            "TrainingJobStatus": status,
            "SecondaryStatus": "Training",
            "ModelArtifacts": {"S3ModelArtifacts": ""},
            "AlgorithmSpecification": {"TrainingInputMode": "File"},
            "ResourceConfig": {"VolumeSizeInGB": 1},
            "StoppingCondition": {},
            "CreationTime": now,
        }
    return {
        "EndpointName": name,
        "EndpointArn": f"arn:aws:sagemaker:{REGION}:123456789012:endpoint/{name}",
        "EndpointStatus": status,
        "CreationTime": now,
        "LastModifiedTime": now,
    }


def test_an_already_finished_job_answers_the_wait_itself(load_module, run, s3, sagemaker):
    sagemaker.create_training_job(  # moto: Completed the moment it exists
        TrainingJobName=JOB,
        AlgorithmSpecification={"TrainingImage": "img", "TrainingInputMode": "File"},
        RoleArn="arn:aws:iam::123456789012:role/sm",
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/a/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 1},
        StoppingCondition={"MaxRuntimeInSeconds": 60},
    )
    module = load_module("await_status")

    result = module.handler(wait_event(run.token), None)

    assert result == {
        "registered": f"s3://{BUCKET}/{CALLBACK_PREFIX}training/{JOB}.json",
        "terminal": True,
    }
    assert run.outcome() == ("SUCCEEDED", {"reason": "already-terminal", "status": "Completed"})
    assert token_object(s3) is None


def test_a_running_job_leaves_the_token_for_the_event(load_module, run, s3):
    register_waiting(load_module, run.token)
    stored = token_object(s3)
    assert stored is not None
    assert (stored["taskToken"], stored["stage"], stored["name"]) == (run.token, "training", JOB)
    assert stored["execution"] == {"name": "run-1"}
    assert stored["registeredAt"].endswith("Z")
    assert run.status_now() == "RUNNING"


def test_a_terminal_training_event_resumes_the_run(load_module, run, s3):
    register_waiting(load_module, run.token)
    module = load_module("on_sagemaker_event")

    result = module.handler(training_event("Failed"), None)

    assert result == {"resumed": True, "status": "Failed"}
    assert run.outcome() == (
        "SUCCEEDED",
        {"reason": "event", "status": "Failed", "eventTime": "2026-01-10T07:02:30Z"},
    )
    assert token_object(s3) is None


def test_endpoint_events_are_normalised_to_the_api_spelling(load_module, run, s3):
    register_waiting(load_module, run.token, "deployment", "linear-learner", "Updating")
    module = load_module("on_sagemaker_event")
    result = module.handler(endpoint_event("IN_SERVICE"), None)
    assert result == {"resumed": True, "status": "InService"}
    assert run.outcome()[1]["status"] == "InService"


@pytest.mark.parametrize(
    ("event", "reason"),
    [
        (training_event("InProgress"), "not-terminal"),
        (endpoint_event("UPDATING"), "not-terminal"),
        (endpoint_event("ROLLING_BACK"), "not-terminal"),
        ({"detail-type": "SageMaker Model State Change", "detail": {}}, "ignored-event"),
        (
            {
                "detail-type": EVENT_TRAINING_STATE_CHANGE,
                "detail": {"TrainingJobName": JOB},
            },
            "ignored-event",
        ),
    ],
)
def test_other_events_are_ignored(load_module, run, s3, event, reason):
    register_waiting(load_module, run.token)
    result = load_module("on_sagemaker_event").handler(event, None)
    assert (result["resumed"], result["reason"]) == (False, reason)
    assert token_object(s3) is not None  # the wait still holds its token
    assert run.status_now() == "RUNNING"


def test_an_event_with_no_run_waiting_is_logged_and_ignored(load_module, s3, sfn, capsys):
    result = load_module("on_sagemaker_event").handler(training_event("Completed"), None)
    assert result == {"resumed": False, "reason": "no-run-waiting", "status": "Completed"}
    assert any(
        line["message"] == "no run waiting for this resource"
        for line in conftest.log_lines(capsys.readouterr().out)
    )


def test_a_stale_token_is_dropped_not_raised(load_module, s3, sfn):
    s3.put_object(
        Bucket=BUCKET,
        Key=f"{CALLBACK_PREFIX}training/{JOB}.json",
        Body=json.dumps(
            {"taskToken": "token-of-a-wait-that-timed-out", "execution": {"name": "run-0"}}
        ),
    )
    result = load_module("on_sagemaker_event").handler(training_event("Completed"), None)
    assert result == {
        "resumed": False,
        "reason": "stale-token",
        "status": "Completed",
    }  # moto: InvalidToken
    assert token_object(s3) is None


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist"])
def test_every_stale_token_error_is_tolerated(load_module, s3, code):
    """Stubbed: moto answers every unknown token with InvalidToken."""
    s3.put_object(
        Bucket=BUCKET,
        Key=f"{CALLBACK_PREFIX}training/{JOB}.json",
        Body=json.dumps({"taskToken": "old"}),
    )
    module = load_module("on_sagemaker_event")
    with Stubber(module.SFN) as stub:
        stub.add_client_error("send_task_success", code, "the task is over")
        result = module.handler(training_event("Stopped"), None)
    assert result["reason"] == "stale-token"


def test_a_newer_wait_registered_meanwhile_is_answered(load_module, run, s3):
    key = f"{CALLBACK_PREFIX}training/{JOB}.json"
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps({"taskToken": "stale"}))
    module = load_module("on_sagemaker_event")

    def newer_wait_registers(params: dict[str, Any], **_: Any) -> None:
        if params["taskToken"] == "stale":  # while we answer the stale one...
            s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps({"taskToken": run.token}))

    module.SFN.meta.events.register(
        "provide-client-params.sfn.SendTaskSuccess", newer_wait_registers
    )
    result = module.handler(training_event("Completed"), None)
    assert result == {"resumed": True, "status": "Completed"}
    assert run.outcome()[0] == "SUCCEEDED"
    assert token_object(s3) is None


def test_await_status_rejects_an_unknown_stage(load_module, s3):
    with pytest.raises(
        InputValidationError, match="event field stage must be one of training, deployment"
    ):
        load_module("await_status").handler(wait_event("t", stage="tuning"), None)


def test_a_model_package_decision_resumes_the_approval_wait(
    load_module, run, s3, sagemaker, model_registry
):
    """The approval stage waits on the package version's ARN; SageMaker's Model Package
    State Change event (Approved/Rejected, the API's spelling) answers it."""
    sagemaker.create_model_package_group(ModelPackageGroupName="dev--linear-learner")
    arn = sagemaker.create_model_package(
        ModelPackageGroupName="dev--linear-learner",
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": "img", "ModelDataUrl": f"s3://{BUCKET}/m.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )["ModelPackageArn"]
    waiting = load_module("await_status").handler(wait_event(run.token, "approval", arn), None)
    assert waiting["terminal"] is False
    assert token_object(s3, "approval", arn) is not None

    event = {
        "detail-type": EVENT_MODEL_PACKAGE_STATE_CHANGE,
        "source": EVENT_SOURCE,
        "time": "2026-01-11T09:00:00Z",
        "detail": {
            "ModelPackageArn": arn,
            "ModelPackageGroupName": "dev--linear-learner",
            "ModelApprovalStatus": "Approved",
        },
    }
    result = load_module("on_sagemaker_event").handler(event, None)

    assert result == {"resumed": True, "status": "Approved"}
    assert run.outcome()[1] == {
        "reason": "event",
        "status": "Approved",
        "eventTime": "2026-01-11T09:00:00Z",
    }
    assert token_object(s3, "approval", arn) is None
