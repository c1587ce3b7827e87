"""What starts and resumes a model pipeline.

- The recurring schedule (EventBridge Scheduler, in the model's time zone) starts an
  execution with `{"trigger": "schedule", "scheduledTime": ...}`.
- Optionally, new files under the data prefix (S3 → EventBridge) invoke `debounce_upload`,
  which (re)sets a one-time schedule in the same group, so a burst of uploads starts one run.
- Terminal SageMaker state changes of this model's training jobs and endpoint invoke
  `on_sagemaker_event`, which resumes the waiting CheckStatusWait task.
- The endpoint's deployment stages (a guarded update's canary, full shift, rollback) invoke
  `notify_slack`, which posts the ones worth a message.

The scheduler's role and the schedule group exist before the functions (debounce_upload
names them in its environment), so they are created apart (`SchedulerAccess`).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from contract.grants import SCHEDULER_SERVICE
from infra import events
from infra.context import DeployContext
from infra.naming import ModelNames
from infra.policies import PipelineAccess, scheduler_policy, service_trust_policy
from infra.roles import policy_json, role_with_policy

# A scheduled run that cannot start (throttling, a transient error) is retried for an hour;
# after that the next scheduled run catches up with the data anyway.
SCHEDULE_MAX_EVENT_AGE_SECONDS = 3600
SCHEDULE_MAX_RETRIES = 5


class SchedulerAccess(pulumi.ComponentResource):
    """The role EventBridge Scheduler assumes, and the group of this model's schedules."""

    role_arn: pulumi.Output[str]
    group_name: pulumi.Output[str]

    def __init__(
        self,
        logical_name: str,
        *,
        context: DeployContext,
        names: ModelNames,
        access: PipelineAccess,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("retraining:pipeline:SchedulerAccess", logical_name, None, opts)
        role = role_with_policy(
            logical_name,
            role_name=names.scheduler_role,
            description=f"EventBridge Scheduler: starts {names.state_machine}",
            trust_policy=service_trust_policy(SCHEDULER_SERVICE, context.arns.account_id),
            policy=policy_json(scheduler_policy(access)),
            parent=self,
        )
        group = aws.scheduler.ScheduleGroup(
            logical_name,
            name=names.schedule_group,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role_arn = role.role.arn
        self.policy = role.policy
        self.group_name = group.name
        self.register_outputs({"roleArn": self.role_arn, "groupName": self.group_name})


class Triggers(pulumi.ComponentResource):
    def __init__(
        self,
        logical_name: str,
        *,
        names: ModelNames,
        bucket: str,
        schedule: str,
        time_zone: str,
        scheduler: SchedulerAccess,
        state_machine_arn: pulumi.Output[str],
        on_sagemaker_event: aws.lambda_.Function,
        debounce_upload: aws.lambda_.Function | None,
        notify_slack: aws.lambda_.Function,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("retraining:pipeline:Triggers", logical_name, None, opts)
        aws.scheduler.Schedule(
            logical_name,
            name=names.recurring_schedule,
            group_name=scheduler.group_name,
            description=f"Runs {names.state_machine}",
            schedule_expression=schedule,
            schedule_expression_timezone=time_zone,
            state="ENABLED",
            flexible_time_window=aws.scheduler.ScheduleFlexibleTimeWindowArgs(mode="OFF"),
            target=aws.scheduler.ScheduleTargetArgs(
                arn=state_machine_arn,
                role_arn=scheduler.role_arn,
                input=events.scheduled_run_input(),
                retry_policy=aws.scheduler.ScheduleTargetRetryPolicyArgs(
                    maximum_event_age_in_seconds=SCHEDULE_MAX_EVENT_AGE_SECONDS,
                    maximum_retry_attempts=SCHEDULE_MAX_RETRIES,
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[scheduler.policy]),
        )
        # (logical name suffix, rule name, description, event pattern, function)
        routes = [
            (
                "training-events",
                names.training_events_rule,
                "Terminal state changes of this model's training jobs",
                events.training_state_change_pattern(names.run_resource_prefix),
                on_sagemaker_event,
            ),
            (
                "endpoint-events",
                names.endpoint_events_rule,
                "Terminal state changes of this model's endpoint",
                events.endpoint_state_change_pattern(names.endpoint),
                on_sagemaker_event,
            ),
            (
                "model-package-events",
                names.model_package_events_rule,
                "Approval decisions of this model's registered packages",
                events.model_package_state_change_pattern(names.model_package_group),
                on_sagemaker_event,
            ),
        ]
        # A guarded update's stages go to Slack directly: no state of the run waits for them.
        routes.append(
            (
                "deployment-events",
                names.deployment_events_rule,
                "Stages of this model's endpoint updates (canary live, shifted, rolling back)",
                events.endpoint_deployment_pattern(names.endpoint),
                notify_slack,
            )
        )
        if debounce_upload is not None:
            routes.append(
                (
                    "uploads",
                    names.upload_rule,
                    "New training data files",
                    events.data_upload_pattern(bucket, names.data_prefix),
                    debounce_upload,
                )
            )
        for suffix, rule_name, description, pattern, function in routes:
            self._route(
                f"{logical_name}-{suffix}",
                rule_name=rule_name,
                description=description,
                pattern=pattern,
                function=function,
            )
        self.register_outputs({})

    def _route(
        self,
        logical_name: str,
        *,
        rule_name: str,
        description: str,
        pattern: str,
        function: aws.lambda_.Function,
    ) -> None:
        """An EventBridge rule delivering to a function, and the function's consent."""
        rule = aws.cloudwatch.EventRule(
            logical_name,
            name=rule_name,
            description=description,
            event_pattern=pattern,
            state="ENABLED",
            opts=pulumi.ResourceOptions(parent=self),
        )
        permission = aws.lambda_.Permission(
            logical_name,
            action="lambda:InvokeFunction",
            function=function.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
            opts=pulumi.ResourceOptions(parent=rule),
        )
        aws.cloudwatch.EventTarget(
            logical_name,
            rule=rule.name,
            target_id="function",
            arn=function.arn,
            opts=pulumi.ResourceOptions(parent=rule, depends_on=[permission]),
        )
