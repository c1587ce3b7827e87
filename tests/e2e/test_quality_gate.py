"""The quality gate on the embedded runtime: real scores on the real holdout, both models.

The local SageMaker scores the new model on its `test` channel (the run's holdout, the
newest day) and EvaluateModel scores the serving endpoint on the same rows. A corrupted day
is made by overwriting yesterday's file with its labels in the wrong unit (x10, an upstream
export gone wrong): the changed history is retrained (the default `retrain`), so the new
model learns from it while today's clean day is held out.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from contract import names
from contract.document import KEY_EVALUATION
from functions.model_registry import find_run_package
from localcloud import data
from tests.e2e.conftest import Lab
from tests.e2e.runs import Finished
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

PROBE = [[12.0, 65.0, 10.0, 0.5, -0.8, 0.0, 0.0]]


def _corrupt(lab: Lab, day: date) -> None:
    rows = [[row[0] * 10, *row[1:]] for row in data.daily_rows(day)]
    lab.cloud.upload_csv(lab.model, day.isoformat(), rows)


def _evaluation(lab: Lab, result: Finished) -> dict:
    evaluation = result.document[KEY_EVALUATION]
    bucket, _, key = evaluation["evaluationUri"].removeprefix("s3://").partition("/")
    stored = lab.cloud.client("s3", lab.model.region).get_object(Bucket=bucket, Key=key)
    assert json.loads(stored["Body"].read())["decision"] == evaluation["decision"]
    return evaluation


def _package(lab: Lab, result: Finished) -> dict:
    """The model package this run registered (DescribeModelPackage)."""
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    group = names.model_package_group_name(lab.model.stack, lab.model.model)
    described = find_run_package(sagemaker, group, result.name)
    assert described is not None, f"{result.name} registered no model package in {group}"
    return described


def test_a_clean_day_deploys_equal_within_tolerance(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    before = lab.endpoint()["EndpointConfigName"]

    result = lab.run()

    assert result.status == "SUCCEEDED", result.states
    gate_states = (p.EVALUATE_MODEL, p.REGISTER_MODEL, p.QUALITY_GATE_BRANCH)
    assert [s for s in result.states if s in gate_states] == list(gate_states)
    evaluation = _evaluation(lab, result)
    assert evaluation["decision"] == "deploy" and evaluation["overridden"] is False
    assert evaluation["metric"] == "rmse"
    # Both scored for real on the same 240 rows of today: the noise's sd is 4.
    assert evaluation["holdout"]["start"] == evaluation["holdout"]["end"] == day.isoformat()
    assert evaluation["holdout"]["rows"] == 24 * data.STATIONS
    assert 3.0 < evaluation["challenger"] < 5.0
    assert 3.0 < evaluation["champion"] < 5.0
    assert evaluation["championEndpointConfig"] == before
    assert evaluation["challenger"] <= evaluation["bounds"]["championLimit"]
    assert lab.marker() == day.isoformat()
    assert "Quality gate" in result.slack_text() and "rmse: new" in result.slack_text()
    # dev approves automatically: the registry holds the model Approved, and the endpoint
    # serves a Model created from that package.
    package = _package(lab, result)
    assert package["ModelApprovalStatus"] == "Approved"
    assert package["ApprovalDescription"].startswith("approved automatically: quality gate")
    assert package["CustomerMetadataProperties"]["newestDate"] == day.isoformat()
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    serving = lab.endpoint()["EndpointConfigName"]
    (variant,) = sagemaker.describe_endpoint_config(EndpointConfigName=serving)[
        "ProductionVariants"
    ]
    model = sagemaker.describe_model(ModelName=variant["ModelName"])
    assert model["PrimaryContainer"]["ModelPackageName"] == package["ModelPackageArn"]


def test_a_worse_model_is_rejected_the_old_one_serves_and_the_override_deploys_it(
    lab: Lab, day: date
) -> None:
    yesterday = day - timedelta(days=1)
    lab.upload_day(day)
    marker, config = lab.marker(), lab.endpoint()["EndpointConfigName"]
    served, answered_by = lab.predict(PROBE)
    assert answered_by == config
    _corrupt(lab, yesterday)
    try:
        rejected = lab.run()

        assert rejected.status == "FAILED"
        assert rejected.states[-4:] == [
            p.NOTIFY_MODEL_REJECTED,
            p.RELEASE_RUN_LOCK_AFTER_FAILURE,
            p.FAILURE_BRANCH,
            p.MODEL_REJECTED,
        ]
        assert p.DEPLOY_MODEL not in rejected.states
        evaluation = _evaluation(lab, rejected)
        assert evaluation["decision"] == "reject"
        assert evaluation["challenger"] > evaluation["bounds"]["championLimit"]
        assert evaluation["champion"] < 5.0  # the serving model is still good on today
        # The old model keeps serving and says the same; the marker stays.
        assert lab.endpoint()["EndpointConfigName"] == config
        assert lab.predict(PROBE) == (served, config)
        assert lab.marker() == marker
        told = rejected.slack_text()
        assert "quality gate" in told and "keeps serving the previous model" in told
        assert f"new {evaluation['challenger']:.4g}" in told
        # The rejected model's artefact stays findable, and the registry keeps its history.
        assert evaluation["artifactUri"].startswith("s3://")
        package = _package(lab, rejected)
        assert package["ModelApprovalStatus"] == "Rejected"
        assert package["ApprovalDescription"].startswith("rejected by the quality gate: rejected")

        overridden = lab.run({"overrideQualityGate": True})

        assert overridden.status == "SUCCEEDED", overridden.states
        evaluation = _evaluation(lab, overridden)
        assert (evaluation["decision"], evaluation["overridden"]) == ("deploy", True)
        assert evaluation["reason"].startswith("deployed by override")
        assert "deployed by override" in overridden.slack_text()
        assert lab.endpoint()["EndpointConfigName"] != config
        assert lab.marker() == day.isoformat()
    finally:
        # Yesterday's real bytes again: the next run retrains the clean window.
        lab.upload_day(yesterday)


def test_an_evaluation_that_cannot_be_computed_fails_closed(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    marker, config = lab.marker(), lab.endpoint()["EndpointConfigName"]
    lab.inject("endpoint-invocation-fails")

    result = lab.run()

    assert result.status == "FAILED"
    assert result.states[-1] == p.EVALUATION_FAILED
    assert p.DEPLOY_MODEL not in result.states
    assert "EvaluationError" in result.error_message()
    assert "InvokeEndpoint" in result.error_message()
    assert lab.endpoint()["EndpointConfigName"] == config
    assert lab.marker() == marker
    assert "EvaluationError" in result.slack_text()
