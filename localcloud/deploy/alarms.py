"""The alarm side in the embedded AWS: SNS topics and subscriptions, CloudWatch metric
alarms (see `localcloud.deploy.resources` for the framework)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from localcloud.deploy.resources import AwsApi, Created, ResourceRequest, emulates, tag_list, tagged

# --- SNS --------------------------------------------------------------------------------------
_TOPIC_ATTRIBUTES = {
    "displayName": "DisplayName",
    "policy": "Policy",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
}


@emulates("aws:sns/topic:Topic", f"name namePrefix tags region {' '.join(_TOPIC_ATTRIBUTES)}")
def _topic(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    attributes = r.params(_TOPIC_ATTRIBUTES, lambda v: str(v).lower() if isinstance(v, bool) else v)
    topic = api.client("sns", r.region).create_topic(
        Name=name,
        **({"Attributes": attributes} if attributes else {}),
        **({"Tags": tag_list(r.tags())} if r.tags() else {}),
    )
    arn = topic["TopicArn"]
    return Created(arn, tagged(r, {"name": name, "arn": arn, "owner": api.account}), arn)


@emulates(
    "aws:sns/topicSubscription:TopicSubscription",
    "topic protocol endpoint rawMessageDelivery filterPolicy endpointAutoConfirms"
    " confirmationTimeoutInMinutes region",
)
def _subscription(api: AwsApi, r: ResourceRequest) -> Created:
    # endpointAutoConfirms and confirmationTimeoutInMinutes only steer the provider's wait.
    sns = api.client("sns", r.region)
    attributes = r.params({"filterPolicy": "FilterPolicy"})
    if "rawMessageDelivery" in r:
        attributes["RawMessageDelivery"] = str(bool(r["rawMessageDelivery"])).lower()
    arn = sns.subscribe(
        TopicArn=r["topic"],
        Protocol=r["protocol"],
        Endpoint=r["endpoint"],
        ReturnSubscriptionArn=True,
        **({"Attributes": attributes} if attributes else {}),
    )["SubscriptionArn"]
    found = sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
    outputs = {
        "arn": arn,
        "ownerId": found["Owner"],
        "pendingConfirmation": found["PendingConfirmation"] == "true",
        "confirmationWasAuthenticated": found["ConfirmationWasAuthenticated"] == "true",
    }
    return Created(arn, outputs, arn)


# --- CloudWatch alarms --------------------------------------------------------------------------
def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {"Id": query["id"], "ReturnData": bool(query.get("returnData"))}
    for key, param in (
        ("expression", "Expression"),
        ("label", "Label"),
        ("accountId", "AccountId"),
    ):
        if key in query:
            converted[param] = query[key]
    if "period" in query:
        converted["Period"] = int(query["period"])
    if "metric" in query:
        metric = query["metric"]
        stat: dict[str, Any] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metricName"],
                "Dimensions": [
                    {"Name": k, "Value": v} for k, v in (metric.get("dimensions") or {}).items()
                ],
            },
            "Period": int(metric["period"]),
            "Stat": metric["stat"],
        }
        if "unit" in metric:
            stat["Unit"] = metric["unit"]
        converted["MetricStat"] = stat
    return converted


@emulates(
    "aws:cloudwatch/metricAlarm:MetricAlarm",
    "name alarmDescription comparisonOperator threshold evaluationPeriods datapointsToAlarm"
    " metricQueries metricName namespace period statistic dimensions unit treatMissingData"
    " actionsEnabled alarmActions okActions insufficientDataActions tags region",
)
def _metric_alarm(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    cloudwatch = api.client("cloudwatch", r.region)
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        ComparisonOperator=r["comparisonOperator"],
        EvaluationPeriods=int(r["evaluationPeriods"]),
        **r.params({"threshold": "Threshold"}, float),
        **r.params({"datapointsToAlarm": "DatapointsToAlarm", "period": "Period"}, int),
        **r.params(
            {
                "alarmDescription": "AlarmDescription",
                "metricName": "MetricName",
                "namespace": "Namespace",
                "statistic": "Statistic",
                "unit": "Unit",
                "treatMissingData": "TreatMissingData",
            }
        ),
        **r.params({"actionsEnabled": "ActionsEnabled"}, bool),
        **r.params(
            {
                "alarmActions": "AlarmActions",
                "okActions": "OKActions",
                "insufficientDataActions": "InsufficientDataActions",
            },
            list,
        ),
        **r.params(
            {"dimensions": "Dimensions"},
            lambda d: [{"Name": k, "Value": v} for k, v in d.items()],
        ),
        **r.params({"metricQueries": "Metrics"}, lambda qs: [_metric_query(q) for q in qs]),
        **({"Tags": tag_list(r.tags())} if r.tags() else {}),
    )
    arn = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"]
    return Created(name, tagged(r, {"name": name, "arn": arn}), arn)
