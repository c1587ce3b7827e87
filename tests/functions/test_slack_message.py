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


def rollback_run(status: str, serving: bool) -> dict[str, Any]:
    """A rollback run at its deployment: $.data carries the package CheckData resolved."""
    return {
        "data": {
            "decision": "rollback",
            "rollback": {
                "stage": "approval",
                "status": "Approved",
                "message": "rolling back to version 1 of dev--linear-learner (approved by "
                "arn:aws:iam::123456789012:user/jane, trained on 2025-12-10 to 2026-01-08)",
                "package": {"version": 1, "rollback": True, "newestDate": "2026-01-08"},
            },
        },
        "status": {
            "stage": "deployment",
            "status": status,
            "name": "dev--linear-learner",
            "serving": serving,
            "rollback": True,
            "message": "Updating endpoint dev--linear-learner from a to b",
        },
    }


def test_a_rollback_says_which_version_who_approved_it_and_its_days():
    started = text_of(NOTIFY_KIND_STATUS, rollback_run("Updating", serving=False))
    assert "· rollback Updating" in started
    assert "rolling back to version 1 of dev--linear-learner (approved by " in started
    assert "user/jane, trained on 2025-12-10 to 2026-01-08)" in started
    ended = text_of(NOTIFY_KIND_STATUS, rollback_run("InService", serving=True))
    assert "rolled back: version 1 serves on endpoint dev--linear-learner" in ended
    assert "the marker moves to 2026-01-08" in ended


def test_a_rollback_the_endpoint_undid_does_not_claim_it_serves():
    text = text_of(NOTIFY_KIND_STATUS, rollback_run("InService", serving=False))
    assert "rolled back: version 1 serves" not in text
    assert "the rollback to version 1 did not complete" in text


PACKAGE_ARN = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/dev--linear-learner/3"


def approval_document(status: str, message: str) -> dict[str, Any]:
    return {
        "evaluation": {"decision": "deploy", "metric": "rmse", "challenger": 0.25},
        "status": {
            "stage": "approval",
            "status": status,
            "name": PACKAGE_ARN,
            "message": message,
            "consoleUrl": "https://eu-west-1.console.aws.amazon.com/sagemaker/home",
            "poll": {"count": 0, "timeoutSeconds": 259200, "deadlineAt": "2026-01-13T07:00:00Z"},
            "package": {
                "arn": PACKAGE_ARN,
                "group": "dev--linear-learner",
                "version": 3,
                "trainingJob": JOB,
                "windowStart": "2025-12-11",
                "windowEnd": "2026-01-09",
                "fileCount": 30,
                "metric": "rmse",
                "challengerScore": 0.25,
                "championScore": 0.3,
            },
        },
    }


def test_an_approval_request_says_what_waits_until_when_and_how_to_decide():
    text, blocks = build_message(
        NOTIFY_KIND_STATUS,
        approval_document(
            "PendingManualApproval",
            "Model package dev--linear-learner version 3 waits for manual approval",
        ),
        EXECUTION,
        "linear-learner",
        "prod",
    )
    assert "approval PendingManualApproval" in text
    assert "version 3 waits for manual approval, until 2026-01-13T07:00:00Z" in text
    assert f"Trained by {JOB} on 2025-12-11 → 2026-01-09 (30 files)" in text
    assert "rmse 0.25, serving model 0.3" in text
    for decision in ("Approved", "Rejected"):
        assert (
            f"aws sagemaker update-model-package --model-package-arn {PACKAGE_ARN} "
            f"--model-approval-status {decision} --approval-description"
        ) in text
    assert "SageMaker console" in json.dumps(blocks)
    assert "Model package" in json.dumps(blocks)


def test_a_rejection_says_who_rejected_and_that_the_previous_model_serves():
    message = (
        "Model package dev--linear-learner version 3 rejected by arn:aws:iam::1:user/kim: "
        "holiday data; it was not deployed, the endpoint keeps serving the previous model"
    )
    text = text_of(NOTIFY_KIND_STATUS, approval_document("Rejected", message))
    assert ":x:" in text and "approval Rejected" in text
    assert "rejected by arn:aws:iam::1:user/kim: holiday data" in text
    assert "marker is untouched" in text


def test_a_deployment_names_the_package_it_deploys():
    document = {
        "status": {
            "stage": "deployment",
            "status": "Updating",
            "name": "dev--linear-learner",
            "message": "Updating endpoint dev--linear-learner",
            "modelPackageArn": PACKAGE_ARN,
            "modelPackageVersion": 3,
        }
    }
    assert f"version 3: {PACKAGE_ARN}" in text_of(NOTIFY_KIND_STATUS, document)
