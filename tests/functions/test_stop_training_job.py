"""StopTrainingJob: a failed run stops its training job when, and only when, it still runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.stub import Stubber

from contract.errors import InputValidationError

pytestmark = pytest.mark.unit

JOB = "dev--linear-learner--20260110-0123abcd"


def _job(status: str) -> dict:
    return {
        "TrainingJobName": JOB,
        "TrainingJobArn": f"arn:aws:sagemaker:eu-west-1:123456789012:training-job/{JOB}",
        "TrainingJobStatus": status,
        "SecondaryStatus": status,
        "ModelArtifacts": {"S3ModelArtifacts": ""},
        "AlgorithmSpecification": {"TrainingInputMode": "File"},
        "ResourceConfig": {"VolumeSizeInGB": 10},
        "StoppingCondition": {},
        "CreationTime": datetime(2026, 1, 10, 6, tzinfo=UTC),
    }


def _event(stage: str = "training") -> dict:
    return {"status": {"stage": stage, "name": JOB, "status": "InProgress"}}


def test_a_running_job_is_stopped(load_module):
    module = load_module("stop_training_job")
    with Stubber(module.SAGEMAKER) as stub:
        stub.add_response("describe_training_job", _job("InProgress"), {"TrainingJobName": JOB})
        stub.add_response("stop_training_job", {}, {"TrainingJobName": JOB})
        result = module.handler(_event(), None)
        stub.assert_no_pending_responses()
    assert result["stopped"] is True
    assert result["statusBefore"] == "InProgress"
    assert "no longer billed" in result["message"]


@pytest.mark.parametrize("status", ["Stopping", "Stopped", "Completed", "Failed"])
def test_a_job_that_is_not_running_is_left_as_it_is(load_module, status):
    module = load_module("stop_training_job")
    with Stubber(module.SAGEMAKER) as stub:  # no StopTrainingJob expected: it would fail
        stub.add_response("describe_training_job", _job(status), {"TrainingJobName": JOB})
        result = module.handler(_event(), None)
    assert result == {
        "trainingJobName": JOB,
        "statusBefore": status,
        "stopped": False,
        "message": f"Training job {JOB} is {status}: nothing to stop",
    }


def test_a_job_that_ends_between_describe_and_stop_is_not_an_error(load_module):
    module = load_module("stop_training_job")
    with Stubber(module.SAGEMAKER) as stub:
        stub.add_response("describe_training_job", _job("InProgress"))
        stub.add_client_error(
            "stop_training_job",
            "ValidationException",
            "The request was rejected because the training job is in status Completed.",
        )
        stub.add_response("describe_training_job", _job("Completed"))
        result = module.handler(_event(), None)
    assert result["stopped"] is False
    assert "ended (Completed) before it could be stopped" in result["message"]


def test_a_stop_refused_while_the_job_still_runs_is_raised(load_module):
    """The definition catches it and goes on to NotifyFailure with the original error."""
    module = load_module("stop_training_job")
    with Stubber(module.SAGEMAKER) as stub:
        stub.add_response("describe_training_job", _job("InProgress"))
        stub.add_client_error("stop_training_job", "ThrottlingException", "Rate exceeded")
        stub.add_response("describe_training_job", _job("InProgress"))
        with pytest.raises(module.ClientError, match="ThrottlingException"):
            module.handler(_event(), None)


def test_only_a_training_status_names_a_job(load_module):
    module = load_module("stop_training_job")
    with pytest.raises(InputValidationError, match=r"status\.stage must be 'training'"):
        module.handler(_event("deployment"), None)
