"""Alarm on runs that end badly: failed, timed out or aborted executions → SNS."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.context import DeployContext

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
