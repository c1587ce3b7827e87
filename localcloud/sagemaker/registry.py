"""SageMaker Model Registry of the local SageMaker: model package groups and their versions.

moto 5.2.5 stores groups and packages but gets what the pipeline relies on wrong or leaves
it out: a versioned package created without ModelApprovalStatus has none (SageMaker:
PendingManualApproval), UpdateModelPackage replaces CustomerMetadataProperties instead of
merging them and stamps a fake Studio user as LastModifiedBy, versions are counted (a
deleted version's number comes back), ListModelPackages answers whole descriptions, there is
no DeleteModelPackage(Group), no validation of names, enums or limits, and no EventBridge
event. `ModelRegistry.patches()` replaces those actions (installed by
`LocalSageMaker.install()`); the objects stay moto's `ModelPackageGroup` / `ModelPackage` in
moto's stores, so tags (ListTags/AddTags on the ARNs) and the tagging API keep finding them.

As SageMaker does:
- a versioned package belongs to an existing group and gets the group's next version number
  (1, 2, ...; never reused); its ModelApprovalStatus defaults to PendingManualApproval; an
  unversioned package (ModelPackageName) has no approval status and refuses one;
- CreatedBy / LastModifiedBy name the caller's IAM identity (what STS GetCallerIdentity
  answers for the request's access key: an IAM user or an assumed role moto issued);
  CreationTime / LastModifiedTime are the virtual clock's;
- "SageMaker Model Package State Change" (detail: the DescribeModelPackage answer, times as
  epoch milliseconds, Tags as a map) is published when a version is created and whenever its
  ModelApprovalStatus changes, scheduled on the clock like every other state change;
- a Model created from a package (`PrimaryContainer.ModelPackageName`) needs the package to
  exist and be Completed, and an Approved status if it is versioned (see
  `check_model_source`); hosting loads the package's container (`container_of`).

A request field this module does not emulate is a NotImplementedError naming it, never
dropped. Validation messages follow SageMaker's "1 validation error detected: Value ... at
'...' failed to satisfy constraint: ..." form; the not-found and conflict messages are
SageMaker's where AWS documents them, worded the same way otherwise.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from localcloud.clock import Clock
from localcloud.internals.moto_private import (
    ActionResult,
    EmptyResult,
    ModelPackage,
    ModelPackageGroup,
    SageMakerModelBackend,
    SageMakerResponse,
    caller_identity,
    sagemaker_arn,
)
from localcloud.sagemaker.common import (
    MODEL_PACKAGE_STATE_CHANGE,
    Emit,
    StateChange,
    check_name,
    event_ready,
    moto_now,
    tag_map,
    validation_error,
)

APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
DEFAULT_APPROVAL = "PendingManualApproval"  # what SageMaker gives a version created without
PACKAGE_TYPES = ("Versioned", "Unversioned", "Both")
SORT_BY = ("Name", "CreationTime")
SORT_ORDERS = ("Ascending", "Descending")
MAX_RESULTS = 100
DESCRIPTION_MAX = 1024
APPROVAL_DESCRIPTION_MAX = 1024
METADATA_ENTRIES_MAX = 50
METADATA_KEY_MAX, METADATA_VALUE_MAX = 128, 256
METADATA_PATTERN = re.compile(r"[\w\s.:/=+\-@]*")  # botocore: [\p{L}\p{Z}\p{N}_.:\/=+\-@]*
METADATA_PROPERTY_MAX = 1024  # CommitId, Repository, GeneratedBy, ProjectId
TAGS_MAX = 50
PACKAGE_ARN = re.compile(
    r"arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]{9,16}:[0-9]{12}:model-package/[\S]{1,2048}"
)

# The request members each action carries into the registry; any other is refused.
_CREATE_GROUP = {"ModelPackageGroupName", "ModelPackageGroupDescription", "Tags"}
_CREATE_PACKAGE = {
    "ModelPackageName",
    "ModelPackageGroupName",
    "ModelPackageDescription",
    "InferenceSpecification",
    "ModelApprovalStatus",
    "MetadataProperties",
    "ModelMetrics",
    "CustomerMetadataProperties",
    "CertifyForMarketplace",
    "Domain",
    "Task",
    "SamplePayloadUrl",
    "ClientToken",
    "Tags",
}
_UPDATE_PACKAGE = {
    "ModelPackageArn",
    "ModelApprovalStatus",
    "ApprovalDescription",
    "CustomerMetadataProperties",
    "CustomerMetadataPropertiesToRemove",
}
_LIST_PACKAGES = {
    "CreationTimeAfter",
    "CreationTimeBefore",
    "MaxResults",
    "NameContains",
    "ModelApprovalStatus",
    "ModelPackageGroupName",
    "ModelPackageType",
    "NextToken",
    "SortBy",
    "SortOrder",
}
_LIST_GROUPS = {
    "CreationTimeAfter",
    "CreationTimeBefore",
    "MaxResults",
    "NameContains",
    "NextToken",
    "SortBy",
    "SortOrder",
}
_SUMMARY_FIELDS = (
    "ModelPackageName",
    "ModelPackageGroupName",
    "ModelPackageVersion",
    "ModelPackageArn",
    "ModelPackageDescription",
    "CreationTime",
    "ModelPackageStatus",
    "ModelApprovalStatus",
)


class ModelRegistry:
    """The Model Registry actions of the local SageMaker (see the module docstring)."""

    def __init__(self, clock: Clock, lock: threading.RLock, emit: Emit) -> None:
        self._clock = clock
        self._lock = lock
        self._emit = emit
        # The last version number given in each group (by group ARN): numbers are never reused.
        self._last_version: dict[str, int] = {}
        # Idempotency: (account, region, ClientToken) -> the package ARN it created.
        self._client_tokens: dict[tuple[str, str, str], str] = {}

    def patches(self) -> list[tuple[object, str, Callable[..., Any]]]:
        """(owner, attribute, replacement) for `LocalSageMaker._patch`."""
        actions = {
            "create_model_package_group": self._create_group,
            "describe_model_package_group": self._describe_group,
            "delete_model_package_group": self._delete_group,
            "list_model_package_groups": self._list_groups,
            "create_model_package": self._create_package,
            "describe_model_package": self._describe_package,
            "update_model_package": self._update_package,
            "list_model_packages": self._list_packages,
            "delete_model_package": self._delete_package,
        }
        return [
            *((SageMakerResponse, name, _action(handler)) for name, handler in actions.items()),
            (SageMakerModelBackend, "_get_resource_from_arn", self._resource_from_arn()),
            (SageMakerModelBackend, "create_model", self._create_model()),
        ]

    # --- groups -------------------------------------------------------------------------------
    def _create_group(self, response: SageMakerResponse) -> ActionResult:
        params = _params(response, _CREATE_GROUP, "CreateModelPackageGroup")
        name = params.get("ModelPackageGroupName")
        check_name(name, "modelPackageGroupName")
        _check_length(
            params.get("ModelPackageGroupDescription"),
            DESCRIPTION_MAX,
            "modelPackageGroupDescription",
        )
        tags = _check_tags(params.get("Tags"))
        backend = response.sagemaker_backend
        with self._lock:
            if str(name) in backend.model_package_groups:
                arn = backend.model_package_groups[str(name)].arn
                raise validation_error(f"Model Package Group already exists: {arn}")
            group_arguments: dict[str, Any] = {
                "model_package_group_name": name,
                "model_package_group_description": params.get("ModelPackageGroupDescription"),
                "account_id": backend.account_id,
                "region_name": backend.region_name,
                "tags": tags,
            }
            group = ModelPackageGroup(**group_arguments)
            group.creation_time = moto_now(self._clock)
            group.created_by = _user_context(response)
            backend.model_package_groups[str(name)] = group
            return ActionResult({"ModelPackageGroupArn": group.arn})

    def _describe_group(self, response: SageMakerResponse) -> ActionResult:
        with self._lock:
            group = _group(response.sagemaker_backend, response._get_param("ModelPackageGroupName"))
            return ActionResult(_group_description(group))

    def _list_groups(self, response: SageMakerResponse) -> ActionResult:
        params = _params(response, _LIST_GROUPS, "ListModelPackageGroups")
        sort_by, order, limit = _list_order(params)
        after = _timestamp(params.get("CreationTimeAfter"))
        before = _timestamp(params.get("CreationTimeBefore"))
        contains = params.get("NameContains")
        with self._lock:
            found = [
                g
                for g in response.sagemaker_backend.model_package_groups.values()
                if (contains is None or contains in g.model_package_group_name)
                and (after is None or _naive(g.creation_time) > after)
                and (before is None or _naive(g.creation_time) < before)
            ]
            if sort_by == "Name":
                found.sort(key=lambda g: g.model_package_group_name)
            else:
                found.sort(key=lambda g: (_naive(g.creation_time), g.model_package_group_name))
            if order == "Descending":
                found.reverse()
            start = _page_start(params.get("NextToken"), len(found))
            summaries = [
                {k: v for k, v in _group_description(g).items() if k != "CreatedBy"}
                for g in found[start : start + limit]
            ]
            answer: dict[str, Any] = {"ModelPackageGroupSummaryList": summaries}
            if start + limit < len(found):
                answer["NextToken"] = str(start + limit)
            return ActionResult(answer)

    def _delete_group(self, response: SageMakerResponse) -> EmptyResult:
        backend = response.sagemaker_backend
        with self._lock:
            group = _group(backend, response._get_param("ModelPackageGroupName"))
            name = group.model_package_group_name
            versions = _versions(backend, name)
            if versions:
                raise validation_error(
                    f"Model Package Group {group.arn} cannot be deleted: it still has "
                    f"{len(versions)} model package version(s); delete them first "
                    "(DeleteModelPackage)."
                )
            del backend.model_package_groups[name]
            self._last_version.pop(group.arn, None)
            return EmptyResult()

    # --- packages -----------------------------------------------------------------------------
    def _create_package(self, response: SageMakerResponse) -> ActionResult:
        params = _params(response, _CREATE_PACKAGE, "CreateModelPackage")
        backend = response.sagemaker_backend
        group_name, name = params.get("ModelPackageGroupName"), params.get("ModelPackageName")
        if group_name and name:
            raise validation_error(
                "Both ModelPackageName and ModelPackageGroupName are provided in the input. "
                "Cannot determine which one to use."
            )
        if not group_name and not name:
            raise validation_error("Missing ARN.")
        _check_new_package(params)
        status = params.get("ModelApprovalStatus")
        tags = _check_tags(params.get("Tags"))
        token = params.get("ClientToken")
        with self._lock:
            if token and (backend.account_id, backend.region_name, token) in self._client_tokens:
                # Idempotent retry: the package the first request created.
                arn = self._client_tokens[(backend.account_id, backend.region_name, token)]
                return ActionResult({"ModelPackageArn": arn})
            if group_name:
                group = _group(backend, group_name)
                group_name = group.model_package_group_name
                version = self._last_version.get(group.arn, 0) + 1
                status = status or DEFAULT_APPROVAL
            else:
                check_name(name, "modelPackageName")
                version = None
                if status is not None:
                    raise validation_error(
                        "ModelApprovalStatus is only applicable to versioned model packages "
                        f"(in a model package group), not to {name!r}."
                    )
            arguments: dict[str, Any] = {
                "model_package_name": group_name or name,
                "model_package_group_name": group_name,
                "model_package_version": version,
                "model_package_description": params.get("ModelPackageDescription"),
                "inference_specification": params.get("InferenceSpecification"),
                "source_algorithm_specification": None,
                "validation_specification": None,
                "certify_for_marketplace": False,
                "model_approval_status": status,
                "metadata_properties": params.get("MetadataProperties"),
                "model_metrics": params.get("ModelMetrics"),
                "approval_description": None,
                "customer_metadata_properties": params.get("CustomerMetadataProperties"),
                "drift_check_baselines": None,
                "domain": params.get("Domain"),
                "task": params.get("Task"),
                "sample_payload_url": params.get("SamplePayloadUrl"),
                "additional_inference_specifications": None,
                "client_token": token,
                "region_name": backend.region_name,
                "account_id": backend.account_id,
                "model_package_type": "Versioned" if group_name else "Unversioned",
                "tags": tags,
            }
            package = ModelPackage(**arguments)
            if not group_name and package.arn in backend.model_packages:
                raise validation_error(f"Model Package already exists: {package.arn}")
            package.creation_time = moto_now(self._clock)
            package.created_by = _user_context(response)
            package.last_modified_time = None
            package.last_modified_by = None
            if group_name:
                self._last_version[group.arn] = version  # type: ignore[assignment]
            backend.model_packages[package.arn] = package
            if not group_name:
                backend.model_package_name_mapping[package.model_package_name] = package.arn
            backend.model_package_name_mapping[package.arn] = package.arn
            if token:
                self._client_tokens[(backend.account_id, backend.region_name, token)] = package.arn
            if group_name:
                self._changed(backend, package)
            return ActionResult({"ModelPackageArn": package.arn})

    def _describe_package(self, response: SageMakerResponse) -> ActionResult:
        unsupported = set(response.params) - {"ModelPackageName", "IncludedData"}
        _refuse(unsupported, "DescribeModelPackage")
        with self._lock:
            package = package_of(
                response.sagemaker_backend, response._get_param("ModelPackageName")
            )
            return ActionResult(description(package))

    def _update_package(self, response: SageMakerResponse) -> ActionResult:
        params = _params(response, _UPDATE_PACKAGE, "UpdateModelPackage")
        arn = params.get("ModelPackageArn")
        if not isinstance(arn, str) or PACKAGE_ARN.fullmatch(arn) is None:
            raise validation_error(
                f"1 validation error detected: Value '{arn}' at 'modelPackageArn' failed to "
                f"satisfy constraint: Member must satisfy regular expression pattern: "
                f"{PACKAGE_ARN.pattern}"
            )
        status = params.get("ModelApprovalStatus")
        _check_enum(status, APPROVAL_STATUSES, "modelApprovalStatus")
        _check_length(
            params.get("ApprovalDescription"), APPROVAL_DESCRIPTION_MAX, "approvalDescription"
        )
        added = params.get("CustomerMetadataProperties")
        _check_customer_metadata(added, "customerMetadataProperties")
        removed = params.get("CustomerMetadataPropertiesToRemove") or []
        if both := sorted(set(added or {}) & set(removed)):
            raise validation_error(
                f"CustomerMetadataProperties and CustomerMetadataPropertiesToRemove both "
                f"name {', '.join(both)}: a key can be updated or removed, not both."
            )
        backend = response.sagemaker_backend
        with self._lock:
            package = package_of(backend, arn)
            if status is not None and package.model_package_version is None:
                raise validation_error(
                    "ModelApprovalStatus is only applicable to versioned model packages "
                    f"(in a model package group), not to {package.arn}."
                )
            before = package.model_approval_status
            if status is not None:
                package.model_approval_status = status
            if "ApprovalDescription" in params:
                package.approval_description = params["ApprovalDescription"]
            if added or removed:
                merged = {**(package.customer_metadata_properties or {}), **(added or {})}
                for key in removed:
                    merged.pop(key, None)
                if len(merged) > METADATA_ENTRIES_MAX:
                    raise validation_error(
                        f"CustomerMetadataProperties would hold {len(merged)} entries; "
                        f"a model package carries at most {METADATA_ENTRIES_MAX}."
                    )
                package.customer_metadata_properties = merged or None
            package.last_modified_time = moto_now(self._clock)
            package.last_modified_by = _user_context(response)
            if package.model_approval_status != before:
                self._changed(backend, package)
            return ActionResult({"ModelPackageArn": package.arn})

    def _list_packages(self, response: SageMakerResponse) -> ActionResult:
        params = _params(response, _LIST_PACKAGES, "ListModelPackages")
        status = params.get("ModelApprovalStatus")
        _check_enum(status, APPROVAL_STATUSES, "modelApprovalStatus")
        kind = params.get("ModelPackageType")
        _check_enum(kind, PACKAGE_TYPES, "modelPackageType")
        sort_by, order, limit = _list_order(params)
        backend = response.sagemaker_backend
        group_name = params.get("ModelPackageGroupName")
        if group_name:
            group_name = str(group_name).rsplit("/", 1)[-1]  # a group ARN names it too
            kind = "Versioned"  # a group holds versions only
        kind = kind or "Unversioned"  # SageMaker's default
        after = _timestamp(params.get("CreationTimeAfter"))
        before = _timestamp(params.get("CreationTimeBefore"))
        contains = params.get("NameContains")
        with self._lock:
            found = [
                p
                for p in backend.model_packages.values()
                if (
                    kind == "Both" or (kind == "Versioned") == (p.model_package_version is not None)
                )
                and (group_name is None or p.model_package_group_name == group_name)
                and (status is None or p.model_approval_status == status)
                and (contains is None or contains in p.model_package_name)
                and (after is None or _naive(p.creation_time) > after)
                and (before is None or _naive(p.creation_time) < before)
            ]
            # Ties (same virtual instant, same name) keep version order: "newest" stays last.
            if sort_by == "Name":
                found.sort(key=lambda p: (p.model_package_name, p.model_package_version or 0))
            else:
                found.sort(key=lambda p: (_naive(p.creation_time), p.model_package_version or 0))
            if order == "Descending":
                found.reverse()
            start = _page_start(params.get("NextToken"), len(found))
            page = found[start : start + limit]
            answer: dict[str, Any] = {"ModelPackageSummaryList": [summary(p) for p in page]}
            if start + limit < len(found):
                answer["NextToken"] = str(start + limit)
            return ActionResult(answer)

    def _delete_package(self, response: SageMakerResponse) -> EmptyResult:
        backend = response.sagemaker_backend
        with self._lock:
            package = package_of(backend, response._get_param("ModelPackageName"))
            del backend.model_packages[package.arn]
            for key, arn in list(backend.model_package_name_mapping.items()):
                if arn == package.arn:
                    del backend.model_package_name_mapping[key]
            return EmptyResult()

    # --- CreateModel from a package ----------------------------------------------------------
    def _create_model(self) -> Callable[..., Any]:
        original = SageMakerModelBackend.create_model

        def create_model(backend: SageMakerModelBackend, **kwargs: Any) -> Any:
            containers = [kwargs.get("primary_container") or {}, *(kwargs.get("containers") or [])]
            with self._lock:
                for container in containers:
                    check_model_source(backend, container)
            return original(backend, **kwargs)

        return create_model

    # --- tags on package ARNs (model-package/<group>/<version>) --------------------------------
    def _resource_from_arn(self) -> Callable[[SageMakerModelBackend, str], Any]:
        original = SageMakerModelBackend._get_resource_from_arn

        def resource_from_arn(backend: SageMakerModelBackend, arn: str) -> Any:
            if ":model-package/" in arn:
                with self._lock:
                    return package_of(backend, arn)
            return original(backend, arn)

        return resource_from_arn

    # --- events -------------------------------------------------------------------------------
    def _changed(self, backend: SageMakerModelBackend, package: ModelPackage) -> None:
        detail = event_ready(description(package))
        detail["Tags"] = tag_map(package.tags)
        self._emit(
            StateChange(
                backend.account_id,
                backend.region_name,
                MODEL_PACKAGE_STATE_CHANGE,
                detail,
                [package.arn],
                self._clock.now(),
            )
        )


# --- reading the registry (hosting and CreateModel use these too) -----------------------------
def package_of(backend: SageMakerModelBackend, name: Any) -> ModelPackage:
    """The package a ModelPackageName / ModelPackageArn names (ARN, or an unversioned name)."""
    if not isinstance(name, str) or not name:
        raise validation_error(
            "1 validation error detected: Value null at 'modelPackageName' failed to satisfy "
            "constraint: Member must not be null"
        )
    # SageMaker ARNs carry the name in lower case.
    key = name.lower() if name.startswith("arn:") else name
    arn = backend.model_package_name_mapping.get(key, key)
    package = backend.model_packages.get(arn)
    if package is None:
        raise validation_error(f"ModelPackage {name} does not exist.")
    return package


def container_of(backend: SageMakerModelBackend, name: str) -> dict[str, Any]:
    """The first InferenceSpecification container of a package: what a Model created from it
    runs (Image, ModelDataUrl, Environment)."""
    package = package_of(backend, name)
    containers = (package.inference_specification or {}).get("Containers") or []
    if not containers:
        raise validation_error(f"ModelPackage {package.arn} has no InferenceSpecification.")
    return dict(containers[0])


def check_model_source(backend: SageMakerModelBackend, container: Mapping[str, Any]) -> None:
    """CreateModel with a container from a package: the package must exist, be Completed
    and, if versioned, Approved (SageMaker refuses to deploy other versions)."""
    name = container.get("ModelPackageName")
    if not name:
        return
    if container.get("Image") or container.get("ModelDataUrl"):
        raise validation_error(
            "A container that names a ModelPackageName takes its Image and ModelDataUrl "
            "from the model package: specify one or the other."
        )
    package = package_of(backend, name)
    if package.model_package_status != "Completed":
        raise validation_error(
            f"Model package {package.arn} is {package.model_package_status}, not Completed."
        )
    if package.model_package_version is not None and package.model_approval_status != "Approved":
        raise validation_error(
            f"Model package {package.arn} has ModelApprovalStatus "
            f"{package.model_approval_status}: only an Approved version can be deployed."
        )
    container_of(backend, name)


def description(package: ModelPackage) -> dict[str, Any]:
    """DescribeModelPackage's answer."""
    answer = {
        "ModelPackageName": package.model_package_name,
        "ModelPackageGroupName": package.model_package_group_name,
        "ModelPackageVersion": package.model_package_version,
        "ModelPackageArn": package.arn,
        "ModelPackageDescription": package.model_package_description,
        "CreationTime": package.creation_time,
        "InferenceSpecification": package.inference_specification,
        "ModelPackageStatus": package.model_package_status,
        "ModelPackageStatusDetails": {
            "ValidationStatuses": [],
            "ImageScanStatuses": [],
        },
        "CertifyForMarketplace": package.certify_for_marketplace,
        "ModelApprovalStatus": package.model_approval_status,
        "CreatedBy": package.created_by,
        "MetadataProperties": package.metadata_properties,
        "ModelMetrics": package.model_metrics,
        "LastModifiedTime": package.last_modified_time,
        "LastModifiedBy": package.last_modified_by,
        "ApprovalDescription": package.approval_description,
        "Domain": package.domain,
        "Task": package.task,
        "SamplePayloadUrl": package.sample_payload_url,
        "CustomerMetadataProperties": package.customer_metadata_properties,
    }
    return {key: value for key, value in answer.items() if value is not None}


def summary(package: ModelPackage) -> dict[str, Any]:
    """ListModelPackages' ModelPackageSummary."""
    described = description(package)
    return {key: described[key] for key in _SUMMARY_FIELDS if key in described}


# --- helpers ----------------------------------------------------------------------------------
def _action(handler: Callable[[SageMakerResponse], Any]) -> Callable[[SageMakerResponse], Any]:
    """A plain function for the response class: moto dispatches only to functions."""

    def action(response: SageMakerResponse) -> Any:
        return handler(response)

    return action


def _group(backend: SageMakerModelBackend, name: Any) -> ModelPackageGroup:
    if not isinstance(name, str) or not name:
        raise validation_error(
            "1 validation error detected: Value null at 'modelPackageGroupName' failed to "
            "satisfy constraint: Member must not be null"
        )
    short = name.rsplit("/", 1)[-1] if name.startswith("arn:") else name
    group = backend.model_package_groups.get(short)
    if group is None:
        arn = sagemaker_arn("model-package-group", short, backend.account_id, backend.region_name)
        raise validation_error(f"ModelPackageGroup {arn} does not exist.")
    return group


def _group_description(group: ModelPackageGroup) -> dict[str, Any]:
    answer = {
        "ModelPackageGroupName": group.model_package_group_name,
        "ModelPackageGroupArn": group.arn,
        "ModelPackageGroupDescription": group.model_package_group_description,
        "CreationTime": group.creation_time,
        "CreatedBy": group.created_by,
        "ModelPackageGroupStatus": group.model_package_group_status,
    }
    return {key: value for key, value in answer.items() if value is not None}


def _versions(backend: SageMakerModelBackend, group_name: str) -> list[ModelPackage]:
    return [
        p
        for p in backend.model_packages.values()
        if p.model_package_group_name == group_name and p.model_package_version is not None
    ]


def _user_context(response: SageMakerResponse) -> dict[str, Any]:
    """UserContext of the request's caller: its IAM identity, as STS would name it."""
    user_id, arn = caller_identity(response)
    return {"IamIdentity": {"Arn": arn, "PrincipalId": user_id}}


def _params(response: SageMakerResponse, accepted: set[str], action: str) -> dict[str, Any]:
    params = dict(response.params)
    _refuse(set(params) - accepted, action)
    return params


def _refuse(unsupported: set[str], action: str) -> None:
    if unsupported:
        raise NotImplementedError(
            f"{action}: {', '.join(sorted(unsupported))} not emulated by localcloud "
            "(localcloud/sagemaker/registry.py)"
        )


def _check_new_package(params: Mapping[str, Any]) -> None:
    """CreateModelPackage's member constraints (before anything is stored)."""
    _check_enum(params.get("ModelApprovalStatus"), APPROVAL_STATUSES, "modelApprovalStatus")
    _check_length(params.get("ModelPackageDescription"), DESCRIPTION_MAX, "modelPackageDescription")
    _check_metadata_properties(params.get("MetadataProperties"))
    _check_customer_metadata(params.get("CustomerMetadataProperties"), "customerMetadataProperties")
    _check_model_metrics(params.get("ModelMetrics"))
    if params.get("CertifyForMarketplace"):
        raise NotImplementedError(
            "CreateModelPackage: CertifyForMarketplace=true (AWS Marketplace listing) is "
            "not emulated by localcloud"
        )
    if "InferenceSpecification" in params:
        _check_inference_specification(params["InferenceSpecification"])


def _list_order(params: Mapping[str, Any]) -> tuple[str, str, int]:
    """(SortBy, SortOrder, MaxResults) of a List* request, SageMaker's defaults filled in."""
    sort_by = params.get("SortBy") or "CreationTime"
    _check_enum(sort_by, SORT_BY, "sortBy")
    order = params.get("SortOrder") or "Ascending"
    _check_enum(order, SORT_ORDERS, "sortOrder")
    limit = params.get("MaxResults", MAX_RESULTS)
    if not isinstance(limit, int) or not 1 <= limit <= MAX_RESULTS:
        raise validation_error(
            f"1 validation error detected: Value '{limit}' at 'maxResults' failed to "
            f"satisfy constraint: Member must have value between 1 and {MAX_RESULTS}"
        )
    return sort_by, order, limit


def _check_enum(value: Any, allowed: tuple[str, ...], member: str) -> None:
    if value is not None and value not in allowed:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must satisfy enum value set: [{', '.join(allowed)}]"
        )


def _check_length(value: Any, maximum: int, member: str) -> None:
    if value is not None and len(str(value)) > maximum:
        raise validation_error(
            f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy "
            f"constraint: Member must have length less than or equal to {maximum}"
        )


def _check_tags(tags: Any) -> list[dict[str, str]]:
    tags = list(tags or [])
    if len(tags) > TAGS_MAX:
        raise validation_error(
            f"1 validation error detected: Value '{tags}' at 'tags' failed to satisfy "
            f"constraint: Member must have length less than or equal to {TAGS_MAX}"
        )
    return tags


def _check_customer_metadata(properties: Any, member: str) -> None:
    if properties is None:
        return
    if not isinstance(properties, dict) or not 1 <= len(properties) <= METADATA_ENTRIES_MAX:
        raise validation_error(
            f"1 validation error detected: Value '{properties}' at '{member}' failed to "
            f"satisfy constraint: Map must have between 1 and {METADATA_ENTRIES_MAX} entries"
        )
    for key, value in properties.items():
        for what, text, maximum in (
            ("key", key, METADATA_KEY_MAX),
            ("value", value, METADATA_VALUE_MAX),
        ):
            if (
                not isinstance(text, str)
                or not 1 <= len(text) <= maximum
                or METADATA_PATTERN.fullmatch(text) is None
            ):
                raise validation_error(
                    f"1 validation error detected: Value '{text}' at '{member}' failed to "
                    f"satisfy constraint: Map {what} must have length between 1 and {maximum} "
                    "and satisfy regular expression pattern: "
                    r"^([\p{L}\p{Z}\p{N}_.:\/=+\-@]*)$"
                )


def _check_metadata_properties(properties: Any) -> None:
    if properties is None:
        return
    known = {"CommitId", "Repository", "GeneratedBy", "ProjectId"}
    _refuse(set(properties) - known, "CreateModelPackage MetadataProperties")
    for key, value in properties.items():
        _check_length(value, METADATA_PROPERTY_MAX, f"metadataProperties.{key[0].lower()}{key[1:]}")


def _check_model_metrics(metrics: Any) -> None:
    if metrics is None:
        return
    for kind, reports in metrics.items():
        for report, source in (reports or {}).items():
            if (
                not isinstance(source, dict)
                or not source.get("S3Uri")
                or not source.get("ContentType")
            ):
                raise validation_error(
                    f"ModelMetrics.{kind}.{report} needs ContentType and S3Uri "
                    f"(MetricsSource), got {source!r}."
                )
            if not re.fullmatch(r"(https|s3)://([^/]+)/?(.*)", str(source["S3Uri"])):
                raise validation_error(
                    f"1 validation error detected: Value '{source['S3Uri']}' at "
                    f"'modelMetrics.{kind}.{report}.s3Uri' failed to satisfy constraint: "
                    r"Member must satisfy regular expression pattern: (https|s3)://([^/]+)/?(.*)"
                )


def _check_inference_specification(specification: Any) -> None:
    containers = (specification or {}).get("Containers") or []
    if not containers:
        raise validation_error(
            "1 validation error detected: Value null at 'inferenceSpecification.containers' "
            "failed to satisfy constraint: Member must not be null"
        )
    for index, container in enumerate(containers):
        if not container.get("Image"):
            raise validation_error(
                "1 validation error detected: Value null at "
                f"'inferenceSpecification.containers.{index + 1}.member.image' failed to "
                "satisfy constraint: Member must not be null"
            )


def _timestamp(value: Any) -> Any:
    """A CreationTimeAfter/Before filter as naive UTC (moto's convention)."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC).replace(tzinfo=None)
    if isinstance(value, str):
        try:
            return datetime.fromtimestamp(float(value), UTC).replace(tzinfo=None)
        except ValueError:
            moment = datetime.fromisoformat(value)
            return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    return value


def _naive(moment: Any) -> Any:
    return moment.replace(tzinfo=None) if getattr(moment, "tzinfo", None) else moment


def _page_start(token: Any, total: int) -> int:
    if token is None:
        return 0
    if not str(token).isdigit() or int(token) > total:
        raise validation_error(f"Invalid pagination token {token!r}.")
    return int(token)
