"""UpdateEndpoint with a DeploymentConfig: blue/green traffic shifting with auto-rollback on
the local SageMaker, driven with boto3, with a client calling the endpoint throughout."""

from __future__ import annotations

import copy
import functools
import json
from datetime import UTC, datetime
from typing import Any, Final

import boto3
import numpy as np
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from localcloud.clock import Clock
from localcloud.cloudwatch.service import LocalCloudWatch
from localcloud.eventbridge.router import EventRouter
from localcloud.internals.moto_private import SageMakerValidationError
from localcloud.sagemaker import deployment_config, linear
from localcloud.sagemaker.service import LocalSageMaker
from localcloud.sagemaker.traffic import TrafficClient
from localcloud.sagemaker.variant_faults import ERRORS, SLOW, VariantFault

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
REGION: Final = "eu-west-1"
ACCOUNT = "123456789012"
BUCKET = "model-artifacts"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker"
T = 480.0  # endpoint_transition_seconds
OLD = linear.LinearModel((1.0, 2.0), 0.5)
NEW = linear.LinearModel((-1.0, 3.0), 10.0)
ERRORS_ALARM, LATENCY_ALARM = "ep-invocation-5xx", "ep-model-latency"
DEPLOYMENT_EVENT = "SageMaker Endpoint Deployment State Change"


@functools.cache
def _client(service: str) -> Any:
    make: Any = boto3.client
    return make(service, region_name=REGION)


class RecordingRouter(EventRouter):
    def __init__(self, clock: Clock) -> None:
        super().__init__(clock)
        self.published: list[tuple[float, dict[str, Any]]] = []

    def emit(self, **event: Any) -> None:
        self.published.append((self.clock.now(), event))
        super().emit(**event)

    def deployment_stages(self) -> list[tuple[str, str | None]]:
        """(EndpointStatus, VariantStatus message) of every deployment event."""
        stages = []
        for _, event in self.published:
            if event["detail_type"] != DEPLOYMENT_EVENT:
                continue
            detail = event["detail"]
            variants = detail.get("PendingDeploymentSummary", {}).get("ProductionVariants", [])
            status = variants[0]["VariantStatus"][0] if variants else None
            message = f"{status['Status']}: {status['StatusMessage']}" if status else None
            stages.append((detail["EndpointStatus"], message))
        return stages


class Cloud:
    def __init__(self, clock: Clock, local: LocalSageMaker, router: RecordingRouter) -> None:
        self.clock, self.local, self.router = clock, local, router
        self.sagemaker = _client("sagemaker")
        self.cloudwatch = _client("cloudwatch")

    def config(self, name: str, model: linear.LinearModel, instances: int = 1) -> str:
        _client("s3").put_object(
            Bucket=BUCKET, Key=f"{name}/model.tar.gz", Body=linear.pack(model, name, 10)
        )
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
                    "InitialInstanceCount": instances,
                }
            ],
        )
        return name

    def alarm(self, name: str, metric: str, statistic: str, threshold: float) -> None:
        self.cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/SageMaker",
            MetricName=metric,
            Dimensions=[
                {"Name": "EndpointName", "Value": "ep"},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
            Statistic=statistic,
            Period=60,
            EvaluationPeriods=1,
            Threshold=threshold,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
            TreatMissingData="notBreaching",
        )

    def describe(self) -> dict[str, Any]:
        return dict(self.sagemaker.describe_endpoint(EndpointName="ep"))

    def until_settled(self) -> None:
        self.clock.run_until(lambda: self.describe()["EndpointStatus"] in ("InService", "Failed"))
        self.clock.advance(0)  # deliver the events of that instant

    def state(self, alarm: str) -> str:
        found = self.cloudwatch.describe_alarms(AlarmNames=[alarm])["MetricAlarms"]
        return str(found[0]["StateValue"])

    def went_to_alarm(self, alarm: str, since: float) -> list[str]:
        """The StateReason of each transition of `alarm` to ALARM since `since`."""
        items = self.cloudwatch.describe_alarm_history(
            AlarmName=alarm,
            HistoryItemType="StateUpdate",
            StartDate=datetime.fromtimestamp(since, tz=UTC),
        )["AlarmHistoryItems"]
        reasons = []
        for item in items:
            new = json.loads(item["HistoryData"])["newState"]
            if new["stateValue"] == "ALARM":
                reasons.append(new["stateReason"])
        return reasons


@pytest.fixture
def cloud():
    clock = Clock(START)
    with mock_aws():
        router = RecordingRouter(clock)
        router.install()
        local = LocalSageMaker(clock, router, endpoint_transition_seconds=T)
        local.install()
        cloudwatch = LocalCloudWatch(local.alarms)
        cloudwatch.install()
        _client("s3").create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        try:
            made = Cloud(clock, local, router)
            # Five instances: a 20 % canary is one of them, as a linear step of 20 %.
            made.config("old", OLD, instances=5)
            made.config("new", NEW, instances=5)
            made.sagemaker.create_endpoint(EndpointName="ep", EndpointConfigName="old")
            clock.advance(T)
            made.alarm(ERRORS_ALARM, "Invocation5XXErrors", "Sum", 1)
            made.alarm(LATENCY_ALARM, "ModelLatency", "Maximum", 1_000_000)  # 1 s, in µs
            yield made
        finally:
            cloudwatch.close()
            local.close()
            router.close()


@pytest.fixture
def client(cloud: Cloud):
    traffic = TrafficClient(
        cloud.clock, cloud.local, _client("sagemaker-runtime"), "ep", b"1,2\n", every=5
    )
    traffic.start()
    yield traffic
    traffic.stop()


def canary(percent: int = 20, wait: int = 600, termination: int = 120) -> dict[str, Any]:
    return {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": wait,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": percent},
            },
            "TerminationWaitInSeconds": termination,
            "MaximumExecutionTimeoutInSeconds": 3600,
        },
        "AutoRollbackConfiguration": {
            "Alarms": [{"AlarmName": ERRORS_ALARM}, {"AlarmName": LATENCY_ALARM}]
        },
    }


def update(cloud: Cloud, config: dict[str, Any]) -> float:
    cloud.sagemaker.update_endpoint(
        EndpointName="ep", EndpointConfigName="new", DeploymentConfig=config
    )
    return cloud.clock.now()


REQUEST = np.array([[1.0, 2.0]])  # what the client sends, b"1,2\n"
OLD_ANSWER, NEW_ANSWER = float(OLD.predict(REQUEST)[0]), float(NEW.predict(REQUEST)[0])


def test_a_healthy_canary_bakes_on_its_share_then_shifts_fully(cloud, client):
    started = update(cloud, canary(percent=20, wait=600, termination=120))
    cloud.clock.advance(T + 300)  # provisioned, halfway through the canary's bake
    baking = cloud.describe()
    assert baking["EndpointStatus"] == "Updating"
    assert baking["EndpointConfigName"] == "old"
    pending = baking["PendingDeploymentSummary"]
    assert pending["EndpointConfigName"] == "new"
    status = pending["ProductionVariants"][0]["VariantStatus"][0]
    assert status["Status"] == "Baking"
    assert "600 seconds (WaitIntervalInSeconds)" in status["StatusMessage"]

    cloud.until_settled()
    done = cloud.describe()
    assert done["EndpointStatus"] == "InService"
    assert done["EndpointConfigName"] == "new"
    assert done["LastDeploymentConfig"] == canary(percent=20, wait=600, termination=120)
    assert "PendingDeploymentSummary" not in done
    # T to provision, the canary's wait, the termination wait.
    assert cloud.clock.now() - started == pytest.approx(T + 600 + 120)

    cloud.clock.advance(60)
    client.stop()
    assert client.failed() == []
    canary_phase = client.between(started + T, started + T + 600)
    on_new = [a for a in canary_phase if a.config_name == "new"]
    assert len(on_new) == len(canary_phase) // 5  # exactly 20 % of the requests
    assert all(a.predictions == pytest.approx((NEW_ANSWER,)) for a in on_new)
    on_old = [a for a in canary_phase if a.config_name == "old"]
    assert all(a.predictions == pytest.approx((OLD_ANSWER,)) for a in on_old)
    before = client.between(started, started + T)
    after = client.between(started + T + 600, cloud.clock.now())
    assert {a.config_name for a in before} == {"old"}
    assert {a.config_name for a in after} == {"new"}
    assert cloud.state(ERRORS_ALARM) == "OK"
    assert [stage for stage in cloud.router.deployment_stages() if stage[1]] == [
        ("UPDATING", "Creating: Launching 5 instance(s)."),
        ("UPDATING", "ActivatingTraffic: Activating traffic on canary capacity of 1 instance(s)."),
        (
            "UPDATING",
            "Baking: Baking for 600 seconds (WaitIntervalInSeconds) with traffic enabled on "
            "canary capacity of 1 instance(s).",
        ),
        ("UPDATING", "ActivatingTraffic: Activating traffic on full capacity of 5 instance(s)."),
        (
            "UPDATING",
            "Baking: Baking for 120 seconds (TerminationWaitInSeconds) with traffic enabled on "
            "full capacity of 5 instance(s).",
        ),
    ]
    assert cloud.router.deployment_stages()[-1] == ("IN_SERVICE", None)


def test_an_erroring_canary_is_rolled_back_by_its_alarm_and_the_old_model_serves(cloud, client):
    cloud.local.fail_next_new_variant(VariantFault(ERRORS, share=0.5))
    started = update(cloud, canary(percent=20, wait=600))
    cloud.until_settled()
    done = cloud.describe()
    assert done["EndpointStatus"] == "InService"
    assert done["EndpointConfigName"] == "old"
    assert ERRORS_ALARM in done["FailureReason"]
    # The old model answers without errors: a minute later the alarm is OK again, as
    # CloudWatch would show it; its history keeps the transition that rolled the canary back.
    assert cloud.state(ERRORS_ALARM) == "OK"
    (reason,) = cloud.went_to_alarm(ERRORS_ALARM, started)
    assert reason.startswith("Threshold Crossed: 1 out of the last 1 datapoints")
    assert cloud.went_to_alarm(LATENCY_ALARM, started) == []
    assert cloud.state(LATENCY_ALARM) == "OK"
    rolled_back = cloud.clock.now()
    # The alarm fires at the first minute that holds an error: well before the bake ends.
    assert rolled_back - started < T + 600
    cloud.clock.advance(120)
    client.stop()

    failed = client.failed()
    assert failed, "the canary answered no error: the fault never struck"
    assert {a.config_name for a in failed} == {"new"}
    assert all(a.error and a.error.startswith("ModelError") for a in failed)
    # Every other request was answered; after the rollback only by the old model.
    assert all(a.ok for a in client.answers if a.config_name == "old")
    assert {a.config_name for a in client.between(rolled_back, cloud.clock.now())} == {"old"}
    assert ("ROLLING_BACK", None) not in cloud.router.deployment_stages()
    assert any(stage[0] == "ROLLING_BACK" for stage in cloud.router.deployment_stages())
    assert cloud.local.pending_faults()["fail_next_new_variant:5xx"] == 0


def test_a_slow_canary_is_rolled_back_by_the_latency_alarm(cloud, client):
    cloud.local.fail_next_new_variant(VariantFault(SLOW, share=1.0, delay_seconds=3.0))
    update(cloud, canary(percent=40, wait=600))
    cloud.until_settled()
    done = cloud.describe()
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", "old")
    assert LATENCY_ALARM in done["FailureReason"]
    assert len(cloud.went_to_alarm(LATENCY_ALARM, cloud.clock.now() - 3600)) == 1
    client.stop()
    assert client.failed() == []  # slow, never failing
    slow = [a for a in client.answers if a.config_name == "new"]
    assert slow and all(a.answered_at - a.at >= 3.0 for a in slow)
    assert all(a.answered_at - a.at < 1.0 for a in client.answers if a.config_name == "old")
    latencies = [
        point["Maximum"]
        for point in cloud.cloudwatch.get_metric_statistics(
            Namespace="AWS/SageMaker",
            MetricName="ModelLatency",
            Dimensions=[
                {"Name": "EndpointName", "Value": "ep"},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
            StartTime=START,
            EndTime=datetime.fromtimestamp(cloud.clock.now() + 60, tz=UTC),
            Period=3600 * 6,
            Statistics=["Maximum"],
        )["Datapoints"]
    ]
    assert max(latencies) >= 3_000_000  # microseconds


def test_linear_shifts_in_its_steps_each_baked(cloud, client):
    config = canary(wait=100, termination=0)
    config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] = {
        "Type": "LINEAR",
        "WaitIntervalInSeconds": 100,
        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 20},
    }
    started = update(cloud, config)
    cloud.until_settled()
    assert cloud.describe()["EndpointConfigName"] == "new"
    assert cloud.clock.now() - started == pytest.approx(T + 4 * 100)
    client.stop()
    assert client.failed() == []
    shares = []
    for step in range(4):
        begin = started + T + step * 100
        answers = client.between(begin, begin + 100)  # 20 requests
        shares.append(sum(a.config_name == "new" for a in answers) / len(answers))
    assert shares == [0.2, 0.4, 0.6, 0.8]
    messages = [m for _, m in cloud.router.deployment_stages() if m and m.startswith("Baking")]
    assert [m.split(" on ")[1] for m in messages] == [
        "linear step 1 of 5 capacity of 1 instance(s).",
        "linear step 2 of 5 capacity of 2 instance(s).",
        "linear step 3 of 5 capacity of 3 instance(s).",
        "linear step 4 of 5 capacity of 4 instance(s).",
        "full capacity of 5 instance(s).",
    ]


def test_without_deployment_config_an_update_is_all_at_once_as_before(cloud, client):
    started = cloud.clock.now()
    cloud.sagemaker.update_endpoint(EndpointName="ep", EndpointConfigName="new")
    cloud.until_settled()
    assert cloud.clock.now() - started == pytest.approx(T)
    assert cloud.describe()["EndpointConfigName"] == "new"
    assert "LastDeploymentConfig" not in cloud.describe()
    assert cloud.router.deployment_stages() == []
    client.stop()
    assert client.failed() == []
    assert {a.config_name for a in client.between(started, started + T)} == {"old"}


def test_a_rollout_past_its_maximum_execution_timeout_rolls_back(cloud, client):
    config = canary(wait=300, termination=0)
    config["BlueGreenUpdatePolicy"]["MaximumExecutionTimeoutInSeconds"] = 600
    started = update(cloud, config)
    cloud.until_settled()
    done = cloud.describe()
    assert (done["EndpointStatus"], done["EndpointConfigName"]) == ("InService", "old")
    assert "MaximumExecutionTimeoutInSeconds (600 s)" in done["FailureReason"]
    assert cloud.clock.now() - started == pytest.approx(600 + T / 2)
    client.stop()
    assert client.failed() == []


def _invalid(config: dict[str, Any], path: list[str], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(config)
    target = changed
    for key in path[:-1]:
        target = target[key]
    if value is None:
        target.pop(path[-1])
    else:
        target[path[-1]] = value
    return changed


_TRAFFIC = ["BlueGreenUpdatePolicy", "TrafficRoutingConfiguration"]


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ([*_TRAFFIC, "Type"], "BURST", "Member must satisfy enum value set"),
        ([*_TRAFFIC, "WaitIntervalInSeconds"], 3601, "less than or equal to 3600"),
        ([*_TRAFFIC, "CanarySize"], {"Type": "CAPACITY_PERCENT", "Value": 60}, "at most 50%"),
        ([*_TRAFFIC, "CanarySize"], {"Type": "INSTANCE_COUNT", "Value": 3}, "at most 50%"),
        ([*_TRAFFIC, "CanarySize"], {"Type": "CAPACITY_PERCENT", "Value": 10}, "no whole instance"),
        ([*_TRAFFIC, "CanarySize"], {"Type": "PERCENT", "Value": 10}, "enum value set"),
        ([*_TRAFFIC, "CanarySize"], None, "CanarySize is required"),
        (["BlueGreenUpdatePolicy", "MaximumExecutionTimeoutInSeconds"], 28801, "28800"),
        (["BlueGreenUpdatePolicy", "MaximumExecutionTimeoutInSeconds"], 700, "larger than"),
        (["AutoRollbackConfiguration", "Alarms"], [{"AlarmName": "nope"}], "'nope'"),
        (
            ["RollingUpdatePolicy"],
            {
                "MaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 1},
                "WaitIntervalInSeconds": 0,
            },
            "Only one update policy",
        ),
    ],
)
def test_an_invalid_deployment_config_is_a_validation_error_and_changes_nothing(
    cloud, path, value, message
):
    before = len(cloud.router.published)
    with pytest.raises(ClientError) as error:
        update(cloud, _invalid(canary(wait=600, termination=120), path, value))
    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert message in error.value.response["Error"]["Message"]
    assert cloud.describe()["EndpointStatus"] == "InService"
    cloud.clock.advance(T)
    assert len(cloud.router.published) == before


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ([*_TRAFFIC, "WaitIntervalInSeconds"], None, "Value null at"),
        (["BlueGreenUpdatePolicy", "TerminationWaitInSeconds"], -1, "greater than or equal to 0"),
        (["BlueGreenUpdatePolicy", "MaximumExecutionTimeoutInSeconds"], 599, "to 600"),
        (["AutoRollbackConfiguration", "Alarms"], [], "length between 1 and 10"),
        ([*_TRAFFIC, "WaitIntervalInSeconds"], "60", "must be an integer"),
    ],
)
def test_what_botocore_lets_through_only_from_other_callers_is_refused_too(path, value, message):
    """botocore checks these before sending; SageMaker (and localcloud) check them again."""
    with pytest.raises(SageMakerValidationError, match="ValidationException") as error:
        deployment_config.parse(_invalid(canary(), path, value), 5, lambda name: None)
    assert message in str(error.value)


def test_linear_steps_outside_10_to_50_percent_are_refused():
    config = canary()
    config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"] = {
        "Type": "LINEAR",
        "WaitIntervalInSeconds": 60,
        "LinearStepSize": {"Type": "INSTANCE_COUNT", "Value": 1},
    }
    with pytest.raises(SageMakerValidationError, match="must be 10-50%"):
        deployment_config.parse(config, 1, lambda name: None)  # 1 of 1 instance: 100 %
    policy = deployment_config.parse(config, 4, lambda name: None)  # 1 of 4: 25 %
    assert [step.share for step in policy.steps(4)] == [0.25, 0.5, 0.75, 1.0]
    assert [step.instances for step in policy.steps(4)] == [1, 2, 3, 4]
    # 30 % of 4 instances is one whole instance: steps of one, as SageMaker rounds.
    config["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["LinearStepSize"] = {
        "Type": "CAPACITY_PERCENT",
        "Value": 30,
    }
    policy = deployment_config.parse(config, 4, lambda name: None)
    assert [step.instances for step in policy.steps(4)] == [1, 2, 3, 4]


def test_a_metric_math_rollback_alarm_is_refused(cloud):
    cloud.cloudwatch.put_metric_alarm(
        AlarmName="ratio",
        Metrics=[
            {
                "Id": "errors",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/SageMaker", "MetricName": "Invocation5XXErrors"},
                    "Period": 60,
                    "Stat": "Sum",
                },
                "ReturnData": False,
            },
            {"Id": "ratio", "Expression": "errors / 1", "ReturnData": True},
        ],
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    config = canary()
    config["AutoRollbackConfiguration"] = {"Alarms": [{"AlarmName": "ratio"}]}
    with pytest.raises(ClientError) as error:
        update(cloud, config)
    assert "metric math" in error.value.response["Error"]["Message"]


def test_every_invocation_records_sagemakers_metrics(cloud):
    runtime = _client("sagemaker-runtime")
    runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body=b"1,2\n")
    with pytest.raises(ClientError):
        runtime.invoke_endpoint(EndpointName="ep", ContentType="text/csv", Body=b"1\n")
    recorded: dict[str, list[float]] = {}
    for page in cloud.cloudwatch.get_paginator("list_metrics").paginate(Namespace="AWS/SageMaker"):
        for metric in page["Metrics"]:
            assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {
                "EndpointName": "ep",
                "VariantName": "AllTraffic",
            }
            recorded.setdefault(metric["MetricName"], [])
    for name in recorded:
        stats = cloud.cloudwatch.get_metric_statistics(
            Namespace="AWS/SageMaker",
            MetricName=name,
            Dimensions=[
                {"Name": "EndpointName", "Value": "ep"},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
            StartTime=START,
            EndTime=datetime.fromtimestamp(cloud.clock.now() + 60, tz=UTC),
            Period=3600,
            Statistics=["Sum", "SampleCount"],
        )["Datapoints"]
        recorded[name] = [stats[0]["Sum"], stats[0]["SampleCount"]]
    assert recorded["Invocations"] == [2, 2]
    assert recorded["Invocation4XXErrors"] == [1, 2]  # the wrong feature count: a 400
    assert recorded["Invocation5XXErrors"] == [0, 2]
    assert recorded["ModelLatency"][1] == 2 and recorded["ModelLatency"][0] > 0
    assert recorded["OverheadLatency"][1] == 2
    assert json.loads(json.dumps(recorded))  # plain numbers
