"""The rollback's resolution (functions.rollback) against moto's model package groups.

What serves is followed endpoint -> EndpointConfig -> Model -> PrimaryContainer
.ModelPackageName on moto; the registry's history is moto's ListModelPackages /
DescribeModelPackage. Every refusal must name the value and change nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract import lambdas, names
from contract.errors import InputValidationError
from contract.settings import read_settings
from functions import fingerprints, rollback

from .conftest import (
    ACCOUNT,
    BUCKET,
    ENDPOINT,
    MANIFEST_PREFIX,
    MARKER,
    MODEL,
    REGION,
    ROLE_ARN,
    RUN_LOCK_KEY,
    STACK,
    STATE_MACHINE_ARN,
    env_for,
    put_raw,
)

pytestmark = pytest.mark.unit

GROUP = names.model_package_group_name(STACK, MODEL)
IMAGE = "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"


def register(sagemaker: Any, status: str, newest: str, description: str | None = None) -> str:
    """One version of the group, as RegisterModel would leave it."""
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus=status,
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://b/{newest}/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["text/csv"],
        },
        CustomerMetadataProperties={"newestDate": newest},
    )["ModelPackageArn"]
    if description:
        sagemaker.update_model_package(
            ModelPackageArn=arn, ModelApprovalStatus=status, ApprovalDescription=description
        )
    return str(arn)


def serve(sagemaker: Any, name: str, container: dict[str, Any]) -> None:
    """The endpoint serves a Model built from `container` (created, or updated to it)."""
    sagemaker.create_model(ModelName=name, PrimaryContainer=container, ExecutionRoleArn=ROLE_ARN)
    sagemaker.create_endpoint_config(
        EndpointConfigName=name,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": name,
                "InstanceType": "ml.t2.medium",
                "InitialInstanceCount": 1,
            }
        ],
    )
    try:
        sagemaker.describe_endpoint(EndpointName=ENDPOINT)
    except sagemaker.exceptions.ClientError:
        sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=name)
        return
    from moto.sagemaker.models import sagemaker_backends  # moto has no UpdateEndpoint

    sagemaker_backends[ACCOUNT][REGION].endpoints[ENDPOINT].endpoint_config_name = name


@pytest.fixture
def registry(sagemaker: Any) -> dict[str, str]:
    """v1 Approved, v2 Rejected, v3 Approved (serving), v4 PendingManualApproval."""
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    arns = {
        "v1": register(sagemaker, "Approved", "2026-01-08"),
        "v2": register(sagemaker, "Rejected", "2026-01-09", "scores worse than serving: jane"),
        "v3": register(sagemaker, "Approved", "2026-01-10"),
        "v4": register(sagemaker, "PendingManualApproval", "2026-01-11"),
    }
    serve(sagemaker, f"{ENDPOINT}--20260110-00000003", {"ModelPackageName": arns["v3"]})
    return arns


def resolve(sagemaker: Any, raw: Any, **flags: Any) -> rollback.Resolution:
    target = rollback.parse_target({"rollbackTo": raw, **flags})
    assert target is not None
    settings = read_settings(lambdas.CHECK_DATA, env_for("check_data"))
    return rollback.resolve(sagemaker, settings, target)


def refusal(sagemaker: Any, raw: Any, **flags: Any) -> str:
    with pytest.raises(InputValidationError) as raised:
        resolve(sagemaker, raw, **flags)
    return str(raised.value)


def test_previous_is_the_newest_approved_version_older_than_the_serving_one(sagemaker, registry):
    """v2 is newer than v1 but Rejected: it is skipped; v4 is newer than what serves."""
    resolved = resolve(sagemaker, "previous")
    assert resolved.package["ModelPackageArn"] == registry["v1"]
    assert resolved.package["CustomerMetadataProperties"]["newestDate"] == "2026-01-08"
    assert resolved.serving is not None
    assert resolved.serving.package_arn == registry["v3"]


@pytest.mark.parametrize("raw", [1, "1"])
def test_a_version_number_names_that_version(sagemaker, registry, raw):
    assert resolve(sagemaker, raw).package["ModelPackageArn"] == registry["v1"]


def test_a_package_arn_of_the_group_names_that_version(sagemaker, registry):
    assert resolve(sagemaker, registry["v1"]).package["ModelPackageVersion"] == 1


def test_an_unknown_version_is_refused_naming_it_and_the_choices(sagemaker, registry):
    message = refusal(sagemaker, 9)
    assert "rollbackTo 9" in message
    assert f"registry {GROUP} has no version 9 (versions 1 to 4)" in message
    assert "(approved: 1)" in message  # v3 serves: not a choice
    assert "Nothing changed" in message


def test_a_rejected_version_is_refused_with_its_status_and_description(sagemaker, registry):
    message = refusal(sagemaker, 2)
    assert "version 2 of registry" in message
    assert "is Rejected (approval description: 'scores worse than serving: jane')" in message
    assert f"--model-package-arn {registry['v2']} --model-approval-status Approved" in message


def test_a_pending_version_is_refused(sagemaker, registry):
    assert "is PendingManualApproval, not Approved" in refusal(sagemaker, registry["v4"])


def test_the_serving_version_is_refused(sagemaker, registry):
    message = refusal(sagemaker, 3)
    assert f"version 3 of registry {GROUP} already serves on endpoint {ENDPOINT}" in message


def test_no_older_approved_version_is_refused(sagemaker, registry):
    serve(sagemaker, f"{ENDPOINT}--20260108-00000001", {"ModelPackageName": registry["v1"]})
    message = refusal(sagemaker, "previous")
    assert "version 1 of registry" in message
    assert "no Approved version is older than it" in message


def test_a_model_not_from_a_package_has_no_history_to_roll_back_within(sagemaker, registry):
    name = f"{ENDPOINT}--20260112-0000000a"
    serve(sagemaker, name, {"Image": IMAGE, "ModelDataUrl": "s3://b/by-hand/model.tar.gz"})
    message = refusal(sagemaker, "previous")
    assert f"model {name} was not created from a model package" in message
    assert "no registry history to roll back within" in message
    # A version number still works: the registry holds what it names.
    assert resolve(sagemaker, 3).package["ModelPackageVersion"] == 3


def test_a_config_no_run_made_has_no_history_to_roll_back_within(sagemaker, registry):
    """Made by hand: not followed further (the role describes only the pipeline's own)."""
    serve(sagemaker, "hand-made", {"Image": IMAGE, "ModelDataUrl": "s3://b/x/model.tar.gz"})
    assert "config hand-made, which no run of this pipeline made" in refusal(sagemaker, "previous")


def test_previous_without_an_endpoint_is_refused(sagemaker):
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    register(sagemaker, "Approved", "2026-01-08")
    assert "no model serves yet" in refusal(sagemaker, "previous")


def test_an_arn_of_another_group_is_refused(sagemaker, registry):
    other = registry["v1"].replace(f"/{GROUP}/", f"/{GROUP}-b/")
    message = refusal(sagemaker, other)
    assert f"is a version of registry {GROUP}-b, not of this model's registry {GROUP}" in message


@pytest.mark.parametrize(
    "raw", ["latest", 0, -1, True, 1.5, None, "", "arn:aws:sagemaker:eu-west-1:1:model-package/x"]
)
def test_a_malformed_value_is_refused_naming_it(raw):
    with pytest.raises(InputValidationError, match="rollbackTo must be 'previous', a version"):
        rollback.parse_target({"rollbackTo": raw})


@pytest.mark.parametrize("flag", ["force", "allowOlderWindow", "overrideQualityGate"])
def test_training_flags_are_refused_with_a_rollback(flag):
    with pytest.raises(InputValidationError, match=f"cannot be combined with {flag}: true"):
        rollback.parse_target({"rollbackTo": "previous", flag: True})


def test_no_rollback_to_is_a_training_run():
    assert rollback.parse_target({"force": True}) is None


# --- CheckData: a rollback run ------------------------------------------------------------
RUN_TIME = "2026-01-12T05:00:00Z"


def check_data_event(input_: Any, name: str = "rollback-run") -> dict[str, Any]:
    return {
        "input": input_,
        "execution": {
            "name": name,
            "id": f"{STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:{name}",
            "startTime": RUN_TIME,
            "stateMachineArn": STATE_MACHINE_ARN,
        },
    }


def test_check_data_resolves_a_rollback_then_takes_the_run_lock(
    load_module, s3, ssm, sagemaker, registry
):
    """v1 was trained by run-1: its fingerprints become the rollback run's, the marker is to
    move back to v1's newest day, and $.data.rollback is v1's approved status document."""
    ssm.put_parameter(Name=MARKER, Value="2026-01-10", Type="String")
    put_raw(fingerprints.run_key(MANIFEST_PREFIX, "run-1"), b'{"version": 2, "files": {}}')
    sagemaker.update_model_package(
        ModelPackageArn=registry["v1"],
        ModelApprovalStatus="Approved",  # moto clears it when left out
        CustomerMetadataProperties={
            "newestDate": "2026-01-08",
            "execution": "run-1",
            "windowStart": "2025-12-10",
            "windowEnd": "2026-01-08",
            "fileCount": "30",
        },
    )
    data = load_module("check_data").handler(check_data_event({"rollbackTo": "previous"}), None)

    assert data["decision"] == "rollback"
    assert data["newestDate"] == "2026-01-08"
    assert data["allowOlderWindow"] is True
    assert data["markerBefore"] == "2026-01-10"
    status = data["rollback"]
    assert (status["stage"], status["status"], status["name"]) == (
        "approval",
        "Approved",
        registry["v1"],
    )
    assert status["package"]["rollback"] is True
    assert status["package"]["version"] == 1
    assert status["message"].startswith(f"rolling back to version 1 of {GROUP} (approved by ")
    assert status["message"].endswith("trained on 2025-12-10 to 2026-01-08)")
    lock = json.loads(s3.get_object(Bucket=BUCKET, Key=RUN_LOCK_KEY)["Body"].read())
    assert lock["owner"]["name"] == "rollback-run"
    copied = s3.get_object(
        Bucket=BUCKET, Key=fingerprints.run_key(MANIFEST_PREFIX, "rollback-run")
    )["Body"].read()
    assert json.loads(copied) == {"version": 2, "files": {}}
    # Nothing was trained: no manifest.
    assert data["manifestUri"] is None


def test_a_refused_rollback_changes_nothing(load_module, s3, ssm, sagemaker, registry):
    ssm.put_parameter(Name=MARKER, Value="2026-01-10", Type="String")
    module = load_module("check_data")
    with pytest.raises(InputValidationError, match="is Rejected"):
        module.handler(check_data_event({"rollbackTo": 2}), None)
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET)  # no lock, no manifest
    assert ssm.get_parameter(Name=MARKER)["Parameter"]["Value"] == "2026-01-10"


def test_a_rollback_while_another_run_holds_the_lock_stands_aside_saying_so(
    load_module, s3, sfn, sagemaker, registry
):
    """Nothing deployed, no follow-up asked for (the rollback has no data), and Slack hears
    that the rollback did not happen and how to get it."""
    arn = sfn.create_state_machine(
        name="retraining-dev",
        definition=json.dumps(
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
        ),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    owner = sfn.start_execution(stateMachineArn=arn, name="training-run")["executionArn"]
    lock = {"owner": {"name": "training-run", "arn": owner}, "expiresAt": "2099-01-01T00:00:00Z"}
    put_raw(RUN_LOCK_KEY, json.dumps({**lock, "newestDate": "2026-01-11", "fileCount": 3}).encode())

    data = load_module("check_data").handler(check_data_event({"rollbackTo": 1}), None)

    assert data["decision"] == "run-in-progress"
    assert data["followUpRequested"] is False
    assert data["message"] == (
        f"run rollback-run did not roll back to {GROUP} version 1: run training-run holds "
        "model linear-learner's run lock, so nothing was deployed. Start the rollback again "
        "when training-run ends"
    )
    assert "rollback" not in data
