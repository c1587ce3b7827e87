"""StartTrainingJob failing once the run's job may exist: the job is stopped before the task
fails, since the failure path stops only a job named in `$.status` (which a failed task never
writes). SageMaker's answers are stubbed: moto completes jobs at once and never throttles."""

from __future__ import annotations

from datetime import date

import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from contract.errors import TrainingStartError
from contract.grants import Resource
from contract.lambdas import START_TRAINING_JOB
from functions import naming

from .conftest import MODEL, STACK
from .test_training import _job, start_event

pytestmark = pytest.mark.unit

NAME = naming.run_resource_name(STACK, MODEL, "run-1", date(2026, 1, 10))
THROTTLED = ("ThrottlingException", "Rate exceeded")


def _not_found(stub: Stubber) -> None:
    stub.add_client_error(
        "describe_training_job", "ValidationException", "Requested resource not found."
    )


def test_a_retry_that_cannot_describe_the_job_it_created_stops_it(load_module, s3):
    """The first attempt created the job and timed out; the retry finds it taken, then its
    DescribeTrainingJob stays throttled."""
    module = load_module("start_training_job")
    with Stubber(module.SAGEMAKER) as stub:
        _not_found(stub)
        stub.add_client_error("create_training_job", "ResourceInUse", "already exists")
        stub.add_client_error("describe_training_job", *THROTTLED)
        # The clean-up: the job exists, InProgress, and is stopped.
        stub.add_response("describe_training_job", _job(NAME, "InProgress"))
        stub.add_response("describe_training_job", _job(NAME, "InProgress"))
        stub.add_response("stop_training_job", {}, {"TrainingJobName": NAME})
        with pytest.raises(TrainingStartError) as raised:
            module.handler(start_event(), None)
        stub.assert_no_pending_responses()
    message = str(raised.value)
    assert f"training job {NAME} was stopped, so it is not billed" in message
    assert "ThrottlingException" in message


def test_a_create_that_failed_after_creating_the_job_stops_it(load_module, s3):
    """CreateTrainingJob answered 500 but the job exists (AWS created it before failing)."""
    module = load_module("start_training_job")
    with Stubber(module.SAGEMAKER) as stub:
        _not_found(stub)
        stub.add_client_error(
            "create_training_job", "InternalFailure", "internal error", http_status_code=500
        )
        stub.add_response("describe_training_job", _job(NAME, "InProgress"))
        stub.add_response("describe_training_job", _job(NAME, "InProgress"))
        stub.add_response("stop_training_job", {}, {"TrainingJobName": NAME})
        with pytest.raises(TrainingStartError, match="was stopped"):
            module.handler(start_event(), None)
        stub.assert_no_pending_responses()


def test_a_job_that_cannot_be_stopped_gives_the_command(load_module, s3):
    module = load_module("start_training_job")
    with Stubber(module.SAGEMAKER) as stub:
        _not_found(stub)
        stub.add_client_error("create_training_job", "ResourceInUse", "already exists")
        stub.add_client_error("describe_training_job", *THROTTLED)
        stub.add_response("describe_training_job", _job(NAME, "InProgress"))
        stub.add_response("describe_training_job", _job(NAME, "InProgress"))
        stub.add_client_error("stop_training_job", *THROTTLED)
        with pytest.raises(TrainingStartError) as raised:
            module.handler(start_event(), None)
    message = str(raised.value)
    assert "could not be stopped" in message
    assert f"`aws sagemaker stop-training-job --training-job-name {NAME}`" in message


def test_a_rejected_request_that_created_nothing_fails_as_it_was(load_module, s3):
    module = load_module("start_training_job")
    with Stubber(module.SAGEMAKER) as stub:
        _not_found(stub)
        stub.add_client_error("create_training_job", "ValidationException", "bad instance type")
        _not_found(stub)
        with pytest.raises(ClientError, match="bad instance type"):
            module.handler(start_event(), None)
        stub.assert_no_pending_responses()


def test_start_training_job_may_stop_the_runs_jobs():
    granted = {
        (action, resource)
        for grant in START_TRAINING_JOB.grants
        for action in grant.actions
        for resource in grant.resources
    }
    assert ("sagemaker:StopTrainingJob", Resource.TRAINING_JOBS) in granted
