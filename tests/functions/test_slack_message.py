"""The failure message tells what happened to the run's training job (`$.stop`), and a
repaired marker is shown (functions.slack_message; pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract.document import NOTIFY_KIND_FAILURE, NOTIFY_KIND_STATUS
from functions.slack_message import build_message

pytestmark = pytest.mark.unit

JOB = "dev--linear-learner--20260110-0123abcd"
EXECUTION = {"name": "run-1", "id": "not-an-arn"}


def failed_while_training(stop: dict[str, Any] | None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "status": {"stage": "training", "status": "InProgress", "name": JOB},
        "error": {
            "Error": "Pipeline.StatusCheckTimedOut",
            "Cause": "SageMaker did not reach a final status within the stage's deadline",
        },
    }
    if stop is not None:
        document["stop"] = stop
    return document


def text_of(kind: str, document: dict[str, Any]) -> str:
    text, blocks = build_message(kind, document, EXECUTION, "linear-learner", "dev")
    return text + "\n" + json.dumps(blocks)


def test_a_stopped_training_job_is_reported_as_stopped():
    stop = {
        "trainingJobName": JOB,
        "statusBefore": "InProgress",
        "stopped": True,
        "message": f"Training job {JOB} was InProgress: stopped, so it is no longer billed",
    }
    text, _ = build_message(
        NOTIFY_KIND_FAILURE, failed_while_training(stop), EXECUTION, "linear-learner", "dev"
    )
    assert "StatusCheckTimedOut" in text
    assert f"Training job {JOB} was stopped" in text


def test_a_job_that_had_already_ended_says_so():
    stop = {
        "trainingJobName": JOB,
        "statusBefore": "Completed",
        "stopped": False,
        "message": f"Training job {JOB} is Completed: nothing to stop",
    }
    text, _ = build_message(
        NOTIFY_KIND_FAILURE, failed_while_training(stop), EXECUTION, "linear-learner", "dev"
    )
    assert f"Training job {JOB} is Completed: nothing to stop" in text


def test_a_job_that_could_not_be_stopped_gives_the_command_that_stops_it():
    """StopTrainingJob's own failure is caught into $.stop as {Error, Cause}."""
    stop = {
        "Error": "ClientError",
        "Cause": json.dumps(
            {
                "errorType": "ClientError",
                "errorMessage": "An error occurred (ThrottlingException) when calling the "
                "StopTrainingJob operation: Rate exceeded",
            }
        ),
    }
    text, _ = build_message(
        NOTIFY_KIND_FAILURE, failed_while_training(stop), EXECUTION, "linear-learner", "dev"
    )
    assert f"Training job {JOB} could not be stopped: ClientError: " in text
    assert "ThrottlingException" in text
    assert f"`aws sagemaker stop-training-job --training-job-name {JOB}`" in text


def test_a_failure_before_any_training_job_says_nothing_about_one():
    document = {"error": {"Error": "DataValidationError", "Cause": "bad file"}}
    assert "Training job" not in text_of(NOTIFY_KIND_FAILURE, document)


def test_a_repaired_marker_is_shown():
    data = {
        "decision": "no-new-data",
        "markerRepaired": {
            "before": "2026-01-08",
            "after": "2026-01-09",
            "servingRun": "run-0",
            "endpointConfigName": "dev--linear-learner--20260109-00000000",
        },
        "message": "The marker ... was 2026-01-08, behind the serving model: advanced",
    }
    shown = text_of(NOTIFY_KIND_STATUS, {"data": data})
    assert "was 2026-01-08, behind the serving model (run run-0): advanced to 2026-01-09" in shown
    assert "behind the serving model: advanced" in shown  # CheckData's message is the text


def test_a_drift_report_with_shifts_is_shown_next_to_the_data_and_a_clean_one_is_not():
    summary = "1 shift(s) beyond driftThreshold 3: feature 1 mean 3.5 -> 21.5 (moved 12 sd)"
    data = {
        "decision": "train",
        "windowStart": "2026-01-01",
        "windowEnd": "2026-01-10",
        "fileCount": 10,
        "newFileCount": 1,
        "drift": {"shiftedCount": 1, "summary": summary},
    }
    status = {"stage": "training", "status": "InProgress", "name": JOB}
    shown = text_of(NOTIFY_KIND_STATUS, {"data": data, "status": status})
    assert f"*Data drift*\\n{summary}" in shown
    data["drift"] = {"shiftedCount": 0, "summary": "no column shifted beyond driftThreshold 3"}
    assert "Data drift" not in text_of(NOTIFY_KIND_STATUS, {"data": data, "status": status})
