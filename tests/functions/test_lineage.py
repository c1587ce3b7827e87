"""lineage(): endpoint → config → model → package → training job → manifest → files, read
from moto with the embedded runtime's SageMaker (a real training job, the registry, a Model
created from the package, an endpoint that serves it); and the links it cannot follow."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from contract import names, registry
from functions import lineage as lineage_module
from functions.lineage import LineageBroken, lineage, render
from localcloud.clock import Clock
from localcloud.eventbridge.router import EventRouter
from localcloud.sagemaker.service import LocalSageMaker
from tests.functions.conftest import BUCKET, REGION, ROLE_ARN, STACK

pytestmark = pytest.mark.unit

MODEL = "demand"
ENDPOINT = names.scope(STACK, MODEL)
GROUP = names.model_package_group_name(STACK, MODEL)
JOB = f"{ENDPOINT}--20260301-0123abcd"
IMAGE = "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"
DAYS = ("2026-02-26", "2026-02-27", "2026-02-28")
MANIFEST = f"s3://{BUCKET}/manifests/{JOB}.json"


@pytest.fixture
def local(s3: Any) -> Iterator[Clock]:
    clock = Clock(datetime(2026, 3, 1, 6, 0, tzinfo=UTC))
    router = EventRouter(clock)
    router.install()
    sagemaker = LocalSageMaker(
        clock, router, training_duration=lambda request: 600.0, endpoint_transition_seconds=60.0
    )
    sagemaker.install()
    try:
        yield clock
    finally:
        sagemaker.close()
        router.close()


def _sagemaker() -> Any:
    return boto3.client("sagemaker", region_name=REGION)


def _trained(clock: Clock, s3: Any) -> str:
    """A real training job on three days of data; its artefact's URI."""
    for index, day in enumerate(DAYS):
        rows = "".join(f"{2 * x + index:.1f},{x:.1f}\n" for x in range(20))
        s3.put_object(Bucket=BUCKET, Key=f"data/{MODEL}/train/{day}.csv", Body=rows)
    entries = [{"prefix": f"s3://{BUCKET}/data/{MODEL}/train/"}, *(f"{d}.csv" for d in DAYS)]
    s3.put_object(Bucket=BUCKET, Key=f"manifests/{JOB}.json", Body=json.dumps(entries))
    sagemaker = _sagemaker()
    sagemaker.create_training_job(
        TrainingJobName=JOB,
        RoleArn=ROLE_ARN,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        HyperParameters={"predictor_type": "regressor", "feature_dim": "1"},
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "ManifestFile",
                        "S3Uri": MANIFEST,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
                "ContentType": "text/csv",
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/artifacts"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )
    clock.advance(600)
    job = sagemaker.describe_training_job(TrainingJobName=JOB)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    return str(job["ModelArtifacts"]["S3ModelArtifacts"])


def _registered(artifact: str) -> str:
    sagemaker = _sagemaker()
    sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    metadata = {
        registry.META_EXECUTION: "manual-0123",
        registry.META_TRAINING_JOB: JOB,
        registry.META_WINDOW_START: DAYS[0],
        registry.META_WINDOW_END: DAYS[-1],
        registry.META_FILE_COUNT: str(len(DAYS)),
        registry.META_NEWEST_DATE: DAYS[-1],
        registry.META_MANIFEST_URI: MANIFEST,
        registry.META_METRIC: "rmse",
        registry.META_CHALLENGER_SCORE: "0.25",
        registry.META_CHAMPION_SCORE: registry.META_NONE,
    }
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        InferenceSpecification={
            "Containers": [{"Image": IMAGE, "ModelDataUrl": artifact}],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        CustomerMetadataProperties=metadata,
        MetadataProperties={"CommitId": "0123abc", "GeneratedBy": "arn:aws:states:x"},
    )["ModelPackageArn"]
    sagemaker.update_model_package(
        ModelPackageArn=arn, ModelApprovalStatus="Approved", ApprovalDescription="looks right"
    )
    return str(arn)


def _serve(clock: Clock, container: dict[str, Any]) -> None:
    sagemaker = _sagemaker()
    sagemaker.create_model(ModelName=JOB, ExecutionRoleArn=ROLE_ARN, PrimaryContainer=container)
    sagemaker.create_endpoint_config(
        EndpointConfigName=JOB,
        ProductionVariants=[
            {
                "VariantName": names.VARIANT_NAME,
                "ModelName": JOB,
                "InitialInstanceCount": 1,
                "InstanceType": "ml.m5.large",
            }
        ],
        Tags=[{"Key": "newestDate", "Value": DAYS[-1]}],
    )
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=JOB)
    clock.advance(60)
    assert sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointStatus"] == "InService"


def test_the_chain_of_the_serving_model_names_package_job_window_manifest_and_files(
    local: Clock, s3: Any
) -> None:
    package_arn = _registered(_trained(local, s3))
    _serve(local, {"ModelPackageName": package_arn})

    chain = lineage(_sagemaker(), s3, ENDPOINT)

    assert chain["endpoint"]["status"] == "InService"
    assert chain["endpointConfig"]["name"] == JOB
    assert chain["endpointConfig"]["newestDate"] == DAYS[-1]
    assert chain["model"]["modelPackageArn"] == package_arn
    package = chain["package"]
    assert (package["arn"], package["version"], package["approvalStatus"]) == (
        package_arn,
        1,
        "Approved",
    )
    assert package["approvalDescription"] == "looks right"
    assert package["decidedBy"].endswith(":user/moto")
    assert (package["windowStart"], package["windowEnd"], package["fileCount"]) == (
        DAYS[0],
        DAYS[-1],
        3,
    )
    assert package["challengerScore"] == 0.25
    assert package["championScore"] is None
    assert package["gitRevision"] == "0123abc"
    assert chain["trainingJob"]["name"] == JOB
    assert chain["trainingJob"]["status"] == "Completed"
    assert chain["trainingJob"]["manifestUri"] == MANIFEST
    assert chain["manifest"] == {"uri": MANIFEST, "fileCount": 3}
    assert chain["files"] == [f"s3://{BUCKET}/data/{MODEL}/train/{d}.csv" for d in DAYS]
    text = render(chain)
    for expected in (f"{GROUP} version 1: Approved", JOB, MANIFEST, f"{DAYS[0]}.csv", "0.25"):
        assert expected in text


def test_a_model_not_created_from_a_package_was_deployed_before_the_registry(
    local: Clock, s3: Any
) -> None:
    artifact = _trained(local, s3)
    _serve(local, {"Image": IMAGE, "ModelDataUrl": artifact})

    with pytest.raises(LineageBroken, match="deployed before the registry existed") as broken:
        lineage(_sagemaker(), s3, ENDPOINT)
    assert broken.value.chain["model"]["artifactUri"] == artifact
    assert "package" not in broken.value.chain


def test_each_missing_link_is_named(local: Clock, s3: Any) -> None:
    with pytest.raises(LineageBroken, match=f"endpoint '{ENDPOINT}' does not exist"):
        lineage(_sagemaker(), s3, ENDPOINT)
    package_arn = _registered(_trained(local, s3))
    _serve(local, {"ModelPackageName": package_arn})
    s3.delete_object(Bucket=BUCKET, Key=f"manifests/{JOB}.json")
    with pytest.raises(LineageBroken, match=f"manifest {MANIFEST} cannot be read") as broken:
        lineage(_sagemaker(), s3, ENDPOINT)
    assert broken.value.chain["trainingJob"]["name"] == JOB
    _sagemaker().delete_model_package(ModelPackageName=package_arn)
    with pytest.raises(LineageBroken, match="was deleted from the registry"):
        lineage(_sagemaker(), s3, ENDPOINT)


def test_the_cli_finds_the_endpoint_from_stack_and_model(
    local: Clock, s3: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    package_arn = _registered(_trained(local, s3))
    _serve(local, {"ModelPackageName": package_arn})

    def clients(service: str, region_name: str | None) -> Any:
        return boto3.client(service, region_name=region_name)  # type: ignore[call-overload]

    code = lineage_module.main(
        ["--stack", STACK, "--model", MODEL, "--region", REGION, "--json"], clients
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["package"]["arn"] == package_arn
    assert lineage_module.main(["--endpoint", "nothing-here", "--region", REGION], clients) == 1
    assert "endpoint 'nothing-here' does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        lineage_module.main(["--stack", STACK], clients)
