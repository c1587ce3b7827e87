"""The local CloudWatch evaluates moto's metric alarms as CloudWatch does, on the clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from localcloud.clock import Clock
from localcloud.cloudwatch import metrics
from localcloud.cloudwatch.alarms import AlarmEvaluator, AlarmNotEvaluable, UnknownAlarm
from localcloud.cloudwatch.service import LocalCloudWatch

pytestmark = pytest.mark.unit

START = datetime(2026, 3, 1, 6, 0, tzinfo=UTC)
REGION = "eu-west-1"
ACCOUNT = "123456789012"
DIMENSIONS = {"EndpointName": "ep", "VariantName": "AllTraffic"}


@pytest.fixture
def cloudwatch():
    with mock_aws():
        yield boto3.client("cloudwatch", region_name=REGION)


@pytest.fixture
def clock():
    return Clock(START)


def put(clock: Clock, value: float, at: float, metric: str = "Invocation5XXErrors") -> None:
    """One datapoint `at` seconds after START."""
    moment = datetime.fromtimestamp(START.timestamp() + at, tz=UTC).replace(tzinfo=None)
    metrics.put(
        account=ACCOUNT,
        region=REGION,
        namespace="AWS/SageMaker",
        dimensions=DIMENSIONS,
        values={metric: (value, "None")},
        at=moment,
    )


def alarm(cloudwatch: Any, name: str = "errors", **overrides: Any) -> None:
    settings: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": "AWS/SageMaker",
        "MetricName": "Invocation5XXErrors",
        "Dimensions": [{"Name": k, "Value": v} for k, v in DIMENSIONS.items()],
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 1.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
    }
    settings.update(overrides)
    settings = {k: v for k, v in settings.items() if v is not None}
    cloudwatch.put_metric_alarm(**settings)


def state(cloudwatch: Any, name: str = "errors") -> dict[str, Any]:
    return dict(cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0])


def evaluate(evaluator: AlarmEvaluator, clock: Clock, at: float, name: str = "errors") -> str:
    clock.advance(START.timestamp() + at - clock.now())
    return evaluator.evaluate(ACCOUNT, REGION, [name])[0].state


def test_a_breaching_period_sets_alarm_with_cloudwatchs_reason_and_history(cloudwatch, clock):
    alarm(cloudwatch)
    evaluator = AlarmEvaluator(clock)
    put(clock, 0, 10)
    assert evaluate(evaluator, clock, 60) == "OK"
    put(clock, 1, 70)
    put(clock, 1, 80)
    assert evaluate(evaluator, clock, 119) == "OK"  # that minute has not ended yet
    assert evaluate(evaluator, clock, 120) == "ALARM"
    found = state(cloudwatch)
    assert found["StateValue"] == "ALARM"
    assert found["StateReason"].startswith(
        "Threshold Crossed: 1 out of the last 1 datapoints [2.0 (01/03/26 06:01:00)] was "
        "greater than or equal to the threshold (1.0)"
    )
    assert found["StateUpdatedTimestamp"] == datetime.fromtimestamp(START.timestamp() + 120, tz=UTC)
    data = json.loads(found["StateReasonData"])
    assert data["recentDatapoints"] == [2.0]
    assert data["evaluatedDatapoints"][0]["sampleCount"] == 2
    # moto creates alarms in OK; the quiet first minute left it there.
    assert [item["HistorySummary"] for item in evaluator.history] == [
        "Alarm updated from OK to ALARM"
    ]
    assert json.loads(evaluator.history[0]["HistoryData"])["newState"]["stateValue"] == "ALARM"
    # Errors stop: the next minute's datapoint is 0, back to OK.
    put(clock, 0, 130)
    assert evaluate(evaluator, clock, 180) == "OK"
    assert evaluator.history[-1]["HistorySummary"] == "Alarm updated from ALARM to OK"


def test_m_of_n_needs_datapoints_to_alarm_breaching_periods(cloudwatch, clock):
    alarm(cloudwatch, EvaluationPeriods=3, DatapointsToAlarm=2)
    evaluator = AlarmEvaluator(clock)
    for minute, value in enumerate([1, 0, 0]):
        put(clock, value, minute * 60 + 5)
    assert evaluate(evaluator, clock, 180) == "OK"  # 1 of the last 3
    put(clock, 3, 185)
    assert evaluate(evaluator, clock, 240) == "OK"  # [0, 0, 3]: 1 of 3 again
    put(clock, 1, 245)
    assert evaluate(evaluator, clock, 300) == "ALARM"  # [0, 3, 1]: 2 of 3


@pytest.mark.parametrize(
    ("treatment", "expected"),
    [
        (None, "INSUFFICIENT_DATA"),
        ("missing", "INSUFFICIENT_DATA"),
        ("notBreaching", "OK"),
        ("breaching", "ALARM"),
        ("ignore", "OK"),  # keeps the state it had
    ],
)
def test_periods_without_data_are_treated_as_treat_missing_data_says(
    cloudwatch, clock, treatment, expected
):
    alarm(cloudwatch, TreatMissingData=treatment)
    evaluator = AlarmEvaluator(clock)
    assert evaluate(evaluator, clock, 600) == expected


def test_statistics_and_percentiles_are_computed_from_the_periods_datapoints(cloudwatch, clock):
    evaluator = AlarmEvaluator(clock)
    for value in (100.0, 200.0, 300.0, 4000.0):
        put(clock, value, 10, metric="ModelLatency")
    expectations = {
        "Average": (1150.0, "ALARM"),
        "Maximum": (4000.0, "ALARM"),
        "Minimum": (100.0, "OK"),
        "SampleCount": (4.0, "OK"),
        "Sum": (4600.0, "ALARM"),
    }
    for statistic, (_, expected) in expectations.items():
        alarm(
            cloudwatch,
            name=statistic,
            MetricName="ModelLatency",
            Statistic=statistic,
            Threshold=1000.0,
        )
        assert evaluate(evaluator, clock, 60, statistic) == expected, statistic
    alarm(
        cloudwatch,
        name="p50",
        MetricName="ModelLatency",
        Statistic=None,
        ExtendedStatistic="p50",
        Threshold=250.0,
    )
    assert evaluate(evaluator, clock, 60, "p50") == "OK"  # p50 of 4 values: 200
    alarm(
        cloudwatch,
        name="p99",
        MetricName="ModelLatency",
        Statistic=None,
        ExtendedStatistic="p99",
        Threshold=250.0,
    )
    assert evaluate(evaluator, clock, 60, "p99") == "ALARM"


def test_only_datapoints_with_exactly_the_alarms_dimensions_count(cloudwatch, clock):
    alarm(cloudwatch, Dimensions=[{"Name": "EndpointName", "Value": "ep"}])
    evaluator = AlarmEvaluator(clock)
    put(clock, 5, 10)  # has VariantName as well: another metric for CloudWatch
    assert evaluate(evaluator, clock, 60) == "INSUFFICIENT_DATA"


def test_alarms_it_cannot_evaluate_are_errors(cloudwatch, clock):
    evaluator = AlarmEvaluator(clock)
    cloudwatch.put_metric_alarm(
        AlarmName="math",
        Metrics=[{"Id": "e", "Expression": "SUM(METRICS())", "ReturnData": True}],
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    with pytest.raises(AlarmNotEvaluable, match="metric math"):
        evaluator.evaluate(ACCOUNT, REGION, ["math"])
    alarm(
        cloudwatch,
        name="band",
        ComparisonOperator="GreaterThanUpperThreshold",
        Threshold=None,
        ThresholdMetricId="ad1",
    )
    with pytest.raises(AlarmNotEvaluable, match="anomaly detection"):
        evaluator.evaluate(ACCOUNT, REGION, ["band"])
    with pytest.raises(UnknownAlarm, match="'nope'"):
        evaluator.evaluate(ACCOUNT, REGION, ["nope"])


def test_describe_alarms_reads_the_state_cloudwatch_would_show_and_history_is_kept(
    cloudwatch, clock
):
    """moto never evaluates; with LocalCloudWatch installed DescribeAlarms does, at the
    virtual now, and DescribeAlarmHistory (which moto lacks) answers from the evaluator."""
    evaluator = AlarmEvaluator(clock)
    local = LocalCloudWatch(evaluator)
    local.install()
    try:
        alarm(cloudwatch, TreatMissingData="notBreaching")
        put(clock, 3, 10)
        clock.advance(60)
        assert state(cloudwatch)["StateValue"] == "ALARM"
        clock.advance(120)  # two quiet minutes
        assert state(cloudwatch)["StateValue"] == "OK"
        items = cloudwatch.describe_alarm_history(
            AlarmName="errors", HistoryItemType="StateUpdate"
        )["AlarmHistoryItems"]
        assert [item["HistorySummary"] for item in items] == [
            "Alarm updated from ALARM to OK",  # newest first, as CloudWatch scans by default
            "Alarm updated from OK to ALARM",
        ]
        later = datetime.fromtimestamp(START.timestamp() + 100, tz=UTC)
        recent = cloudwatch.describe_alarm_history(AlarmName="errors", StartDate=later)
        assert len(recent["AlarmHistoryItems"]) == 1
    finally:
        local.close()
