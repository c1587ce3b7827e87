"""The local SageMaker's Model Registry behaves as SageMaker's: groups, numbered versions,
approval, who did it and when, listing, validation, state-change events, and Models created
from an approved package that really serve."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud.clock import Clock
from localcloud.eventbridge.router import EventRouter
from localcloud.sagemaker import linear
from localcloud.sagemaker.service import LocalSageMaker

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
REGION: Final = "eu-west-1"
ACCOUNT = "123456789012"
BUCKET = "model-artifacts"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
GROUP = "dev--demand"
IMAGE = "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"
STATE_CHANGE = "SageMaker Model Package State Change"
MODEL = linear.LinearModel((1.0, 2.0), 0.5)


@functools.cache
def _client(service: str) -> Any:
    make: Any = boto3.client
    return make(service, region_name=REGION)


class RecordingRouter(EventRouter):
    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.published: list[dict[str, Any]] = []

    def emit(self, **event: Any) -> None:
        self.published.append(event)
        super().emit(**event)

    def package_events(self) -> list[dict[str, Any]]:
        return [e for e in self.published if e["detail_type"] == STATE_CHANGE]


@pytest.fixture
def cloud():
    clock = Clock(START)
    with mock_aws():
        router = RecordingRouter(clock)
        router.install()
        local = LocalSageMaker(clock, router, endpoint_transition_seconds=60.0)
        local.install()
        _client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        try:
            yield clock, router
        finally:
            local.close()
            router.close()


def _sagemaker() -> Any:
    return _client("sagemaker")


def _package(**extra: Any) -> str:
    _client("s3").put_object(
        Bucket=BUCKET, Key="job/model.tar.gz", Body=linear.pack(MODEL, "job", 10)
    )
    arn = _sagemaker().create_model_package(
        ModelPackageGroupName=GROUP,
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": f"s3://{BUCKET}/job/model.tar.gz"}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        **extra,
    )["ModelPackageArn"]
    return str(arn)


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def _operator() -> Any:
    """A client acting as an IAM user of its own (the way a person approves)."""
    iam = boto3.client("iam", region_name="us-east-1")
    iam.create_user(UserName="reviewer")
    key = iam.create_access_key(UserName="reviewer")["AccessKey"]
    return boto3.client(
        "sagemaker",
        region_name=REGION,
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )


def test_versions_are_numbered_per_group_pending_by_default_and_stamped_by_the_clock(cloud):
    clock, _ = cloud
    sagemaker = _sagemaker()
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    sagemaker.create_model_package_group(ModelPackageGroupName="prod--demand")
    first = _package()
    clock.advance(3600)
    second = _package(
        ModelApprovalStatus="Approved",
        CustomerMetadataProperties={"trainingJob": "job-1", "windowEnd": "2026-02-28"},
        MetadataProperties={"CommitId": "abc123", "GeneratedBy": "arn:aws:states:x"},
        ModelMetrics={
            "ModelQuality": {
                "Statistics": {"ContentType": "application/json", "S3Uri": "s3://b/eval.json"}
            }
        },
    )
    other = sagemaker.create_model_package(
        ModelPackageGroupName="prod--demand",
        InferenceSpecification={"Containers": [{"Image": IMAGE}]},
    )["ModelPackageArn"]

    assert first.endswith(f":model-package/{GROUP}/1")
    assert second.endswith(f":model-package/{GROUP}/2")
    assert other.endswith(":model-package/prod--demand/1")
    described = sagemaker.describe_model_package(ModelPackageName=first)
    assert described["ModelApprovalStatus"] == "PendingManualApproval"
    assert described["ModelPackageName"] == GROUP
    assert described["ModelPackageGroupName"] == GROUP
    assert described["ModelPackageVersion"] == 1
    assert described["ModelPackageStatus"] == "Completed"
    assert described["CreationTime"] == START
    assert described["CreatedBy"]["IamIdentity"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:user/moto"
    assert "LastModifiedTime" not in described
    later = sagemaker.describe_model_package(ModelPackageName=second)
    assert later["ModelApprovalStatus"] == "Approved"
    assert later["CreationTime"] == START + timedelta(hours=1)
    assert later["CustomerMetadataProperties"] == {
        "trainingJob": "job-1",
        "windowEnd": "2026-02-28",
    }
    assert later["MetadataProperties"]["CommitId"] == "abc123"
    quality = later["ModelMetrics"]["ModelQuality"]["Statistics"]
    assert quality["S3Uri"] == "s3://b/eval.json"


def test_approval_update_records_who_when_and_why_and_merges_metadata(cloud):
    clock, _ = cloud
    _sagemaker().create_model_package_group(ModelPackageGroupName=GROUP)
    arn = _package(CustomerMetadataProperties={"a": "1", "b": "2"})
    operator = _operator()
    clock.advance(600)

    operator.update_model_package(
        ModelPackageArn=arn,
        ModelApprovalStatus="Rejected",
        ApprovalDescription="scores regress on weekends",
        CustomerMetadataProperties={"b": "3"},
        CustomerMetadataPropertiesToRemove=["a"],
    )

    described = _sagemaker().describe_model_package(ModelPackageName=arn)
    assert described["ModelApprovalStatus"] == "Rejected"
    assert described["ApprovalDescription"] == "scores regress on weekends"
    assert described["LastModifiedTime"] == START + timedelta(minutes=10)
    assert described["LastModifiedBy"]["IamIdentity"]["Arn"] == (
        f"arn:aws:iam::{ACCOUNT}:user/reviewer"
    )
    assert described["CreatedBy"]["IamIdentity"]["Arn"].endswith(":user/moto")
    assert described["CustomerMetadataProperties"] == {"b": "3"}


def test_state_change_events_on_creation_and_on_every_approval_change_only(cloud):
    clock, router = cloud
    _sagemaker().create_model_package_group(
        ModelPackageGroupName=GROUP, Tags=[{"Key": "stack", "Value": "dev"}]
    )
    arn = _package(Tags=[{"Key": "model", "Value": "demand"}])
    clock.run_until(lambda: False, until=clock.now() + 1)
    _sagemaker().update_model_package(ModelPackageArn=arn, ApprovalDescription="looking")
    _sagemaker().update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    _sagemaker().update_model_package(ModelPackageArn=arn, ModelApprovalStatus="Approved")
    clock.run_until(lambda: False, until=clock.now() + 1)

    events = router.package_events()
    assert [e["detail"]["ModelApprovalStatus"] for e in events] == [
        "PendingManualApproval",
        "Approved",
    ]
    created = events[0]
    assert created["source"] == "aws.sagemaker"
    assert created["resources"] == [arn]
    detail = created["detail"]
    assert detail["ModelPackageArn"] == arn
    assert detail["ModelPackageGroupName"] == GROUP
    assert detail["ModelPackageVersion"] == 1
    assert detail["CreationTime"] == round(START.timestamp() * 1000)
    assert detail["Tags"] == {"model": "demand"}
    assert detail["InferenceSpecification"]["Containers"][0]["Image"] == IMAGE
    assert events[1]["detail"]["ApprovalDescription"] == "looking"


def test_version_numbers_are_never_reused_and_a_group_with_versions_cannot_be_deleted(cloud):
    sagemaker = _sagemaker()
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    _package()
    second = _package()
    sagemaker.delete_model_package(ModelPackageName=second)
    third = _package()
    assert third.endswith(f"{GROUP}/3")

    with pytest.raises(ClientError) as refused:
        sagemaker.delete_model_package_group(ModelPackageGroupName=GROUP)
    code, message = _error(refused)
    assert code == "ValidationException"
    assert "2 model package version(s)" in message
    for summary in sagemaker.list_model_packages(ModelPackageGroupName=GROUP)[
        "ModelPackageSummaryList"
    ]:
        sagemaker.delete_model_package(ModelPackageName=summary["ModelPackageArn"])
    sagemaker.delete_model_package_group(ModelPackageGroupName=GROUP)
    with pytest.raises(ClientError) as gone:
        sagemaker.describe_model_package_group(ModelPackageGroupName=GROUP)
    assert "does not exist" in _error(gone)[1]


def test_list_filters_sorts_pages_and_answers_summaries(cloud):
    clock, _ = cloud
    sagemaker = _sagemaker()
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    arns = []
    for status in ("Approved", "Rejected", "Approved", "PendingManualApproval"):
        arns.append(_package(ModelApprovalStatus=status))
        clock.advance(60)
    # Same virtual instant: the newer version still sorts after the older one.
    arns.append(_package(ModelApprovalStatus="Approved"))
    arns.append(_package(ModelApprovalStatus="Approved"))

    approved = sagemaker.list_model_packages(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="Approved",
        SortBy="CreationTime",
        SortOrder="Descending",
    )["ModelPackageSummaryList"]
    assert [p["ModelPackageArn"] for p in approved] == [arns[5], arns[4], arns[2], arns[0]]
    assert set(approved[0]) <= {
        "ModelPackageName",
        "ModelPackageGroupName",
        "ModelPackageVersion",
        "ModelPackageArn",
        "ModelPackageDescription",
        "CreationTime",
        "ModelPackageStatus",
        "ModelApprovalStatus",
    }
    first = sagemaker.list_model_packages(ModelPackageGroupName=GROUP, MaxResults=4)
    rest = sagemaker.list_model_packages(
        ModelPackageGroupName=GROUP, MaxResults=4, NextToken=first["NextToken"]
    )
    assert [p["ModelPackageVersion"] for p in first["ModelPackageSummaryList"]] == [1, 2, 3, 4]
    assert [p["ModelPackageVersion"] for p in rest["ModelPackageSummaryList"]] == [5, 6]
    assert "NextToken" not in rest
    # Without a group, SageMaker lists unversioned packages only (its default type).
    assert sagemaker.list_model_packages()["ModelPackageSummaryList"] == []


def test_groups_list_by_name_or_creation_time_with_their_virtual_timestamps(cloud):
    clock, _ = cloud
    sagemaker = _sagemaker()
    for name in ("prod--demand", "dev--demand", "dev--returns"):
        sagemaker.create_model_package_group(ModelPackageGroupName=name)
        clock.advance(60)
    groups = sagemaker.list_model_package_groups(SortBy="Name", NameContains="dev--")
    summaries = groups["ModelPackageGroupSummaryList"]
    assert [g["ModelPackageGroupName"] for g in summaries] == ["dev--demand", "dev--returns"]
    assert summaries[0]["CreationTime"] == START + timedelta(minutes=1)
    assert summaries[0]["ModelPackageGroupStatus"] == "Completed"
    newest = sagemaker.list_model_package_groups(SortOrder="Descending", MaxResults=1)
    assert newest["ModelPackageGroupSummaryList"][0]["ModelPackageGroupName"] == "dev--returns"
    assert newest["NextToken"] == "1"
    described = sagemaker.describe_model_package_group(ModelPackageGroupName="dev--demand")
    assert described["CreatedBy"]["IamIdentity"]["Arn"].endswith(":user/moto")
    with pytest.raises(NotImplementedError, match="CrossAccountFilterOption"):
        sagemaker.list_model_package_groups(CrossAccountFilterOption="CrossAccount")


def test_bad_requests_are_sagemakers_validation_errors(cloud):
    sagemaker = _sagemaker()
    with pytest.raises(ClientError) as no_group:
        _package()
    assert _error(no_group) == (
        "ValidationException",
        f"ModelPackageGroup arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package-group/{GROUP} "
        "does not exist.",
    )
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    with pytest.raises(ClientError) as twice:
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    assert "Model Package Group already exists" in _error(twice)[1]
    with pytest.raises(ClientError) as bad_name:
        sagemaker.create_model_package_group(ModelPackageGroupName="bad_name")
    assert "modelPackageGroupName" in _error(bad_name)[1]
    with pytest.raises(ClientError) as bad_sort:
        sagemaker.list_model_packages(ModelPackageGroupName=GROUP, SortBy="Version")
    assert "Member must satisfy enum value set: [Name, CreationTime]" in _error(bad_sort)[1]
    with pytest.raises(ClientError) as unversioned:
        sagemaker.create_model_package(
            ModelPackageName="loose",
            ModelApprovalStatus="Approved",
            InferenceSpecification={"Containers": [{"Image": IMAGE}]},
        )
    assert "only applicable to versioned model packages" in _error(unversioned)[1]
    with pytest.raises(ClientError) as unknown:
        sagemaker.describe_model_package(
            ModelPackageName=f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/9"
        )
    assert _error(unknown)[1].endswith(f"model-package/{GROUP}/9 does not exist.")
    with pytest.raises(ClientError) as metadata:
        _package(CustomerMetadataProperties={"note": "no #hash"})
    assert "customerMetadataProperties" in _error(metadata)[1]


def test_fields_the_registry_does_not_emulate_are_refused_not_dropped(cloud):
    _sagemaker().create_model_package_group(ModelPackageGroupName=GROUP)
    with pytest.raises(NotImplementedError, match="DriftCheckBaselines"):
        _package(DriftCheckBaselines={})
    arn = _package()
    with pytest.raises(NotImplementedError, match="ModelLifeCycle"):
        _sagemaker().update_model_package(
            ModelPackageArn=arn, ModelLifeCycle={"Stage": "prod", "StageStatus": "ok"}
        )


def test_a_model_from_an_approved_package_serves_the_packages_artefact(cloud):
    clock, _ = cloud
    sagemaker = _sagemaker()
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    pending = _package()
    with pytest.raises(ClientError) as not_approved:
        sagemaker.create_model(
            ModelName="m0", ExecutionRoleArn=ROLE, PrimaryContainer={"ModelPackageName": pending}
        )
    assert "PendingManualApproval" in _error(not_approved)[1]
    with pytest.raises(ClientError) as missing:
        sagemaker.create_model(
            ModelName="m0",
            ExecutionRoleArn=ROLE,
            PrimaryContainer={"ModelPackageName": pending.replace("/1", "/7")},
        )
    assert "does not exist" in _error(missing)[1]
    sagemaker.update_model_package(ModelPackageArn=pending, ModelApprovalStatus="Approved")

    sagemaker.create_model(
        ModelName="m1", ExecutionRoleArn=ROLE, PrimaryContainer={"ModelPackageName": pending}
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="c1",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "m1",
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="c1")
    clock.run_until(
        lambda: sagemaker.describe_endpoint(EndpointName="ep")["EndpointStatus"] != "Creating"
    )
    endpoint = sagemaker.describe_endpoint(EndpointName="ep")
    assert endpoint["EndpointStatus"] == "InService"
    assert endpoint["ProductionVariants"][0]["DeployedImages"][0]["SpecifiedImage"] == IMAGE
    answer = _client("sagemaker-runtime").invoke_endpoint(
        EndpointName="ep", ContentType="text/csv", Body=b"1,1\n"
    )
    assert b"3.5" in answer["Body"].read()
