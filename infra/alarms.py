"""Alarm on runs that end badly (failed, timed out or aborted executions → SNS), and the
endpoint's rollback alarms (5XX answers, model latency) that guard its updates."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from contract import names
from infra.config import ModelSettings
from infra.context import DeployContext
from infra.naming import ModelNames

SAGEMAKER_METRICS_NAMESPACE = "AWS/SageMaker"

# Step Functions publishes execution counts per state machine in AWS/States.
BAD_OUTCOME_METRICS = {
    "failed": "ExecutionsFailed",
    "timedOut": "ExecutionsTimedOut",
    "aborted": "ExecutionsAborted",
}
PERIOD_SECONDS = 300


class AlarmTopic(pulumi.ComponentResource):
    """The stack's alarm topic (not KMS-encrypted: CloudWatch alarms cannot publish to a
    topic under the AWS-managed SNS key, and alarm messages carry no data)."""

    arn: pulumi.Output[str]

    def __init__(
        self,
        logical_name: str,
        context: DeployContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("retraining:alarms:AlarmTopic", logical_name, None, opts)
        topic = aws.sns.Topic(
            logical_name,
            name=context.names.alarm_topic,
            opts=pulumi.ResourceOptions(parent=self),
        )
        email = context.settings.alarm_email
        if email is not None:
            # The address must confirm the subscription (SNS sends it a link).
            aws.sns.TopicSubscription(
                logical_name,
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                opts=pulumi.ResourceOptions(parent=topic),
            )
        self.arn = topic.arn
        self.register_outputs({"arn": self.arn})


def failed_executions_alarm(
    logical_name: str,
    *,
    alarm_name: str,
    state_machine_arn: pulumi.Output[str],
    topic_arn: pulumi.Output[str],
    parent: pulumi.Resource,
) -> aws.cloudwatch.MetricAlarm:
    """Alarms as soon as one execution of the period failed, timed out or was aborted."""
    queries = [
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace="AWS/States",
                metric_name=metric,
                dimensions={"StateMachineArn": state_machine_arn},
                period=PERIOD_SECONDS,
                stat="Sum",
            ),
        )
        for query_id, metric in BAD_OUTCOME_METRICS.items()
    ]
    queries.append(
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="badOutcomes",
            expression=" + ".join(f"FILL({q}, 0)" for q in BAD_OUTCOME_METRICS),
            label="Executions failed, timed out or aborted",
            return_data=True,
        )
    )
    return aws.cloudwatch.MetricAlarm(
        logical_name,
        name=alarm_name,
        alarm_description="A retraining run failed, timed out or was aborted",
        comparison_operator="GreaterThanThreshold",
        threshold=0,
        evaluation_periods=1,
        metric_queries=queries,
        # No executions is not a problem.
        treat_missing_data="notBreaching",
        alarm_actions=[topic_arn],
        ok_actions=[topic_arn],
        opts=pulumi.ResourceOptions(parent=parent),
    )


# The rollback alarms watch one-minute periods of the endpoint's variant: SageMaker's
# deployment guardrails sample them while traffic shifts, so a short period reacts within
# the baking time. ModelLatency is published in microseconds.
ROLLBACK_PERIOD_SECONDS = 60
MICROSECONDS_PER_MILLISECOND = 1000


@dataclass(frozen=True)
class RollbackAlarm:
    metric: str
    statistic: str
    comparison: str
    threshold: float
    description: str


def rollback_alarm_specs(model: ModelSettings) -> tuple[RollbackAlarm, ...]:
    """One alarm per contract.names.ROLLBACK_METRICS, thresholds from the model's settings."""
    specs = {
        names.ROLLBACK_METRIC_5XX_ERRORS: RollbackAlarm(
            names.ROLLBACK_METRIC_5XX_ERRORS,
            "Sum",
            "GreaterThanOrEqualToThreshold",
            float(model.rollback_error_threshold),
            f"At least {model.rollback_error_threshold} 5XX answers of the endpoint in a "
            "minute: a guarded update rolls back; after it, the serving model is failing",
        ),
        names.ROLLBACK_METRIC_LATENCY: RollbackAlarm(
            names.ROLLBACK_METRIC_LATENCY,
            "Average",
            "GreaterThanThreshold",
            float(model.rollback_latency_threshold_ms * MICROSECONDS_PER_MILLISECOND),
            f"The endpoint's model latency averaged over "
            f"{model.rollback_latency_threshold_ms} ms for a minute: a guarded update rolls "
            "back; after it, the serving model is slow",
        ),
    }
    return tuple(specs[metric] for metric in names.ROLLBACK_METRICS)


def rollback_alarms(
    logical_name: str,
    *,
    model_names: ModelNames,
    model: ModelSettings,
    topic_arn: pulumi.Output[str] | None,
    parent: pulumi.Resource,
) -> list[aws.cloudwatch.MetricAlarm]:
    """The endpoint's rollback alarms (AWS/SageMaker, EndpointName + VariantName AllTraffic).

    DeployModel names them in a guarded update's AutoRollbackConfiguration; they keep
    watching the model that serves afterwards (its own health), and tell the alarm topic
    when there is one. No traffic is no problem (notBreaching).
    """
    actions = [topic_arn] if topic_arn is not None else []
    return [
        aws.cloudwatch.MetricAlarm(
            f"{logical_name}-{spec.metric}",
            name=model_names.rollback_alarm_name(spec.metric),
            alarm_description=spec.description,
            namespace=SAGEMAKER_METRICS_NAMESPACE,
            metric_name=spec.metric,
            dimensions={"EndpointName": model_names.endpoint, "VariantName": names.VARIANT_NAME},
            statistic=spec.statistic,
            period=ROLLBACK_PERIOD_SECONDS,
            evaluation_periods=1,
            datapoints_to_alarm=1,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            treat_missing_data="notBreaching",
            alarm_actions=actions,
            ok_actions=actions,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        for spec in rollback_alarm_specs(model)
    ]
