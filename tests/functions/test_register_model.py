"""RegisterModel, the approval stage's GetStatus and DeployModel's refusal, on the registry.

moto's Model Registry with the embedded runtime's corrections (the `model_registry`
fixture): what SageMaker stores is what the functions read back.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract import names, registry
from contract.errors import InputValidationError, ModelNotApprovedError
from contract.status import STAGE_APPROVAL

from .conftest import ACCOUNT, BUCKET, MODEL, REGION, STACK, CallCounter

pytestmark = pytest.mark.unit

GROUP = names.model_package_group_name(STACK, MODEL)
DEADLINE_SECONDS = 72 * 3600
POLLING = {
    "initialSeconds": DEADLINE_SECONDS,
    "maxSeconds": DEADLINE_SECONDS,
    "now": "2026-01-10T07:00:00.000Z",
    "deadlineSeconds": DEADLINE_SECONDS,
}
EXECUTION_ARN = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:retraining-dev:run-1"


def register_event(decision: str = "deploy", execution: str = "run-1") -> dict[str, Any]:
    return {
        "data": {
            "runDate": "2026-01-10",
            "newestDate": "2026-01-09",
            "windowStart": "2025-12-11",
            "windowEnd": "2026-01-09",
            "fileCount": 30,
            "manifestUri": f"s3://{BUCKET}/data/{MODEL}/manifests/{execution}.json",
            "holdoutManifestUri": f"s3://{BUCKET}/data/{MODEL}/manifests/{execution}.holdout.json",
        },
        "training": {
            "trainingJobName": f"{STACK}--{MODEL}--20260110-0a1b2c3d",
            "artifactUri": f"s3://{BUCKET}/data/{MODEL}/artifacts/{execution}/model.tar.gz",
        },
        "evaluation": {
            "metric": "rmse",
            "challenger": 0.25,
            "champion": 0.3 if decision == "deploy" else 0.1,
            "decision": decision,
            "reason": "deploy: rmse 0.25 is within 0.33" if decision == "deploy" else "rejected: x",
            "evaluationUri": f"s3://{BUCKET}/data/{MODEL}/manifests/{execution}.evaluation.json",
        },
        "execution": {"name": execution, "id": EXECUTION_ARN},
        "polling": POLLING,
    }


@pytest.fixture
def register(load_module, model_registry, sagemaker):
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)

    def run(approval: str = "automatic", **event: Any) -> dict[str, Any]:
        module = load_module("register_model", APPROVAL=approval)
        run.calls = CallCounter(module.SAGEMAKER, "sagemaker.*")  # type: ignore[attr-defined]
        return module.handler(register_event(**event), None)

    return run


def test_automatic_approval_registers_the_model_approved_with_its_lineage(register, sagemaker):
    status = register("automatic")
    package = status["package"]
    assert (status["stage"], status["status"]) == (STAGE_APPROVAL, registry.APPROVED)
    assert status["name"] == package["arn"]
    assert package["approvalDescription"].startswith(
        "approved automatically: quality gate passed (deploy: rmse 0.25"
    )
    described = sagemaker.describe_model_package(ModelPackageName=package["arn"])
    assert described["ModelApprovalStatus"] == registry.APPROVED
    assert described["ModelPackageGroupName"] == GROUP
    metadata = described["CustomerMetadataProperties"]
    assert set(metadata) == set(registry.METADATA_KEYS)
    assert metadata["execution"] == "run-1"
    assert metadata["trainingJob"] == f"{STACK}--{MODEL}--20260110-0a1b2c3d"
    assert (metadata["windowStart"], metadata["windowEnd"]) == ("2025-12-11", "2026-01-09")
    assert (metadata["fileCount"], metadata["newestDate"]) == ("30", "2026-01-09")
    assert (metadata["challengerScore"], metadata["championScore"]) == ("0.25", "0.3")
    assert described["MetadataProperties"] == {
        "CommitId": "0123456789abcdef0123456789abcdef01234567",
        "GeneratedBy": EXECUTION_ARN,
    }
    statistics = described["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert statistics["S3Uri"].endswith("run-1.evaluation.json")
    (container,) = described["InferenceSpecification"]["Containers"]
    assert container["ModelDataUrl"].endswith("run-1/model.tar.gz")
    assert package["artifactUri"] == container["ModelDataUrl"]
    assert (package["fileCount"], package["championScore"]) == (30, 0.3)
    assert package["rollback"] is False


def test_manual_approval_waits_once_for_the_whole_deadline(register):
    status = register("manual")
    assert status["status"] == registry.PENDING_MANUAL_APPROVAL
    assert status["package"]["decidedBy"] is None
    assert status["poll"]["timeoutSeconds"] == DEADLINE_SECONDS
    assert status["poll"]["deadlineAt"] == "2026-01-13T07:00:00Z"
    assert "waits for manual approval" in status["message"]


def test_a_model_the_gate_rejected_is_registered_rejected_with_the_reason(register, sagemaker):
    status = register("manual", decision="reject")
    assert status["status"] == registry.REJECTED
    described = sagemaker.describe_model_package(ModelPackageName=status["name"])
    assert described["ApprovalDescription"] == "rejected by the quality gate: rejected: x"
    assert described["CustomerMetadataProperties"]["gateDecision"] == "reject"


def test_a_retry_reports_the_package_it_registered_instead_of_a_second_one(register, sagemaker):
    first = register("automatic")
    again = register("automatic")
    assert again["name"] == first["name"]
    assert register.calls.count("CreateModelPackage") == 0
    listed = sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert len(listed) == 1
    other = register("automatic", execution="run-2")
    assert other["package"]["version"] == 2


def test_an_evaluation_without_a_known_decision_registers_nothing(register, sagemaker):
    with pytest.raises(InputValidationError, match=r"evaluation\.decision .* got 'maybe'"):
        register("automatic", decision="maybe")
    listed = sagemaker.list_model_packages(ModelPackageGroupName=GROUP)["ModelPackageSummaryList"]
    assert listed == []


# --- the approval stage's GetStatus ---------------------------------------------------------
@pytest.fixture
def pending(register) -> dict[str, Any]:
    return register("manual")


def poll_after(status: dict[str, Any], now: str) -> dict[str, Any]:
    return {"status": status, "polling": {"initialSeconds": 600, "maxSeconds": 14400, "now": now}}


def test_a_pending_package_before_its_deadline_keeps_waiting(load_module, pending, sagemaker):
    get_status = load_module("get_status")
    fresh = get_status.handler(poll_after(pending, "2026-01-11T07:00:00Z"), None)
    assert (fresh["status"], fresh["poll"]["deadlinePassed"]) == ("PendingManualApproval", False)
    described = sagemaker.describe_model_package(ModelPackageName=pending["name"])
    assert described["ModelApprovalStatus"] == registry.PENDING_MANUAL_APPROVAL


def test_a_person_s_decision_is_reported_with_its_description(load_module, pending, sagemaker):
    sagemaker.update_model_package(
        ModelPackageArn=pending["name"],
        ModelApprovalStatus="Rejected",
        ApprovalDescription="holiday data, ask Kim",
    )
    fresh = load_module("get_status").handler(poll_after(pending, "2026-01-11T07:00:00Z"), None)
    assert fresh["status"] == registry.REJECTED
    assert "rejected by" in fresh["message"] and "holiday data, ask Kim" in fresh["message"]


def test_the_deadline_passing_is_recorded_as_rejected_in_the_registry(
    load_module, pending, sagemaker
):
    fresh = load_module("get_status").handler(poll_after(pending, "2026-01-13T07:00:01Z"), None)
    assert fresh["status"] == registry.REJECTED
    assert fresh["poll"]["deadlinePassed"] is True
    described = sagemaker.describe_model_package(ModelPackageName=pending["name"])
    assert described["ModelApprovalStatus"] == registry.REJECTED
    assert described["ApprovalDescription"].startswith(
        "approval deadline of 72 h passed (2026-01-13T07:00:00Z) without a decision"
    )
    # The lineage survives the update (SageMaker merges metadata).
    assert described["CustomerMetadataProperties"]["execution"] == "run-1"
    assert fresh["package"]["approvalDescription"] == described["ApprovalDescription"]


# --- DeployModel deploys only what the registry approved ---------------------------------
def deploy_event(package: dict[str, Any]) -> dict[str, Any]:
    return {
        "package": package,
        "data": {"runDate": "2026-01-10"},
        "execution": {"name": "run-1"},
        "polling": {**POLLING, "initialSeconds": 300, "maxSeconds": 1800, "deadlineSeconds": 3600},
    }


def test_deploy_refuses_a_package_that_is_not_approved_before_any_change(
    load_module, pending, sagemaker
):
    deploy = load_module("deploy_model")
    with pytest.raises(ModelNotApprovedError, match=r"is PendingManualApproval, not Approved"):
        deploy.handler(deploy_event(pending["package"]), None)
    assert sagemaker.list_models()["Models"] == []
    assert sagemaker.list_endpoints()["Endpoints"] == []


def test_deploy_refuses_a_package_approved_when_the_run_saw_it_but_rejected_since(
    load_module, register, sagemaker
):
    approved = register("automatic")
    sagemaker.update_model_package(
        ModelPackageArn=approved["name"], ModelApprovalStatus="Rejected", ApprovalDescription="no"
    )
    with pytest.raises(ModelNotApprovedError, match="is Rejected"):
        load_module("deploy_model").handler(deploy_event(approved["package"]), None)
    assert sagemaker.list_models()["Models"] == []


def test_deploy_creates_the_model_from_the_package(load_module, register, sagemaker):
    approved = register("automatic")
    status = load_module("deploy_model").handler(deploy_event(approved["package"]), None)
    model = sagemaker.describe_model(ModelName=status["modelName"])
    assert model["PrimaryContainer"] == {"ModelPackageName": approved["name"]}
    assert status["modelPackageArn"] == approved["name"]
    assert (status["modelPackageVersion"], status["rollback"]) == (1, False)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=status["endpointConfigName"])
    tags = sagemaker.list_tags(ResourceArn=config["EndpointConfigArn"])["Tags"]
    assert {"Key": "newestDate", "Value": "2026-01-09"} in tags
