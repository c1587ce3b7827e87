"""One model's pipeline: functions, state machine, triggers and alarm, as one component.

Creation order follows the references: the SageMaker and scheduler roles first (functions
name them), then the functions, then the state machine (its definition holds their ARNs),
then what starts it. The state machine's ARN is computed from its explicit name, so
`check_data` and `debounce_upload` can refer to it before it exists.

What the pipeline itself creates or writes is not declared here: the SSM marker
(`/retraining/<stack>/models/<model>/train/latest`, absent until the first successful run:
"never trained"), training jobs, Models, EndpointConfigs and the endpoint (names:
contract.names). Declaring them would make every successful run look like drift, or make
`pulumi up` undo a deployment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import pulumi
import pulumi_aws as aws

from contract.grants import SAGEMAKER_SERVICE, Resource
from contract.lambdas import (
    DEBOUNCE_UPLOAD,
    NOTIFY_SLACK,
    ON_SAGEMAKER_EVENT,
    PIPELINE_FUNCTIONS,
    LambdaSpec,
)
from contract.settings import Variable
from infra import outputs as out
from infra import policies
from infra.alarms import failed_executions_alarm, rollback_alarms
from infra.config import ModelSettings
from infra.context import DeployContext
from infra.environment import PipelineReferences, function_environment, pipeline_variables
from infra.lambda_function import FunctionDeployment, PipelineFunction
from infra.naming import ModelNames
from infra.orchestration import Orchestration
from infra.revision import deployed_revision
from infra.roles import policy_json, role_with_policy
from infra.triggers import SchedulerAccess, Triggers


@dataclass(frozen=True)
class SharedResources:
    """What every model pipeline of the stack uses."""

    bucket: str
    bucket_output: pulumi.Output[str]
    deployment: FunctionDeployment
    slack_layer_arn: pulumi.Output[str]
    slack_secret_arn: pulumi.Output[str] | None
    alarm_topic_arn: pulumi.Output[str] | None


@dataclass(frozen=True)
class AlgorithmImage:
    uri: str
    repository_arn: str


@dataclass(frozen=True)
class ModelPipelineArgs:
    context: DeployContext
    model: ModelSettings
    shared: SharedResources
    image: AlgorithmImage


class ModelPipeline(pulumi.ComponentResource):
    """One model's pipeline; `name` is its logical name (the model's name in the program)."""

    def __init__(
        self, name: str, args: ModelPipelineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("retraining:pipeline:ModelPipeline", name, None, opts)
        context, model, shared, image = args.context, args.model, args.shared, args.image
        names = ModelNames(context.stack, model.name)
        access = policies.PipelineAccess(
            arns=context.arns,
            names=names,
            bucket=shared.bucket,
            sagemaker_role_arn=model.sagemaker_role_arn
            or context.arns.iam_role(names.sagemaker_role),
            algorithm_repository_arn=image.repository_arn,
            tracing=context.settings.tracing_enabled,
            state_machine_logging=context.settings.state_machine_log_level != "OFF",
        )
        sagemaker_role_arn = self._sagemaker_role(model, names, access)
        scheduler = SchedulerAccess(
            f"{model.name}-scheduler",
            context=context,
            names=names,
            access=access,
            opts=pulumi.ResourceOptions(parent=self),
        )
        variables = pipeline_variables(
            context.settings,
            model,
            PipelineReferences(
                bucket=shared.bucket_output,
                algorithm_image=image.uri,
                sagemaker_role_arn=sagemaker_role_arn,
                state_machine_arn=access.state_machine_arn,
                slack_secret_arn=shared.slack_secret_arn,
                scheduler_role_arn=scheduler.role_arn,
                schedule_group=scheduler.group_name,
                git_revision=deployed_revision(),
            ),
        )
        # The model's registry: every evaluated model becomes a version of this group.
        registry = aws.sagemaker.ModelPackageGroup(
            f"{model.name}-registry",
            model_package_group_name=names.model_package_group,
            model_package_group_description=f"Models trained by {names.state_machine}",
            opts=pulumi.ResourceOptions(parent=self),
        )
        functions = self._functions(model, access, shared, variables)
        orchestration = Orchestration(
            f"{model.name}-orchestration",
            context=context,
            model=model,
            access=access,
            function_arns={spec.key: functions[spec.key].arn for spec in PIPELINE_FUNCTIONS},
            # No run registers a model before its registry exists.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[registry]),
        )
        debounce = functions.get(DEBOUNCE_UPLOAD.key)
        Triggers(
            f"{model.name}-triggers",
            names=names,
            bucket=shared.bucket,
            schedule=model.schedule,
            time_zone=model.schedule_time_zone,
            scheduler=scheduler,
            state_machine_arn=orchestration.arn,
            on_sagemaker_event=functions[ON_SAGEMAKER_EVENT.key].function,
            debounce_upload=debounce.function if debounce is not None else None,
            notify_slack=functions[NOTIFY_SLACK.key].function,
            opts=pulumi.ResourceOptions(parent=self),
        )
        rollback_alarms(
            f"{model.name}-rollback",
            model_names=names,
            model=model,
            topic_arn=shared.alarm_topic_arn,
            parent=self,
        )
        if shared.alarm_topic_arn is not None:
            failed_executions_alarm(
                f"{model.name}-failed-executions",
                alarm_name=names.failure_alarm,
                state_machine_arn=orchestration.arn,
                topic_arn=shared.alarm_topic_arn,
                parent=self,
            )

        self.outputs: dict[str, pulumi.Input[object]] = {
            out.BUCKET: shared.bucket_output,
            out.STATE_MACHINE_ARN: orchestration.arn,
            out.STATE_MACHINE_CONSOLE_URL: orchestration.arn.apply(
                context.arns.state_machine_console_url
            ),
            out.ENDPOINT_NAME: names.endpoint,
            out.MARKER_PARAMETER: names.marker_parameter,
            out.DATA_PREFIX: names.data_prefix,
            out.FUNCTION_ARNS: {key: function.arn for key, function in sorted(functions.items())},
        }
        self.register_outputs(self.outputs)

    def _sagemaker_role(
        self,
        model: ModelSettings,
        names: ModelNames,
        access: policies.PipelineAccess,
    ) -> pulumi.Input[str]:
        """The configured execution role, or a least-privilege one created here."""
        if model.sagemaker_role_arn is not None:
            return model.sagemaker_role_arn
        created = role_with_policy(
            f"{model.name}-sagemaker",
            role_name=names.sagemaker_role,
            description=f"SageMaker execution role of {names.prefix}",
            # Only SageMaker acting for this account may assume it (confused deputy).
            trust_policy=policies.service_trust_policy(SAGEMAKER_SERVICE, access.arns.account_id),
            policy=policy_json(policies.sagemaker_policy(access)),
            parent=self,
        )
        # Hand out the ARN only once the policy is attached: a training job started with a
        # role that cannot yet read the data would fail.
        return pulumi.Output.all(created.role.arn, created.policy.id).apply(lambda v: v[0])

    def _functions(
        self,
        model: ModelSettings,
        access: policies.PipelineAccess,
        shared: SharedResources,
        variables: Mapping[Variable, pulumi.Input[str] | None],
    ) -> dict[str, PipelineFunction]:
        names = access.names
        specs: list[LambdaSpec[Any]] = [*PIPELINE_FUNCTIONS, ON_SAGEMAKER_EVENT]
        if model.upload_trigger_enabled:
            specs.append(DEBOUNCE_UPLOAD)
        # The layers a function's spec asks for, by the package each one ships.
        layers = {"slack_sdk": shared.slack_layer_arn}
        functions: dict[str, PipelineFunction] = {}
        for spec in specs:
            functions[spec.key] = PipelineFunction(
                f"{model.name}-{spec.key.replace('_', '-')}",
                spec=spec,
                function_name=names.function(spec.key),
                role_name=names.function_role(spec.key),
                log_group_name=names.function_log_group(spec.key),
                policy=self._function_policy(spec, access, shared),
                environment=function_environment(spec, variables),
                deployment=shared.deployment,
                layers=[layers[package] for package in spec.layers],
                opts=pulumi.ResourceOptions(parent=self),
            )
        return functions

    @staticmethod
    def _function_policy(
        spec: LambdaSpec[Any], access: policies.PipelineAccess, shared: SharedResources
    ) -> pulumi.Input[str]:
        reads_secret = any(Resource.SLACK_SECRET in grant.resources for grant in spec.grants)
        if reads_secret and shared.slack_secret_arn is not None:
            # The created secret's ARN ends with a random suffix: known only once it exists.
            return shared.slack_secret_arn.apply(
                lambda arn: policy_json(
                    policies.function_policy(spec.key, _with_secret(access, arn))
                )
            )
        return policy_json(policies.function_policy(spec.key, access))


def _with_secret(access: policies.PipelineAccess, secret_arn: str) -> policies.PipelineAccess:
    return replace(access, slack_secret_arn=secret_arn)
