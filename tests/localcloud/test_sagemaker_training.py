"""The local SageMaker trains for real, on virtual time, as SageMaker reports it."""

from __future__ import annotations

import functools
import io
import json
import tarfile
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any, Final

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.sagemaker.responses import SageMakerResponse

from localcloud.awslambda.runtime import LambdaRuntime
from localcloud.clock import Clock
from localcloud.eventbridge.router import EventRouter
from localcloud.sagemaker import linear
from localcloud.sagemaker.service import LocalSageMaker

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
REGION: Final = "eu-west-1"
BUCKET = "training-data"
ROLE = "arn:aws:iam::123456789012:role/sagemaker"
HOUR = 3600.0
WEIGHTS = np.array([1.5, -2.0, 0.5])
BIAS = 4.0
NOISE = 0.1


@functools.cache
def _client(service: str) -> Any:
    """One client per service for the module: building one (its service model) costs more
    than most tests here; moto intercepts a client whenever a mock is active."""
    make: Any = boto3.client  # a str service name: the typed overloads want literals
    return make(service, region_name=REGION)


class RecordingRouter(EventRouter):
    """The real router, remembering what was published (and when, in virtual time)."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.published: list[tuple[float, dict[str, Any]]] = []

    def emit(self, **event: Any) -> None:
        self.published.append((self.clock.now(), event))
        super().emit(**event)

    def training(self) -> list[dict[str, Any]]:
        return [
            e["detail"]
            for _, e in self.published
            if e["detail_type"] == "SageMaker Training Job State Change"
        ]


@pytest.fixture
def cloud():
    clock = Clock(START)
    with mock_aws():
        router = RecordingRouter(clock)
        router.install()
        local = LocalSageMaker(clock, router, training_duration=lambda request: HOUR)
        local.install()
        s3 = _client("s3")
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        try:
            yield clock, local, router, s3, _client("sagemaker")
        finally:
            local.close()
            router.close()


def _rows(count: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(count, len(WEIGHTS)))
    labels = features @ WEIGHTS + BIAS + rng.normal(scale=NOISE, size=count)
    return np.column_stack([labels, features])


def _csv(rows: np.ndarray) -> str:
    return "".join(",".join(f"{v:.6f}" for v in row) + "\n" for row in rows)


def _dataset(s3, files: dict[str, str], listed: Any = None, case: str = "train") -> str:
    """Upload day files under data/<case>/ and a manifest of `listed` keys (default: all the
    files; a string: that invalid manifest as is); returns the manifest's URI."""
    for name, body in files.items():
        s3.put_object(Bucket=BUCKET, Key=f"data/{case}/{name}", Body=body)
    if isinstance(listed, str):
        manifest: Any = [listed]
    else:
        manifest = [{"prefix": f"s3://{BUCKET}/data/{case}/"}, *(listed or list(files))]
    s3.put_object(Bucket=BUCKET, Key=f"manifests/{case}.json", Body=json.dumps(manifest))
    return f"s3://{BUCKET}/manifests/{case}.json"


def _request(name: str, manifest_uri: str, **overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": "ll:1", "TrainingInputMode": "File"},
        "HyperParameters": {"predictor_type": "regressor", "feature_dim": "3"},
        "InputDataConfig": [
            {
                "ChannelName": "train",
                "DataSource": {
                    "S3DataSource": {
                        "S3DataType": "ManifestFile",
                        "S3Uri": manifest_uri,
                        "S3DataDistributionType": "FullyReplicated",
                    }
                },
                "ContentType": "text/csv",
            }
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{BUCKET}/artifacts"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 5},
        "StoppingCondition": {"MaxRuntimeInSeconds": 4 * 3600},
        "Tags": [{"Key": "model", "Value": "demand"}],
    }
    request.update(overrides)
    return request


def _at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def _artifact_key(name: str) -> str:
    return f"artifacts/{name}/output/model.tar.gz"


def _lambda_function(name: str) -> str:
    """A function whose handler a test stubs (the runtime never imports its code)."""
    iam = _client("iam")
    role = iam.create_role(RoleName=f"fn-{name}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("stub.py", "def handler(event, context):\n    return event\n")
    return _client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="stub.handler",
        Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]


def _has_object(s3, key: str) -> bool:
    return s3.list_objects_v2(Bucket=BUCKET, Prefix=key).get("KeyCount", 0) == 1


def test_training_recovers_the_coefficients_and_reports_linear_learner_metrics(cloud):
    clock, _, _, s3, sagemaker = cloud
    first, second = _rows(400, seed=1), _rows(300, seed=2)
    manifest = _dataset(s3, {"2026-02-27.csv": _csv(first), "2026-02-28.csv": _csv(second)})
    sagemaker.create_training_job(**_request("demand-run-1", manifest))
    clock.advance(HOUR)

    job = sagemaker.describe_training_job(TrainingJobName="demand-run-1")
    assert job["TrainingJobStatus"] == "Completed"
    body = s3.get_object(Bucket=BUCKET, Key=_artifact_key("demand-run-1"))["Body"].read()
    model = linear.unpack(body, "artefact")
    assert np.allclose(model.weights, WEIGHTS, atol=0.03)
    assert model.bias == pytest.approx(BIAS, abs=0.03)

    metrics = {m["MetricName"]: m for m in job["FinalMetricDataList"]}
    assert set(metrics) == {
        "train:progress",
        "train:objective_loss",
        "train:objective_loss:final",
        "train:mse",
        "train:absolute_loss",
    }
    # Residuals of a good fit are the noise: MSE ~ sigma^2, mean |e| ~ sigma * sqrt(2/pi).
    assert metrics["train:mse"]["Value"] == pytest.approx(NOISE**2, rel=0.15)
    assert metrics["train:absolute_loss"]["Value"] == pytest.approx(NOISE * 0.7979, rel=0.1)
    assert metrics["train:objective_loss"]["Value"] == metrics["train:mse"]["Value"]
    assert {m["Timestamp"] for m in metrics.values()} == {_at(HOUR)}
    definitions = {d["Name"] for d in job["AlgorithmSpecification"]["MetricDefinitions"]}
    assert definitions == set(metrics)


def test_describe_follows_the_job_through_its_statuses_in_virtual_time(cloud):
    clock, _, _, s3, sagemaker = cloud
    sagemaker.create_training_job(**_request("job", _dataset(s3, {"a.csv": _csv(_rows(50, 3))})))

    def describe() -> dict[str, Any]:
        return sagemaker.describe_training_job(TrainingJobName="job")

    seen = [(describe()["TrainingJobStatus"], describe()["SecondaryStatus"])]
    for until in (179, 181, 239, 241, HOUR - 61, HOUR - 59, HOUR - 1):
        clock.advance(until - (clock.now() - START.timestamp()))
        seen.append((describe()["TrainingJobStatus"], describe()["SecondaryStatus"]))
    job = describe()
    assert job["ModelArtifacts"]["S3ModelArtifacts"] == f"s3://{BUCKET}/{_artifact_key('job')}"
    assert "TrainingEndTime" not in job and "FinalMetricDataList" not in job
    clock.advance(1)
    seen.append((describe()["TrainingJobStatus"], describe()["SecondaryStatus"]))

    assert seen == [
        ("InProgress", "Starting"),
        ("InProgress", "Starting"),
        ("InProgress", "Downloading"),
        ("InProgress", "Downloading"),
        ("InProgress", "Training"),
        ("InProgress", "Training"),
        ("InProgress", "Uploading"),
        ("InProgress", "Uploading"),
        ("Completed", "Completed"),
    ]
    job = describe()
    assert (job["CreationTime"], job["TrainingStartTime"]) == (_at(0), _at(0))
    assert (job["TrainingEndTime"], job["LastModifiedTime"]) == (_at(HOUR), _at(HOUR))
    assert job["TrainingTimeInSeconds"] == job["BillableTimeInSeconds"] == 3600
    transitions = [
        (t["Status"], t["StartTime"], t["EndTime"]) for t in job["SecondaryStatusTransitions"]
    ]
    assert transitions == [
        ("Starting", _at(0), _at(180)),
        ("Downloading", _at(180), _at(240)),
        ("Training", _at(240), _at(HOUR - 60)),
        ("Uploading", _at(HOUR - 60), _at(HOUR)),
        ("Completed", _at(HOUR), _at(HOUR)),
    ]
    listed = sagemaker.list_training_jobs()["TrainingJobSummaries"]
    assert [(j["TrainingJobName"], j["TrainingJobStatus"]) for j in listed] == [
        ("job", "Completed")
    ]


def test_the_artefact_appears_where_sagemaker_writes_it_only_when_the_job_completes(cloud):
    clock, _, _, s3, sagemaker = cloud
    sagemaker.create_training_job(**_request("job", _dataset(s3, {"a.csv": _csv(_rows(80, 4))})))
    clock.advance(HOUR - 1)
    assert not _has_object(s3, _artifact_key("job"))
    clock.advance(1)
    body = s3.get_object(Bucket=BUCKET, Key=_artifact_key("job"))["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body), mode="r:gz") as archive:
        assert archive.getnames() == ["model.json"]
        document = json.loads(archive.extractfile("model.json").read())  # type: ignore[union-attr]
    assert document["featureDim"] == 3 and document["trainingJobName"] == "job"
    assert document["records"] == 80


# case -> (files, manifest or None for "all files", fragments of the FailureReason);
# {data} is the case's data prefix, {manifest} its manifest URI.
BAD_DATA = {
    "non-numeric": (
        {"a.csv": "1,2,3,4\n5,6,x7,8\n"},
        None,
        ["{data}a.csv, line 2", "could not convert 'x7' to float"],
    ),
    "ragged": (
        {"a.csv": "1,2,3,4\n\n5,6,7\n"},
        None,
        ["{data}a.csv, line 3", "3 columns", "has 4"],
    ),
    "missing-key": (
        {"a.csv": "1,2,3,4\n"},
        ["a.csv", "gone.csv"],
        ["ClientError: Data download failed", "{data}gone.csv", "NoSuchKey"],
    ),
    "empty": ({"a.csv": "\n\n"}, None, ["{data}a.csv holds no records"]),
    "bad-manifest": (
        {"a.csv": "1,2,3,4\n"},
        "no prefix element",
        ["manifest {manifest}", '{{"prefix": "s3://..."}}'],
    ),
    "feature-dim": ({"a.csv": "1,2,3\n"}, None, ["2 features per record but feature_dim is 3"]),
}


def test_bad_data_fails_the_job_early_naming_the_file_and_line(cloud):
    clock, _, _, s3, sagemaker = cloud
    for case, (files, listed, _) in BAD_DATA.items():
        manifest = _dataset(s3, files, listed, case=case)
        sagemaker.create_training_job(**_request(case, manifest))
    clock.advance(240)  # the algorithm reads the channel when training starts
    for case, (_, _, expected) in BAD_DATA.items():
        job = sagemaker.describe_training_job(TrainingJobName=case)
        assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Failed", "Failed"), case
        reason = job["FailureReason"]
        assert reason.startswith("ClientError: "), case
        paths = {
            "data": f"s3://{BUCKET}/data/{case}/",
            "manifest": f"s3://{BUCKET}/manifests/{case}.json",
        }
        for fragment in expected:
            assert fragment.format(**paths) in reason, (case, reason)
        assert job["TrainingEndTime"] == _at(240), case
    clock.advance(HOUR)
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="artifacts/").get("KeyCount", 0) == 0


def test_a_job_running_past_max_runtime_is_stopped_by_sagemaker(cloud):
    clock, local, _, s3, sagemaker = cloud
    local.training_duration = lambda request: 2 * HOUR
    manifest = _dataset(s3, {"a.csv": _csv(_rows(50, 5))})
    sagemaker.create_training_job(
        **_request("slow", manifest, StoppingCondition={"MaxRuntimeInSeconds": 3600})
    )
    clock.advance(HOUR - 1)
    assert (
        sagemaker.describe_training_job(TrainingJobName="slow")["TrainingJobStatus"] == "InProgress"
    )
    clock.advance(1)
    job = sagemaker.describe_training_job(TrainingJobName="slow")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded")
    assert "MaxRuntimeInSeconds" in job["FailureReason"]
    assert job["TrainingEndTime"] == _at(HOUR)
    clock.advance(2 * HOUR)
    assert sagemaker.describe_training_job(TrainingJobName="slow")["TrainingJobStatus"] == "Stopped"
    assert not _has_object(s3, _artifact_key("slow"))


def test_stop_training_job_goes_through_stopping_to_stopped(cloud):
    clock, _, _, s3, sagemaker = cloud
    sagemaker.create_training_job(**_request("job", _dataset(s3, {"a.csv": _csv(_rows(50, 6))})))
    clock.advance(600)
    sagemaker.stop_training_job(TrainingJobName="job")
    job = sagemaker.describe_training_job(TrainingJobName="job")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopping", "Stopping")
    clock.advance(30)
    job = sagemaker.describe_training_job(TrainingJobName="job")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "Stopped")
    assert job["TrainingEndTime"] == _at(630)
    with pytest.raises(ClientError, match="training job is in status Stopped") as stopped:
        sagemaker.stop_training_job(TrainingJobName="job")
    assert stopped.value.response["Error"]["Code"] == "ValidationException"
    with pytest.raises(ClientError, match="Requested resource not found"):
        sagemaker.stop_training_job(TrainingJobName="nope")
    clock.advance(HOUR)
    assert not _has_object(s3, _artifact_key("job"))


def test_fault_injection_fails_or_stops_the_next_job_only(cloud):
    clock, local, _, s3, sagemaker = cloud
    manifest = _dataset(s3, {"a.csv": _csv(_rows(50, 7))})
    local.fail_next_training("AlgorithmError: injected")
    sagemaker.create_training_job(**_request("failing", manifest))
    local.stop_next_training()
    sagemaker.create_training_job(**_request("stopped", manifest))
    sagemaker.create_training_job(**_request("fine", manifest))
    clock.advance(HOUR / 2 - 1)
    assert (
        sagemaker.describe_training_job(TrainingJobName="stopped")["TrainingJobStatus"]
        == "InProgress"
    )
    clock.advance(1)
    assert (
        sagemaker.describe_training_job(TrainingJobName="stopped")["TrainingJobStatus"]
        == "Stopping"
    )
    clock.advance(HOUR / 2 - 1)
    assert (
        sagemaker.describe_training_job(TrainingJobName="failing")["TrainingJobStatus"]
        == "InProgress"
    )
    clock.advance(1)
    failing = sagemaker.describe_training_job(TrainingJobName="failing")
    assert (failing["TrainingJobStatus"], failing["FailureReason"]) == (
        "Failed",
        "AlgorithmError: injected",
    )
    assert failing["TrainingEndTime"] == _at(HOUR)
    statuses = {
        name: sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
        for name in ("failing", "stopped", "fine")
    }
    assert statuses == {"failing": "Failed", "stopped": "Stopped", "fine": "Completed"}


def test_create_validates_like_sagemaker(cloud):
    _, _, _, s3, sagemaker = cloud
    manifest = _dataset(s3, {"a.csv": _csv(_rows(20, 8))})
    sagemaker.create_training_job(**_request("taken", manifest))
    with pytest.raises(ClientError) as duplicate:
        sagemaker.create_training_job(**_request("taken", manifest))
    assert duplicate.value.response["Error"]["Code"] == "ResourceInUse"
    arn = f"arn:aws:sagemaker:{REGION}:123456789012:training-job/taken"
    assert duplicate.value.response["Error"]["Message"] == (
        "Training job names must be unique within an AWS account and region, and a training job "
        f"with this name already exists ({arn})"
    )
    for bad_name, constraint in (("a" * 64, "length less than or equal to 63"), ("a_b", "pattern")):
        with pytest.raises(ClientError, match=constraint) as invalid:
            sagemaker.create_training_job(**_request(bad_name, manifest))
        assert invalid.value.response["Error"]["Code"] == "ValidationException"

    def spot(max_wait: int) -> dict[str, Any]:
        stopping = {"MaxRuntimeInSeconds": 600, "MaxWaitTimeInSeconds": max_wait}
        return {"EnableManagedSpotTraining": True, "StoppingCondition": stopping}

    with pytest.raises(ClientError, match="MaxWaitTimeInSeconds"):
        sagemaker.create_training_job(**_request("spot", manifest, **spot(300)))
    sagemaker.create_training_job(**_request("spot", manifest, **spot(1200)))
    assert (
        sagemaker.describe_training_job(TrainingJobName="spot")["EnableManagedSpotTraining"] is True
    )
    with pytest.raises(ClientError, match="Requested resource not found"):
        sagemaker.describe_training_job(TrainingJobName="never-created")


def test_state_change_events_are_published_in_order_with_aws_shape(cloud):
    clock, local, router, s3, sagemaker = cloud
    sagemaker.create_training_job(**_request("job", _dataset(s3, {"a.csv": _csv(_rows(40, 9))})))
    assert router.training() == []  # asynchronous, as in AWS: delivered when time flows
    clock.advance(HOUR)
    details = router.training()
    assert [(d["TrainingJobStatus"], d["SecondaryStatus"]) for d in details] == [
        ("InProgress", "Starting"),
        ("InProgress", "Downloading"),
        ("InProgress", "Training"),
        ("InProgress", "Uploading"),
        ("Completed", "Completed"),
    ]
    times = [at - START.timestamp() for at, e in router.published]
    assert times == [0, 180, 240, HOUR - 60, HOUR]
    last = router.published[-1][1]
    arn = f"arn:aws:sagemaker:{REGION}:123456789012:training-job/job"
    assert (last["source"], last["account"], last["region"]) == (
        "aws.sagemaker",
        "123456789012",
        REGION,
    )
    assert last["resources"] == [arn]
    detail = last["detail"]
    assert (detail["TrainingJobName"], detail["TrainingJobArn"]) == ("job", arn)
    assert detail["ModelArtifacts"] == {"S3ModelArtifacts": f"s3://{BUCKET}/{_artifact_key('job')}"}
    assert detail["Tags"] == {"model": "demand"}
    assert detail["TrainingEndTime"] == round(_at(HOUR).timestamp() * 1000)
    assert detail["StoppingCondition"] == {"MaxRuntimeInSeconds": 4 * 3600}
    json.dumps(detail)  # an event detail is plain JSON
    assert [c.detail for c in local.state_changes] == details


def test_terminal_events_reach_a_lambda_target_through_an_eventbridge_rule(cloud):
    clock, local, _, s3, sagemaker = cloud
    runtime = LambdaRuntime()
    runtime.install()
    try:
        received: list[dict[str, Any]] = []
        target = _lambda_function("on-sagemaker-event")

        def record(event: dict[str, Any]) -> dict[str, Any]:
            received.append(event)
            return {}

        runtime.stub("on-sagemaker-event", record)
        events = _client("events")
        pattern = {
            "source": ["aws.sagemaker"],
            "detail-type": ["SageMaker Training Job State Change"],
            "detail": {"TrainingJobStatus": ["Completed", "Failed", "Stopped"]},
        }
        events.put_rule(Name="terminal", EventPattern=json.dumps(pattern))
        events.put_targets(Rule="terminal", Targets=[{"Id": "1", "Arn": target}])
        manifest = _dataset(s3, {"a.csv": _csv(_rows(40, 10))})
        sagemaker.create_training_job(**_request("job", manifest))
        local.fail_next_training()
        sagemaker.create_training_job(**_request("job-2", manifest))
        clock.advance(HOUR)
    finally:
        runtime.close()
    assert [
        (e["detail"]["TrainingJobName"], e["detail"]["TrainingJobStatus"]) for e in received
    ] == [
        ("job", "Completed"),
        ("job-2", "Failed"),
    ]
    assert received[0]["time"] == "2026-03-01T07:00:00Z"
    assert received[1]["detail"]["FailureReason"].startswith("InternalServerError")


def test_default_duration_grows_with_the_data_and_can_be_replaced_at_any_time(cloud):
    clock, local, _, s3, sagemaker = cloud
    local.training_duration = None
    small = _dataset(s3, {"a.csv": _csv(_rows(20, 11))})
    sagemaker.create_training_job(**_request("small", small))
    s3.put_object(Bucket=BUCKET, Key="big/a.csv", Body=_csv(_rows(40_000, 12)))
    size = s3.head_object(Bucket=BUCKET, Key="big/a.csv")["ContentLength"]
    big = _request("big", small)
    big["InputDataConfig"][0]["DataSource"]["S3DataSource"].update(
        S3DataType="S3Prefix", S3Uri=f"s3://{BUCKET}/big/"
    )
    sagemaker.create_training_job(**big)
    local.training_duration = lambda request: 90.0
    sagemaker.create_training_job(**_request("quick", small))

    def status(name: str) -> str:
        return sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]

    clock.advance(90)
    assert (status("quick"), status("small")) == ("Completed", "InProgress")
    clock.advance(300 - 90 + 1)  # 300 s + 6 s per MB of a few hundred bytes
    assert status("small") == "Completed"
    big_seconds = 300 + 6 * size / 1_000_000
    assert big_seconds > 305
    clock.advance(big_seconds - clock.now() + START.timestamp() - 1)
    assert status("big") == "InProgress"
    clock.advance(1)
    assert status("big") == "Completed"


def test_close_restores_moto_and_is_idempotent(cloud):
    _, local, _, _, _ = cloud
    assert hasattr(SageMakerResponse, "update_endpoint")
    local.close()
    local.close()
    assert not hasattr(SageMakerResponse, "update_endpoint")
    assert not hasattr(SageMakerResponse, "stop_training_job")


def test_the_test_channel_is_scored_for_real_under_linear_learners_names():
    """`test:mse`, `test:rmse`, `test:absolute_loss` of the final model on the test rows."""
    import math

    import numpy as np

    from localcloud.sagemaker import linear

    train = np.array([[1.0, 0.0], [3.0, 1.0], [5.0, 2.0]])  # label = 2x + 1, exactly
    result = linear.with_test_metrics(linear.fit(train, 1), np.array([[2.0, 0.0], [7.0, 2.0]]))
    # Residuals on the test rows: 2 - 1 = 1 and 7 - 5 = 2.
    assert result.metrics["test:mse"] == pytest.approx(2.5)
    assert result.metrics["test:rmse"] == pytest.approx(math.sqrt(2.5))
    assert result.metrics["test:absolute_loss"] == pytest.approx(1.5)
    assert result.metrics["test:objective_loss"] == pytest.approx(2.5)
    assert result.metrics["train:mse"] == pytest.approx(0.0, abs=1e-12)
