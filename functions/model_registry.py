"""The model registry as the pipeline reads it: one package, described the same way everywhere.

`package_summary` turns DescribeModelPackage into the `package` object of the approval-stage
status document (contract.document PACKAGE_*); RegisterModel, GetStatus, DeployModel, the
rollback and the lineage read it from here. `approval_status_document` builds that status
document; `find_run_package` finds the package an execution registered (a retry of
RegisterModel must not register the same model twice).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from contract import document, registry
from contract.status import STAGE_APPROVAL
from functions.naming import sagemaker_console_url

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient


def metadata_value(value: Any) -> str:
    """A CustomerMetadataProperties value: SageMaker stores strings (`none` when absent)."""
    if value is None:
        return registry.META_NONE
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else registry.META_NONE
    return str(value)


def _number(value: str | None) -> float | None:
    if value is None or value == registry.META_NONE:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _integer(value: str | None) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number.is_integer() else None


def _text(value: str | None) -> str | None:
    return None if value in (None, registry.META_NONE) else value


def decided_by(describe: Mapping[str, Any]) -> str | None:
    """Who set the package's current approval status: the identity SageMaker recorded as the
    last modifier (a person's `update-model-package`, the deadline's GetStatus), else its
    creator (RegisterModel approving automatically); None while it waits or if unrecorded."""
    if describe.get("ModelApprovalStatus") == registry.PENDING_MANUAL_APPROVAL:
        return None
    for key in ("LastModifiedBy", "CreatedBy"):
        context = describe.get(key) or {}
        identity = (context.get("IamIdentity") or {}).get("Arn") or context.get("UserProfileName")
        if identity:
            return str(identity)
    return None


def package_summary(describe: Mapping[str, Any]) -> dict[str, Any]:
    """The `package` object (contract.document PACKAGE_*) of a DescribeModelPackage answer."""
    metadata = describe.get("CustomerMetadataProperties") or {}
    containers = (describe.get("InferenceSpecification") or {}).get("Containers") or [{}]
    container = containers[0]
    return {
        document.PACKAGE_ARN: describe["ModelPackageArn"],
        document.PACKAGE_GROUP: describe.get("ModelPackageGroupName"),
        document.PACKAGE_VERSION: describe.get("ModelPackageVersion"),
        document.PACKAGE_APPROVAL_STATUS: describe.get("ModelApprovalStatus"),
        document.PACKAGE_APPROVAL_DESCRIPTION: describe.get("ApprovalDescription") or None,
        document.PACKAGE_DECIDED_BY: decided_by(describe),
        document.PACKAGE_TRAINING_JOB: _text(metadata.get(registry.META_TRAINING_JOB)),
        document.PACKAGE_ARTIFACT_URI: container.get("ModelDataUrl"),
        document.PACKAGE_IMAGE: container.get("Image"),
        document.PACKAGE_NEWEST_DATE: _text(metadata.get(registry.META_NEWEST_DATE)),
        document.PACKAGE_WINDOW_START: _text(metadata.get(registry.META_WINDOW_START)),
        document.PACKAGE_WINDOW_END: _text(metadata.get(registry.META_WINDOW_END)),
        document.PACKAGE_FILE_COUNT: _integer(metadata.get(registry.META_FILE_COUNT)),
        document.PACKAGE_MANIFEST_URI: _text(metadata.get(registry.META_MANIFEST_URI)),
        document.PACKAGE_EXECUTION: _text(metadata.get(registry.META_EXECUTION)),
        document.PACKAGE_METRIC: _text(metadata.get(registry.META_METRIC)),
        document.PACKAGE_CHALLENGER_SCORE: _number(metadata.get(registry.META_CHALLENGER_SCORE)),
        document.PACKAGE_CHAMPION_SCORE: _number(metadata.get(registry.META_CHAMPION_SCORE)),
        document.PACKAGE_GIT_REVISION: (describe.get("MetadataProperties") or {}).get("CommitId"),
        document.PACKAGE_ROLLBACK: False,
    }


def package_console_url(region: str, package: Mapping[str, Any]) -> str:
    """The SageMaker console's page of the package version (its model group's version)."""
    group, version = package[document.PACKAGE_GROUP], package[document.PACKAGE_VERSION]
    return sagemaker_console_url(region, "model-registry", f"{group}/{version}")


def package_label(package: Mapping[str, Any]) -> str:
    """`dev--lab version 3`: how messages name a package."""
    return f"{package[document.PACKAGE_GROUP]} version {package[document.PACKAGE_VERSION]}"


def approval_message(package: Mapping[str, Any]) -> str:
    """What the approval stage's status says, for people (Slack, the run output, Fail causes)."""
    label = package_label(package)
    status = package[document.PACKAGE_APPROVAL_STATUS]
    description = package.get(document.PACKAGE_APPROVAL_DESCRIPTION)
    by = package.get(document.PACKAGE_DECIDED_BY)
    said = f": {description}" if description else ""
    who = f" by {by}" if by else ""
    if status == registry.APPROVED:
        return f"Model package {label} approved{who}{said}"
    if status == registry.REJECTED:
        return (
            f"Model package {label} rejected{who}{said}; it was not deployed, the endpoint "
            "keeps serving the previous model"
        )
    if status == registry.PENDING_MANUAL_APPROVAL:
        return f"Model package {label} waits for manual approval"
    return f"Model package {label} has approval status {status}"


def approval_status_document(
    sagemaker: SageMakerClient, package: dict[str, Any], poll: dict[str, Any]
) -> dict[str, Any]:
    """The approval stage's `$.status`: `{stage, status, name, poll, message, consoleUrl,
    serving, package}` (the package's version ARN is the watched name)."""
    return {
        document.STATUS_STAGE: STAGE_APPROVAL,
        document.STATUS_STATUS: package[document.PACKAGE_APPROVAL_STATUS],
        document.STATUS_NAME: package[document.PACKAGE_ARN],
        document.STATUS_SERVING: False,
        document.STATUS_POLL: poll,
        "message": approval_message(package),
        "consoleUrl": package_console_url(sagemaker.meta.region_name, package),
        document.STATUS_PACKAGE: package,
    }


def describe_package(sagemaker: SageMakerClient, arn: str) -> dict[str, Any]:
    return dict(sagemaker.describe_model_package(ModelPackageName=arn))


def find_run_package(
    sagemaker: SageMakerClient, group: str, execution_name: str
) -> dict[str, Any] | None:
    """DescribeModelPackage of the package `execution_name` registered in `group`, or None.

    ListModelPackages' summaries carry no metadata: the group's packages are described
    newest first until one names the execution; a run registers its model last, so a retry
    finds it first.
    """
    paginator = sagemaker.get_paginator("list_model_packages")
    pages = paginator.paginate(
        ModelPackageGroupName=group, SortBy="CreationTime", SortOrder="Descending"
    )
    for page in pages:
        for summary in page.get("ModelPackageSummaryList", []):
            described = describe_package(sagemaker, summary["ModelPackageArn"])
            metadata = described.get("CustomerMetadataProperties") or {}
            if metadata.get(registry.META_EXECUTION) == execution_name:
                return described
    return None
