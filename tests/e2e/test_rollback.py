"""One-command rollback on the deployed dev stack (automatic approval): `{"rollbackTo": ...}`.

After two successful runs, `previous` serves the older registry version again through the
ordinary deployment path, trains nothing, moves the marker back to the newest day that
version trained on, and Slack and the run output say it was a rollback. A rollback to a
version the registry does not hold, or to one it rejected, fails in CheckData before anything
changes: the endpoint's config, the marker and the run lock stay as they were.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from contract import lambdas
from contract.document import (
    DATA_ROLLBACK,
    DECISION_ROLLBACK,
    INPUT_ROLLBACK_TO,
    KEY_DATA,
    KEY_DEPLOYMENT,
    KEY_MARKER,
    PACKAGE_ROLLBACK,
)
from contract.errors import ERROR_INPUT_VALIDATION
from tests.e2e.conftest import Lab
from workflow import pipeline as p

pytestmark = pytest.mark.e2e


def serving_package(lab: Lab) -> dict[str, Any]:
    """Endpoint -> EndpointConfig -> Model -> its package, as an operator follows it."""
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    config_name = lab.endpoint()["EndpointConfigName"]
    config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
    model = sagemaker.describe_model(ModelName=config["ProductionVariants"][0]["ModelName"])
    arn = model["PrimaryContainer"]["ModelPackageName"]
    return dict(sagemaker.describe_model_package(ModelPackageName=arn))


def run_lock_exists(lab: Lab) -> bool:
    configuration = lab.cloud.client("lambda", lab.model.region).get_function_configuration(
        FunctionName=lab.model.function_arns[lambdas.CHECK_DATA.key]
    )
    key = configuration["Environment"]["Variables"][lambdas.RUN_LOCK_KEY.name]
    s3 = lab.cloud.client("s3", lab.model.region)
    listing = s3.list_objects_v2(Bucket=lab.model.bucket, Prefix=key)
    return bool(listing.get("Contents"))


def test_rollback_serves_the_previous_version_without_training_and_refuses_before_any_change(
    lab: Lab, day: date
) -> None:
    lab.upload_day(day)
    older = lab.run({})
    assert older.status == "SUCCEEDED", older.states
    older_package = serving_package(lab)
    newer_day = lab.next_day()
    lab.upload_day(newer_day)
    newer = lab.run({})
    assert newer.status == "SUCCEEDED", newer.states
    newer_package = serving_package(lab)
    assert newer_package["ModelPackageVersion"] > older_package["ModelPackageVersion"]
    assert lab.marker() == newer_day.isoformat()
    jobs = lab.training_jobs()

    rolled_back = lab.run({INPUT_ROLLBACK_TO: "previous"})

    assert rolled_back.status == "SUCCEEDED", rolled_back.states
    assert p.ROLLBACK_TARGET in rolled_back.states
    assert p.START_TRAINING_JOB not in rolled_back.states
    assert p.EVALUATE_MODEL not in rolled_back.states
    assert lab.training_jobs() == jobs  # no new training job
    version = older_package["ModelPackageVersion"]
    assert serving_package(lab)["ModelPackageArn"] == older_package["ModelPackageArn"]
    assert rolled_back.document[KEY_DATA]["decision"] == DECISION_ROLLBACK
    assert rolled_back.document[KEY_DEPLOYMENT][PACKAGE_ROLLBACK] is True
    assert rolled_back.document[KEY_DEPLOYMENT]["modelPackageVersion"] == version
    # The marker says the newest day the serving model was trained on: back to `day`.
    assert rolled_back.document[KEY_MARKER]["after"] == day.isoformat()
    assert lab.marker() == day.isoformat()
    slack = rolled_back.slack_text()
    assert f"rolling back to version {version} of " in slack
    assert f"rolled back: version {version} serves on endpoint" in slack
    assert len(rolled_back.states) <= 20, rolled_back.states

    # Refused before anything changes: a version the registry does not hold, one it rejected.
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    sagemaker.update_model_package(
        ModelPackageArn=newer_package["ModelPackageArn"],
        ModelApprovalStatus="Rejected",
        ApprovalDescription="regressed on weekends (jane)",
    )
    config, marker = lab.endpoint()["EndpointConfigName"], lab.marker()
    for target, named in (
        (9999, "has no version 9999"),
        (
            newer_package["ModelPackageVersion"],
            "is Rejected (approval description: 'regressed on weekends (jane)')",
        ),
    ):
        refused = lab.run({INPUT_ROLLBACK_TO: target})
        assert refused.status == "FAILED"
        assert refused.states[-1] == p.JOB_FAILED
        assert p.DEPLOY_MODEL not in refused.states
        assert refused.error_message().startswith(ERROR_INPUT_VALIDATION)
        assert named in refused.error_message()
        assert DATA_ROLLBACK not in refused.document.get(KEY_DATA, {})
        assert lab.endpoint()["EndpointConfigName"] == config
        assert lab.marker() == marker
        assert not run_lock_exists(lab)
