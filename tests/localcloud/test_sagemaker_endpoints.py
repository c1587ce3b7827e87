"""The local SageMaker's endpoints deploy on virtual time and serve real predictions."""

from __future__ import annotations

import functools
import json
import threading
import time
from datetime import UTC, datetime
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
T = 480.0  # endpoint_transition_seconds
OLD = linear.LinearModel((1.0, 2.0), 0.5)  # 1*a + 2*b + 0.5
NEW = linear.LinearModel((-1.0, 3.0), 10.0)  # -1*a + 3*b + 10


@functools.cache
def _client(service: str) -> Any:
    """One client per service for the module: building one (its service model) costs more
    than most tests here; moto intercepts a client whenever a mock is active."""
    make: Any = boto3.client  # a str service name: the typed overloads want literals
    return make(service, region_name=REGION)


class RecordingRouter(EventRouter):
    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.published: list[tuple[float, dict[str, Any]]] = []

    def emit(self, **event: Any) -> None:
        self.published.append((self.clock.now() - START.timestamp(), event))
        super().emit(**event)

    def endpoint_statuses(self) -> list[tuple[float, str]]:
        return [(at, e["detail"]["EndpointStatus"]) for at, e in self.published]


class Cloud:
    def __init__(self, clock: Clock, local: LocalSageMaker, router: RecordingRouter) -> None:
        self.clock, self.local, self.router = clock, local, router
        self.s3 = _client("s3")
        self.sagemaker = _client("sagemaker")
        self.runtime = _client("sagemaker-runtime")

    def elapsed(self) -> float:
        return self.clock.now() - START.timestamp()

    def config(
        self, name: str, model: linear.LinearModel | None = None, body: bytes | None = None
    ) -> str:
        """Model artefact in S3 + Model + EndpointConfig, all called `name`."""
        data = body if body is not None else linear.pack(model or OLD, name, 10)
        self.s3.put_object(Bucket=BUCKET, Key=f"{name}/model.tar.gz", Body=data)
        self.sagemaker.create_model(
            ModelName=name,
            ExecutionRoleArn=ROLE,
            PrimaryContainer={
                "Image": "ll:1",
                "ModelDataUrl": f"s3://{BUCKET}/{name}/model.tar.gz",
            },
        )
        self.sagemaker.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": name,
                    "InstanceType": "ml.m5.large",
                    "InitialInstanceCount": 1,
                }
            ],
        )
        return name

    def in_service(self, endpoint: str, config: str) -> None:
        self.sagemaker.create_endpoint(EndpointName=endpoint, EndpointConfigName=config)
        self.clock.advance(T)
        assert self.describe(endpoint)["EndpointStatus"] == "InService"

    def describe(self, endpoint: str = "ep") -> dict[str, Any]:
        return dict(self.sagemaker.describe_endpoint(EndpointName=endpoint))

    def predict(self, body: str, endpoint: str = "ep", **kwargs: Any) -> list[float]:
        answer = self.runtime.invoke_endpoint(
            EndpointName=endpoint,
            Body=body.encode(),
            ContentType=kwargs.pop("content_type", "text/csv"),
            **kwargs,
        )
        return [p["score"] for p in json.loads(answer["Body"].read())["predictions"]]


@pytest.fixture
def cloud():
    clock = Clock(START)
    with mock_aws():
        router = RecordingRouter(clock)
        router.install()
        local = LocalSageMaker(clock, router, endpoint_transition_seconds=T)
        local.install()
        _client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        try:
            yield Cloud(clock, local, router)
        finally:
            local.close()
            router.close()


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def _original_status(error: pytest.ExceptionInfo[ClientError]) -> Any:
    """ModelError's own member (botocore puts the error shape's members in the response)."""
    response: dict[str, Any] = dict(error.value.response)
    return response["OriginalStatusCode"]


def test_a_created_endpoint_serves_the_models_predictions_once_in_service(cloud):
    cloud.config("v1", OLD)
    cloud.sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="v1")
    creating = cloud.describe()
    assert creating["EndpointStatus"] == "Creating"
    assert creating["PendingDeploymentSummary"]["EndpointConfigName"] == "v1"
    assert "ProductionVariants" not in creating
    with pytest.raises(ClientError) as not_yet:
        cloud.predict("1,1")
    assert _error(not_yet) == ("ValidationError", f"Endpoint ep of account {ACCOUNT} not found.")
    cloud.clock.advance(T - 1)
    assert cloud.describe()["EndpointStatus"] == "Creating"
    cloud.clock.advance(1)
    endpoint = cloud.describe()
    assert (endpoint["EndpointStatus"], endpoint["EndpointConfigName"]) == ("InService", "v1")
    assert "PendingDeploymentSummary" not in endpoint
    variant = endpoint["ProductionVariants"][0]
    assert (variant["VariantName"], variant["CurrentInstanceCount"]) == ("AllTraffic", 1)
    assert endpoint["LastModifiedTime"].timestamp() == START.timestamp() + T

    assert cloud.predict("1,2\n0,0\n-2,0.5\n") == [5.5, 0.5, -0.5]
    instances = {"instances": [{"features": [3, 4]}]}
    assert cloud.predict(json.dumps(instances), content_type="application/json") == [11.5]
    lines = cloud.runtime.invoke_endpoint(
        EndpointName="ep", Body=b"1,1", ContentType="text/csv", Accept="application/jsonlines"
    )
    assert (lines["Body"].read(), lines["InvokedProductionVariant"]) == (
        b'{"score": 3.5}',
        "AllTraffic",
    )


def test_an_update_keeps_the_old_model_serving_until_the_new_one_is_in_service(cloud):
    cloud.config("v1", OLD)
    cloud.config("v2", NEW)
    cloud.in_service("ep", "v1")
    cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v2")
    during = cloud.describe()
    assert (during["EndpointStatus"], during["EndpointConfigName"]) == ("Updating", "v1")
    pending = during["PendingDeploymentSummary"]
    assert pending["EndpointConfigName"] == "v2"
    assert pending["StartTime"].timestamp() == START.timestamp() + T
    assert pending["ProductionVariants"][0]["VariantStatus"][0]["Status"] == "Creating"
    answers = []
    for _ in range(4):
        answers.append((cloud.elapsed(), cloud.predict("1,1")[0]))
        cloud.clock.advance(T / 4 - 1)
    assert all(score == 3.5 for _, score in answers)  # the old model, every time
    cloud.clock.advance(4)
    after = cloud.describe()
    assert (after["EndpointStatus"], after["EndpointConfigName"]) == ("InService", "v2")
    assert "PendingDeploymentSummary" not in after and "FailureReason" not in after
    assert cloud.predict("1,1") == [12.0]

    served = [(i.endpoint_status, i.endpoint_config_name, i.ok) for i in cloud.local.invocations]
    assert served == [("Updating", "v1", True)] * 4 + [("InService", "v2", True)]


def test_invocations_from_other_threads_never_fail_across_an_update(cloud):
    cloud.config("v1", OLD)
    cloud.config("v2", NEW)
    cloud.in_service("ep", "v1")
    stop, failures = threading.Event(), []

    def client_loop() -> None:
        runtime = boto3.client("sagemaker-runtime", region_name=REGION)
        while not stop.is_set():
            try:
                runtime.invoke_endpoint(EndpointName="ep", Body=b"1,1", ContentType="text/csv")
            except ClientError as error:  # pragma: no cover - the assertion below reports it
                failures.append(error)

    threads = [threading.Thread(target=client_loop) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v2")
        for _ in range(8):
            cloud.clock.advance(T / 4)
            # Let the clients answer a few requests at this virtual instant (bounded wait).
            seen = len(cloud.local.invocations)
            deadline = time.monotonic() + 10
            while len(cloud.local.invocations) < seen + 3 and time.monotonic() < deadline:
                stop.wait(0.005)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert failures == []
    seen = cloud.local.invocations
    switch = START.timestamp() + 2 * T
    assert {i.endpoint_config_name for i in seen if i.at < switch} <= {"v1"}
    assert {i.endpoint_config_name for i in seen if i.at >= switch} <= {"v2"}
    assert {i.endpoint_config_name for i in seen} == {"v1", "v2"}


def test_update_is_refused_while_the_endpoint_is_not_in_service(cloud):
    cloud.config("v1", OLD)
    cloud.config("v2", NEW)
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/ep"
    cloud.sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="v1")
    with pytest.raises(ClientError) as creating:
        cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v2")
    assert _error(creating) == (
        "ValidationException",
        f'Cannot update in-progress endpoint "{arn}".',
    )
    cloud.clock.advance(T)
    cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v2")
    with pytest.raises(ClientError, match="Cannot update in-progress endpoint"):
        cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v1")
    with pytest.raises(ClientError, match="Cannot update in-progress endpoint"):
        cloud.sagemaker.delete_endpoint(EndpointName="ep")
    with pytest.raises(ClientError, match="Could not find endpoint configuration"):
        cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v3")
    with pytest.raises(ClientError, match="Could not find endpoint"):
        cloud.sagemaker.update_endpoint(EndpointName="other", EndpointConfigName="v2")
    with pytest.raises(ClientError, match="Cannot create already existing endpoint"):
        cloud.sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="v2")


@pytest.mark.parametrize(
    ("outcome", "final"), [("rollback", "InService"), ("rollback-failed", "UpdateRollbackFailed")]
)
def test_a_failed_update_rolls_back_and_the_old_model_keeps_serving(cloud, outcome, final):
    cloud.config("v1", OLD)
    cloud.config("v2", NEW)
    cloud.in_service("ep", "v1")
    cloud.local.fail_next_endpoint_update(outcome)
    cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v2")
    cloud.clock.advance(T)
    rolling = cloud.describe()
    assert (rolling["EndpointStatus"], rolling["EndpointConfigName"]) == ("RollingBack", "v1")
    assert "did not pass the ping health check" in rolling["FailureReason"]
    assert cloud.predict("1,1") == [3.5]
    cloud.clock.advance(T / 2)
    settled = cloud.describe()
    assert (settled["EndpointStatus"], settled["EndpointConfigName"]) == (final, "v1")
    assert "AllTraffic did not pass the ping health check" in settled["FailureReason"]
    assert "PendingDeploymentSummary" not in settled
    assert cloud.predict("1,1") == [3.5]
    assert cloud.router.endpoint_statuses()[-4:] == [
        (T, "IN_SERVICE"),
        (T, "UPDATING"),
        (2 * T, "ROLLING_BACK"),
        (2.5 * T, "IN_SERVICE" if final == "InService" else "UPDATE_ROLLBACK_FAILED"),
    ]
    # Both outcomes leave an endpoint that a new deployment may replace.
    cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v2")
    cloud.clock.advance(T)
    assert (cloud.describe()["EndpointConfigName"], cloud.predict("1,1")) == ("v2", [12.0])


def test_an_unusable_artefact_rolls_an_update_back_and_fails_a_creation(cloud):
    cloud.config("v1", OLD)
    cloud.config("broken", body=b"this is not a tar.gz")
    cloud.in_service("ep", "v1")
    cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="broken")
    cloud.clock.advance(1.5 * T)
    endpoint = cloud.describe()
    assert (endpoint["EndpointStatus"], endpoint["EndpointConfigName"]) == ("InService", "v1")
    assert f"s3://{BUCKET}/broken/model.tar.gz" in endpoint["FailureReason"]
    assert "valid tar.gz archive" in endpoint["FailureReason"]
    assert cloud.predict("1,1") == [3.5]

    cloud.sagemaker.create_endpoint(EndpointName="ep2", EndpointConfigName="broken")
    cloud.clock.advance(T)
    failed = cloud.describe("ep2")
    assert failed["EndpointStatus"] == "Failed"
    assert "valid tar.gz archive" in failed["FailureReason"]


def test_a_failed_creation_serves_nothing_and_can_only_be_deleted(cloud):
    cloud.config("v1", OLD)
    cloud.local.fail_next_endpoint_creation()
    cloud.sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="v1")
    cloud.clock.advance(T)
    endpoint = cloud.describe()
    assert endpoint["EndpointStatus"] == "Failed"
    assert "did not pass the ping health check" in endpoint["FailureReason"]
    with pytest.raises(ClientError, match="not found"):
        cloud.predict("1,1")
    with pytest.raises(ClientError, match="Cannot update failed endpoint"):
        cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="v1")
    cloud.sagemaker.delete_endpoint(EndpointName="ep")
    assert cloud.describe()["EndpointStatus"] == "Deleting"
    cloud.clock.advance(60)
    with pytest.raises(ClientError, match="Could not find endpoint") as gone:
        cloud.describe()
    assert _error(gone)[0] == "ValidationException"
    assert cloud.sagemaker.list_endpoints()["Endpoints"] == []


def test_wrong_feature_count_is_a_model_error_naming_the_expected_count(cloud):
    cloud.config("v1", OLD)
    cloud.in_service("ep", "v1")
    with pytest.raises(ClientError) as wrong:
        cloud.predict("1,2,3")
    code, message = _error(wrong)
    assert code == "ModelError"
    assert wrong.value.response["ResponseMetadata"]["HTTPStatusCode"] == 424
    assert message.startswith("Received client error (400) from primary with message")
    assert "record 1 has 3 features; the model expects 2" in message
    assert _original_status(wrong) == 400
    with pytest.raises(ClientError, match="not numeric"):
        cloud.predict("1,abc")
    with pytest.raises(ClientError) as unsupported:
        cloud.predict("1,1", content_type="image/png")
    assert _original_status(unsupported) == 415
    failed = [(i.ok, i.endpoint_config_name) for i in cloud.local.invocations]
    assert failed == [(False, "v1")] * 3


def test_deleting_stops_serving_and_the_endpoint_disappears(cloud):
    cloud.config("v1", OLD)
    cloud.in_service("ep", "v1")
    cloud.sagemaker.delete_endpoint(EndpointName="ep")
    with pytest.raises(ClientError, match="not found"):
        cloud.predict("1,1")
    cloud.clock.advance(59)
    assert cloud.describe()["EndpointStatus"] == "Deleting"
    cloud.clock.advance(1)
    with pytest.raises(ClientError, match="Could not find endpoint"):
        cloud.describe()
    statuses = cloud.router.endpoint_statuses()
    assert statuses == [(0, "CREATING"), (T, "IN_SERVICE"), (T, "DELETING")]
    cloud.in_service("ep", "v1")  # the name is free again
    assert cloud.predict("0,0") == [0.5]


def test_endpoint_events_have_aws_shape(cloud):
    cloud.config("v1", OLD)
    cloud.sagemaker.create_endpoint(
        EndpointName="ep", EndpointConfigName="v1", Tags=[{"Key": "model", "Value": "demand"}]
    )
    cloud.clock.advance(T)
    (_, created), (_, in_service) = cloud.router.published
    assert (created["source"], created["detail_type"]) == (
        "aws.sagemaker",
        "SageMaker Endpoint State Change",
    )
    arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/ep"
    assert created["resources"] == [arn]
    detail = in_service["detail"]
    assert detail["EndpointName"] == "ep" and detail["EndpointArn"] == arn
    assert (detail["EndpointConfigName"], detail["EndpointStatus"]) == ("v1", "IN_SERVICE")
    assert detail["ProductionVariants"][0]["DesiredInstanceCount"] == 1
    assert detail["CreationTime"] == round(START.timestamp() * 1000)
    assert detail["LastModifiedTime"] == round((START.timestamp() + T) * 1000)
    assert detail["Tags"] == {"model": "demand"}
    json.dumps(detail)


def test_train_deploy_and_invoke_end_to_end(cloud):
    rows = [[2 * a - b + 1, a, b] for a in range(-3, 4) for b in range(-3, 4)]
    cloud.s3.put_object(
        Bucket=BUCKET, Key="data/d.csv", Body="\n".join(",".join(map(str, r)) for r in rows)
    )
    cloud.s3.put_object(
        Bucket=BUCKET, Key="m.json", Body=json.dumps([{"prefix": f"s3://{BUCKET}/data/"}, "d.csv"])
    )
    cloud.local.training_duration = lambda request: 600
    cloud.sagemaker.create_training_job(
        TrainingJobName="run-1",
        RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": "ll:1", "TrainingInputMode": "File"},
        InputDataConfig=[
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {"S3DataType": "ManifestFile", "S3Uri": f"s3://{BUCKET}/m.json"}
                },
            }
        ],
        OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/out/"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
    )
    cloud.clock.advance(600)
    job = cloud.sagemaker.describe_training_job(TrainingJobName="run-1")
    artefact = job["ModelArtifacts"]["S3ModelArtifacts"]
    assert artefact == f"s3://{BUCKET}/out/run-1/output/model.tar.gz"
    cloud.sagemaker.create_model(
        ModelName="run-1",
        ExecutionRoleArn=ROLE,
        PrimaryContainer={"Image": "ll:1", "ModelDataUrl": artefact},
    )
    cloud.sagemaker.create_endpoint_config(
        EndpointConfigName="run-1",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "run-1",
                "InstanceType": "ml.m5.large",
                "InitialInstanceCount": 1,
            }
        ],
    )
    cloud.in_service("demand", "run-1")
    assert cloud.predict("10,4\n0,0", endpoint="demand") == pytest.approx([17.0, 1.0])
