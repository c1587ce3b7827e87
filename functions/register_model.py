"""RegisterModel: register the evaluated model as a version of the model's package group.

Event: `{data: $.data, training: $.training, evaluation: $.evaluation, execution: {name,
id}, polling}` (polling's deadline is the approval deadline, `approvalTimeoutHours`).
Result (`$.status`): the approval-stage status document (functions.model_registry).

Every evaluated model is registered, whatever the gate decided, so the registry's history
is whole (contract.registry: the metadata every package carries):
- gate `deploy`, APPROVAL `automatic`: Approved, "approved automatically: quality gate ...";
- gate `deploy`, APPROVAL `manual`: PendingManualApproval (the run then waits for a person);
- gate `reject`: Rejected, with the gate's reason.
The package's container is the training job's artefact with the inference image, so the
Model DeployModel creates from it serves exactly what was evaluated.

Idempotent: a retry finds the package this execution registered (its `execution`
metadata) and reports it instead of registering the model twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from contract import document, registry
from contract.errors import InputValidationError
from contract.lambdas import REGISTER_MODEL, RegisterModelSettings
from functions import clients
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.model_registry import (
    approval_status_document,
    describe_package,
    find_run_package,
    metadata_value,
    package_summary,
)
from functions.naming import RUN_TAG
from functions.payload import field, optional_field, shown
from functions.polling import Polling

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.literals import ModelApprovalStatusType


def approval_of(settings: RegisterModelSettings, evaluation: dict[str, Any]) -> tuple[str, str]:
    """The package's first ModelApprovalStatus and ApprovalDescription, from the gate."""
    decision = field(evaluation, document.EVALUATION_DECISION, str)
    reason = optional_field(evaluation, "reason", str) or "no reason recorded"
    if decision == document.GATE_REJECT:
        return registry.REJECTED, f"rejected by the quality gate: {reason}"
    if decision != document.GATE_DEPLOY:
        raise InputValidationError(
            f"event field evaluation.{document.EVALUATION_DECISION} must be one of "
            f"{', '.join(document.GATE_DECISIONS)}, got {shown(decision)}: nothing registered"
        )
    if settings.approval == registry.APPROVAL_AUTOMATIC:
        return registry.APPROVED, f"approved automatically: quality gate passed ({reason})"
    return registry.PENDING_MANUAL_APPROVAL, f"quality gate passed ({reason}); waits for a person"


def package_metadata(
    settings: RegisterModelSettings,
    data: dict[str, Any],
    training: dict[str, Any],
    evaluation: dict[str, Any],
    execution_name: str,
) -> dict[str, str]:
    """CustomerMetadataProperties (contract.registry): the lineage of the model."""
    values = {
        registry.META_EXECUTION: execution_name,
        registry.META_TRAINING_JOB: training.get("trainingJobName"),
        registry.META_WINDOW_START: data.get("windowStart"),
        registry.META_WINDOW_END: data.get("windowEnd"),
        registry.META_FILE_COUNT: data.get("fileCount"),
        registry.META_NEWEST_DATE: data.get(document.DATA_NEWEST_DATE),
        registry.META_MANIFEST_URI: data.get(document.DATA_MANIFEST_URI),
        registry.META_HOLDOUT_MANIFEST_URI: data.get(document.DATA_HOLDOUT_MANIFEST_URI),
        registry.META_METRIC: evaluation.get("metric"),
        registry.META_CHALLENGER_SCORE: evaluation.get("challenger"),
        registry.META_CHAMPION_SCORE: evaluation.get("champion"),
        registry.META_GATE_DECISION: evaluation.get(document.EVALUATION_DECISION),
        registry.META_STACK: settings.stack_name,
        registry.META_MODEL: settings.model_name,
    }
    return {key: metadata_value(value) for key, value in values.items()}


def register_model(
    *,
    settings: RegisterModelSettings,
    sagemaker: SageMakerClient,
    data: dict[str, Any],
    training: dict[str, Any],
    evaluation: dict[str, Any],
    execution: dict[str, Any],
    polling: Polling,
    log: StructuredLogger,
) -> dict[str, Any]:
    execution_name = field(execution, "name", str)
    status, description = approval_of(settings, evaluation)
    group = settings.model_package_group
    existing = find_run_package(sagemaker, group, execution_name)
    if existing is not None:
        log.info("this run's model is already registered", arn=existing["ModelPackageArn"])
        described = existing
    else:
        artifact_uri = field(training, "artifactUri", str)
        request: dict[str, Any] = {
            "ModelPackageGroupName": group,
            "ModelPackageDescription": (
                f"{settings.model_name} trained by {execution_name} on "
                f"{data.get('windowStart')}..{data.get('windowEnd')} "
                f"({data.get('fileCount')} files)"
            ),
            "InferenceSpecification": {
                "Containers": [{"Image": settings.inference_image, "ModelDataUrl": artifact_uri}],
                "SupportedContentTypes": ["text/csv"],
                "SupportedResponseMIMETypes": ["application/json"],
            },
            "ModelApprovalStatus": status,
            "MetadataProperties": {
                "CommitId": settings.git_revision,
                "GeneratedBy": optional_field(execution, "id", str) or execution_name,
            },
            "CustomerMetadataProperties": package_metadata(
                settings, data, training, evaluation, execution_name
            ),
            "Tags": [
                {"Key": "model", "Value": settings.model_name},
                {"Key": RUN_TAG, "Value": execution_name},
                {"Key": "stack", "Value": settings.stack_name},
            ],
        }
        evaluation_uri = optional_field(evaluation, "evaluationUri", str)
        if evaluation_uri:
            request["ModelMetrics"] = {
                "ModelQuality": {
                    "Statistics": {"ContentType": "application/json", "S3Uri": evaluation_uri}
                }
            }
        arn = sagemaker.create_model_package(**request)["ModelPackageArn"]
        if status != registry.PENDING_MANUAL_APPROVAL:
            # CreateModelPackage takes no ApprovalDescription: the decision's reason is set
            # right after, so the registry says why it was approved or rejected.
            sagemaker.update_model_package(
                ModelPackageArn=arn,
                ModelApprovalStatus=cast("ModelApprovalStatusType", status),
                ApprovalDescription=description,
            )
        described = describe_package(sagemaker, arn)
        log.info("model registered", arn=arn, approvalStatus=status, description=description)
    return approval_status_document(sagemaker, package_summary(described), polling.first())


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(REGISTER_MODEL)
SAGEMAKER = clients.sagemaker()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return register_model(
        settings=SETTINGS,
        sagemaker=SAGEMAKER,
        data=field(event, "data", dict),
        training=field(event, "training", dict),
        evaluation=field(event, "evaluation", dict),
        execution=field(event, "execution", dict),
        polling=Polling.from_event(event),
        log=LOG,
    )
