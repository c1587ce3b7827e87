"""The state machine of one model pipeline, its role, and its execution log group."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_aws as aws

from infra.config import ModelSettings, pipeline_options
from infra.context import DeployContext
from infra.definition import render_definition
from infra.naming import ModelNames
from infra.policies import PipelineAccess, service_trust_policy, state_machine_policy
from infra.roles import policy_json, role_with_policy


class Orchestration(pulumi.ComponentResource):
    state_machine: aws.sfn.StateMachine
    arn: pulumi.Output[str]

    def __init__(
        self,
        logical_name: str,
        *,
        context: DeployContext,
        model: ModelSettings,
        access: PipelineAccess,
        function_arns: Mapping[str, pulumi.Output[str]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("retraining:pipeline:Orchestration", logical_name, None, opts)
        settings = context.settings
        names = ModelNames(context.stack, model.name)
        keys = sorted(function_arns)
        # The role may invoke exactly the functions of this pipeline (computed ARNs: the
        # names are explicit), so the policy is a plain document.
        role = role_with_policy(
            f"{logical_name}-states",
            role_name=names.state_machine_role,
            description=f"Step Functions: {names.state_machine}",
            trust_policy=service_trust_policy("states.amazonaws.com", context.arns.account_id),
            policy=policy_json(
                state_machine_policy(access, [access.function_arn(key) for key in keys])
            ),
            parent=self,
        )
        logging = self._logging(logical_name, context, names)
        options = pipeline_options(model)
        definition = pulumi.Output.all(*(function_arns[key] for key in keys)).apply(
            lambda arns: render_definition(options, dict(zip(keys, arns, strict=True)))
        )
        self.state_machine = aws.sfn.StateMachine(
            logical_name,
            name=names.state_machine,
            type="STANDARD",
            role_arn=role.role.arn,
            definition=definition,
            logging_configuration=logging,
            tracing_configuration=aws.sfn.StateMachineTracingConfigurationArgs(
                enabled=settings.tracing_enabled
            ),
            # Step Functions checks the role's permissions when the machine is created.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role.policy]),
        )
        self.arn = self.state_machine.arn
        self.register_outputs({"arn": self.arn})

    def _logging(
        self, logical_name: str, context: DeployContext, names: ModelNames
    ) -> aws.sfn.StateMachineLoggingConfigurationArgs:
        settings = context.settings
        if settings.state_machine_log_level == "OFF":
            return aws.sfn.StateMachineLoggingConfigurationArgs(level="OFF")
        log_group = aws.cloudwatch.LogGroup(
            f"{logical_name}-executions",
            name=names.state_machine_log_group,
            retention_in_days=settings.log_retention_days,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.sfn.StateMachineLoggingConfigurationArgs(
            level=settings.state_machine_log_level,
            include_execution_data=settings.state_machine_log_execution_data,
            # Step Functions wants the group's ARN with the `:*` suffix.
            log_destination=log_group.arn.apply(lambda arn: f"{arn}:*"),
        )
