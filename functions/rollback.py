"""Rollback: a run that serves an earlier approved model package again, without training.

Run input `{"rollbackTo": <target>}`, the target being one of:

- `"previous"` (contract.registry.ROLLBACK_PREVIOUS): the newest Approved version of the
  model's package group (contract.names.model_package_group_name) older than the version
  serving now;
- a version number of that group (`3`, or `"3"`);
- a package version ARN of that group (`arn:aws:sagemaker:<region>:<account>:model-package/
  <group>/3`).

What serves now is followed the way anyone can with the AWS APIs: the endpoint, its
EndpointConfig, that config's Model, the Model's `PrimaryContainer.ModelPackageName`. A Model
not created from a package (deployed before the registry, or by hand) has no registry history
to roll back within: "previous" is refused, saying so; a version number still works.

CheckData calls `resolve` before it takes the run lock or writes anything: every refusal is an
InputValidationError naming the value (unknown version, not Approved with its status and
approval description, the version already serving, no older approved version, combined with
`force` / `allowOlderWindow` / `overrideQualityGate`), so a refused rollback changes nothing.
The resolved package then goes through the run's ordinary deployment path (DeployModel creates
the Model from the package and re-checks it is Approved).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import ClientError

from contract.document import (
    INPUT_ALLOW_OLDER_WINDOW,
    INPUT_FORCE,
    INPUT_OVERRIDE_QUALITY_GATE,
    INPUT_ROLLBACK_TO,
    PACKAGE_DECIDED_BY,
    PACKAGE_GROUP,
    PACKAGE_NEWEST_DATE,
    PACKAGE_ROLLBACK,
    PACKAGE_VERSION,
    PACKAGE_WINDOW_END,
    PACKAGE_WINDOW_START,
    POLL_COUNT,
    POLL_DEADLINE_AT,
    POLL_DEADLINE_PASSED,
    POLL_STARTED_AT,
    POLL_TIMEOUT_SECONDS,
)
from contract.errors import InputValidationError
from contract.lambdas import CheckDataSettings
from contract.registry import APPROVED, ROLLBACK_PREVIOUS
from functions import model_registry
from functions.naming import is_run_resource_of
from functions.payload import shown

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

# A model package version's ARN: `...:model-package/<group>/<version>`.
_PACKAGE_VERSION_ARN: Final = re.compile(
    r"arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:[0-9]{12}:model-package/"
    r"(?P<group>[a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})/(?P<version>[1-9][0-9]*)"
)
# Run-input flags that make no sense without training: a rollback trains nothing, scores
# nothing, and always moves the marker to the package's newest day.
_TRAINING_FLAGS: Final = (INPUT_FORCE, INPUT_ALLOW_OLDER_WINDOW, INPUT_OVERRIDE_QUALITY_GATE)
# How many approved versions a refusal lists as choices (newest first).
_CHOICES_SHOWN: Final = 10


@dataclass(frozen=True)
class Target:
    """What `rollbackTo` asked for: the previous version, a version number, or an ARN."""

    raw: Any
    version: int | None = None
    arn: str | None = None

    @property
    def previous(self) -> bool:
        return self.version is None and self.arn is None

    @property
    def shown(self) -> str:
        return f"execution input field {INPUT_ROLLBACK_TO} {shown(self.raw)}"


@dataclass(frozen=True)
class ServingModel:
    """What the endpoint serves, followed down to the package its Model was created from."""

    endpoint_name: str
    config_name: str
    model_name: str | None  # None: the config was not made by a run of this pipeline
    package_arn: str | None  # None: the Model was not created from a model package


@dataclass(frozen=True)
class Resolution:
    """The package a rollback deploys (DescribeModelPackage's answer) and what it replaces."""

    package: dict[str, Any]
    serving: ServingModel | None  # None: no endpoint yet


def parse_target(raw_input: dict[str, Any]) -> Target | None:
    """The validated `rollbackTo` of the run input; None when the run is not a rollback."""
    if INPUT_ROLLBACK_TO not in raw_input:
        return None
    raw = raw_input[INPUT_ROLLBACK_TO]
    combined = [flag for flag in _TRAINING_FLAGS if raw_input.get(flag) is True]
    if combined:
        raise InputValidationError(
            f"execution input field {INPUT_ROLLBACK_TO} {shown(raw)} cannot be combined with "
            f"{combined[0]}: true: a rollback trains nothing (so nothing is forced or scored) "
            "and always moves the marker to the newest day the redeployed version was trained "
            f"on. Nothing changed. Start the rollback with only {INPUT_ROLLBACK_TO} (and "
            "optionally scheduledTime / trigger), or a training run without it."
        )
    if raw == ROLLBACK_PREVIOUS:
        return Target(raw)
    if isinstance(raw, int) and not isinstance(raw, bool) and raw >= 1:
        return Target(raw, version=raw)
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and int(raw) >= 1:
        return Target(raw, version=int(raw))
    if isinstance(raw, str) and _PACKAGE_VERSION_ARN.fullmatch(raw):
        return Target(raw, arn=raw)
    raise InputValidationError(
        f"execution input field {INPUT_ROLLBACK_TO} must be {ROLLBACK_PREVIOUS!r}, a version "
        "number of the model's registry (1, 2, ...) or a model package version ARN "
        "(arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>), got "
        f"{shown(raw)}. Nothing changed."
    )


def serving_model(sagemaker: SageMakerClient, settings: CheckDataSettings) -> ServingModel | None:
    """Endpoint -> EndpointConfig -> Model -> the package it was created from; None when the
    endpoint does not exist."""
    endpoint_name = settings.endpoint_name
    try:
        endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    except ClientError as error:
        if _not_found(error):
            return None
        raise
    config_name = endpoint["EndpointConfigName"]
    if not is_run_resource_of(settings, config_name):
        # Not made by a run of this pipeline (by hand): its Model may not be a package, and
        # the function's role may only describe the pipeline's own configs and Models.
        return ServingModel(endpoint_name, config_name, None, None)
    config = sagemaker.describe_endpoint_config(EndpointConfigName=config_name)
    # One variant (`AllTraffic`): what DeployModel creates.
    model_name = config["ProductionVariants"][0]["ModelName"]
    model = sagemaker.describe_model(ModelName=model_name)
    containers = [model.get("PrimaryContainer") or {}, *model.get("Containers", [])]
    package = next((c["ModelPackageName"] for c in containers if c.get("ModelPackageName")), None)
    return ServingModel(endpoint_name, config_name, model_name, package)


def resolve(sagemaker: SageMakerClient, settings: CheckDataSettings, target: Target) -> Resolution:
    """The Approved package `target` names, not the one serving; InputValidationError
    otherwise, before anything changed (see the module docstring)."""
    group, endpoint_name = settings.model_package_group, settings.endpoint_name
    serving = serving_model(sagemaker, settings)
    versions = list_versions(sagemaker, group)
    serving_version = _version_in(versions, serving.package_arn if serving else None)
    if target.previous:
        arn = _previous(target, group, versions, serving, serving_version)
    else:
        arn = _named(target, group, versions, serving_version)
    package = dict(sagemaker.describe_model_package(ModelPackageName=arn))
    package.pop("ResponseMetadata", None)
    version = package.get("ModelPackageVersion")
    status = package.get("ModelApprovalStatus")
    if status != APPROVED:
        description = package.get("ApprovalDescription")
        because = f" (approval description: {description!r})" if description else ""
        raise InputValidationError(
            f"{target.shown}: version {version} of registry {group} is {status}{because}, not "
            f"{APPROVED}: only an approved version can serve. Nothing changed. Approve it first "
            f"(aws sagemaker update-model-package --model-package-arn {arn} "
            f"--model-approval-status {APPROVED}) or roll back to an approved one"
            f"{_choices(versions, exclude=serving_version)}."
        )
    if serving is not None and arn == serving.package_arn:
        raise InputValidationError(
            f"{target.shown}: version {version} of registry {group} already serves on endpoint "
            f"{endpoint_name} (config {serving.config_name}): there is nothing to roll back to. "
            f"Nothing changed. Roll back to another approved version"
            f"{_choices(versions, exclude=serving_version)}."
        )
    return Resolution(package, serving)


def list_versions(sagemaker: SageMakerClient, group: str) -> dict[int, dict[str, Any]]:
    """Every version of the group (ListModelPackages' summaries), by version number."""
    found: dict[int, dict[str, Any]] = {}
    pages = sagemaker.get_paginator("list_model_packages").paginate(
        ModelPackageGroupName=group, ModelPackageType="Versioned"
    )
    for page in pages:
        for summary in page.get("ModelPackageSummaryList", []):
            version = summary.get("ModelPackageVersion")
            if isinstance(version, int):
                found[version] = dict(summary)
    return found


def _previous(
    target: Target,
    group: str,
    versions: dict[int, dict[str, Any]],
    serving: ServingModel | None,
    serving_version: int | None,
) -> str:
    """The newest Approved version older than the serving one."""
    if serving is None:
        raise InputValidationError(
            f"{target.shown}: no model serves yet (endpoint absent), so there is no previous "
            f"version. Nothing changed. Name the version to deploy instead"
            f"{_choices(versions)}."
        )
    if serving_version is None:
        if serving.model_name is None:
            where = "which no run of this pipeline made (deployed by hand)"
        elif serving.package_arn is None:
            where = (
                f"whose model {serving.model_name} was not created from a model package "
                "(deployed before the registry, or by hand)"
            )
        else:
            where = f"whose package {serving.package_arn} is not a version of registry {group}"
        raise InputValidationError(
            f"{target.shown}: endpoint {serving.endpoint_name} serves config "
            f"{serving.config_name}, {where}: there is no registry history to roll back "
            f"within. Nothing changed. Name the version to deploy instead{_choices(versions)}."
        )
    older = [
        number
        for number, summary in versions.items()
        if number < serving_version and summary.get("ModelApprovalStatus") == APPROVED
    ]
    if not older:
        raise InputValidationError(
            f"{target.shown}: version {serving_version} of registry {group} serves and no "
            f"{APPROVED} version is older than it. Nothing changed."
        )
    return str(versions[max(older)]["ModelPackageArn"])


def _named(
    target: Target, group: str, versions: dict[int, dict[str, Any]], serving_version: int | None
) -> str:
    """The ARN of the version `target` names, which must be one of the group's."""
    if target.arn is not None:
        matched = _PACKAGE_VERSION_ARN.fullmatch(target.arn)
        assert matched is not None  # parse_target checked it
        if matched["group"] != group:
            raise InputValidationError(
                f"{target.shown} is a version of registry {matched['group']}, not of this "
                f"model's registry {group}. Nothing changed. Name one of its versions"
                f"{_choices(versions, exclude=serving_version)}."
            )
        number = int(matched["version"])
    else:
        assert target.version is not None  # not previous, not an ARN
        number = target.version
    summary = versions.get(number)
    if summary is None:
        known = f"versions 1 to {max(versions)}" if versions else "no version yet"
        raise InputValidationError(
            f"{target.shown}: registry {group} has no version {number} ({known}). Nothing "
            f"changed. Roll back to an approved version"
            f"{_choices(versions, exclude=serving_version)}."
        )
    return str(summary["ModelPackageArn"])


def _version_in(versions: dict[int, dict[str, Any]], arn: str | None) -> int | None:
    """The version number of `arn` in the group; None when it is not one of its versions."""
    return next((n for n, s in versions.items() if arn and s.get("ModelPackageArn") == arn), None)


def _choices(versions: dict[int, dict[str, Any]], exclude: int | None = None) -> str:
    approved = sorted(
        (
            number
            for number, summary in versions.items()
            if summary.get("ModelApprovalStatus") == APPROVED and number != exclude
        ),
        reverse=True,
    )
    if not approved:
        return " (the registry has no other approved version)"
    shown_versions = ", ".join(str(n) for n in approved[:_CHOICES_SHOWN])
    more = f" and {len(approved) - _CHOICES_SHOWN} older" if len(approved) > _CHOICES_SHOWN else ""
    return f" (approved: {shown_versions}{more})"


def _not_found(error: ClientError) -> bool:
    # DescribeEndpoint answers a missing endpoint with ValidationException "Could not find".
    code = error.response.get("Error", {}).get("Code", "")
    return code == "ValidationException" and "could not find" in str(error).lower()


def status_document(
    sagemaker: SageMakerClient, resolution: Resolution, decided_at: str
) -> dict[str, Any]:
    """`$.data.rollback`: the approval-stage status document of the package to redeploy
    (functions.model_registry), marked as a rollback; RollbackTarget makes it `$.status`."""
    package = {**model_registry.package_summary(resolution.package), PACKAGE_ROLLBACK: True}
    if package[PACKAGE_NEWEST_DATE] is None:
        raise InputValidationError(
            f"execution input field {INPUT_ROLLBACK_TO}: {model_registry.package_label(package)} "
            f"has no {PACKAGE_NEWEST_DATE} in its metadata, so the marker could not say which "
            "days the serving model covers. Nothing changed. Roll back to a version the "
            "pipeline registered."
        )
    # Approved before this run started: the stage is decided, nothing is waited for.
    decided = {
        POLL_COUNT: 0,
        POLL_TIMEOUT_SECONDS: 1,
        POLL_STARTED_AT: decided_at,
        POLL_DEADLINE_AT: decided_at,
        POLL_DEADLINE_PASSED: False,
    }
    document = model_registry.approval_status_document(sagemaker, package, decided)
    document["message"] = rolling_back_message(package)
    return document


def rolling_back_message(package: dict[str, Any]) -> str:
    """`rolling back to version 3 (approved by ..., trained on ... to ...)`: for people."""
    approved_by = package.get(PACKAGE_DECIDED_BY) or "an unrecorded identity"
    start = package.get(PACKAGE_WINDOW_START) or "?"
    end = package.get(PACKAGE_WINDOW_END) or package.get(PACKAGE_NEWEST_DATE) or "?"
    return (
        f"rolling back to version {package[PACKAGE_VERSION]} of {package[PACKAGE_GROUP]} "
        f"(approved by {approved_by}, trained on {start} to {end})"
    )
