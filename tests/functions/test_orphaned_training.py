"""CheckData stops training jobs that no running execution owns (functions.orphaned_training).

SageMaker's answers are stubbed: moto completes training jobs at once, so none is ever
InProgress there."""

from __future__ import annotations

from datetime import date

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from contract.errors import OrphanedTrainingStoppingError
from contract.lambdas import CommonSettings
from functions import naming
from functions.logs import StructuredLogger
from functions.orphaned_training import stop_orphaned_training_jobs

from .conftest import MODEL, STACK

pytestmark = pytest.mark.unit

SETTINGS = CommonSettings(model_name=MODEL, stack_name=STACK, log_level="INFO")
OURS = naming.run_resource_name(STACK, MODEL, "aborted-run", date(2026, 1, 10))
# Another model whose name extends ours: the listing's NameContains matches it, we must not.
THEIRS = naming.run_resource_name(STACK, f"{MODEL}-b", "other-run", date(2026, 1, 10))


def _listing(*names: str) -> dict:
    return {
        "TrainingJobSummaries": [
            {
                "TrainingJobName": name,
                "TrainingJobArn": f"arn:aws:sagemaker:eu-west-1:123456789012:training-job/{name}",
                "CreationTime": "2026-01-10T06:00:00Z",
                "TrainingJobStatus": "InProgress",
            }
            for name in names
        ]
    }


def _client():
    return boto3.client("sagemaker", region_name="eu-west-1")


def _expected_listing(status: str = "InProgress") -> dict:
    return {"NameContains": naming.run_resource_prefix(SETTINGS), "StatusEquals": status}


def _nothing_stopping(stub: Stubber) -> None:
    stub.add_response("list_training_jobs", _listing(), _expected_listing("Stopping"))


def test_only_this_models_running_jobs_are_stopped_and_the_run_waits_for_them() -> None:
    """Stopped, the job is Stopping for a while: training now would be two at once."""
    sagemaker = _client()
    with Stubber(sagemaker) as stub:
        stub.add_response("list_training_jobs", _listing(OURS, THEIRS), _expected_listing())
        stub.add_response("stop_training_job", {}, {"TrainingJobName": OURS})
        stub.add_response(
            "list_training_jobs", _listing(OURS, THEIRS), _expected_listing("Stopping")
        )
        with pytest.raises(OrphanedTrainingStoppingError, match=f"{OURS} of model {MODEL}") as e:
            stop_orphaned_training_jobs(
                sagemaker, SETTINGS, "aborted-run", StructuredLogger("test")
            )
        stub.assert_no_pending_responses()
    assert THEIRS not in str(e.value)
    assert "were asked to stop" in str(e.value)


def test_once_they_have_stopped_the_run_goes_on() -> None:
    sagemaker = _client()
    with Stubber(sagemaker) as stub:
        stub.add_response("list_training_jobs", _listing(THEIRS), _expected_listing())
        _nothing_stopping(stub)
        assert stop_orphaned_training_jobs(sagemaker, SETTINGS, None, StructuredLogger("t")) == []
        stub.assert_no_pending_responses()


def test_nothing_running_costs_two_listings() -> None:
    sagemaker = _client()
    with Stubber(sagemaker) as stub:
        stub.add_response("list_training_jobs", _listing(), _expected_listing())
        _nothing_stopping(stub)
        assert stop_orphaned_training_jobs(sagemaker, SETTINGS, None, StructuredLogger("t")) == []
        stub.assert_no_pending_responses()


def test_a_job_that_ended_meanwhile_is_left_as_it_is() -> None:
    sagemaker = _client()
    with Stubber(sagemaker) as stub:
        stub.add_response("list_training_jobs", _listing(OURS), _expected_listing())
        stub.add_client_error(
            "stop_training_job", "ValidationException", "The job status is Completed"
        )
        _nothing_stopping(stub)
        assert stop_orphaned_training_jobs(sagemaker, SETTINGS, None, StructuredLogger("t")) == []


def test_a_refused_stop_fails_the_check_rather_than_train_beside_it() -> None:
    sagemaker = _client()
    with Stubber(sagemaker) as stub:
        stub.add_response("list_training_jobs", _listing(OURS), _expected_listing())
        stub.add_client_error("stop_training_job", "AccessDeniedException", "not allowed")
        with pytest.raises(ClientError, match="AccessDenied"):
            stop_orphaned_training_jobs(sagemaker, SETTINGS, None, StructuredLogger("t"))
