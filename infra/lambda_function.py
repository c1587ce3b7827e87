"""One pipeline function: its role (least privilege), its log group and the Lambda itself."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from contract.kinds import LOG_LEVELS
from contract.lambdas import LambdaSpec
from infra.archives import BuiltArchive
from infra.policies import service_trust_policy
from infra.roles import role_with_policy

# The newest Python runtime pulumi-aws 7.51 knows (its Runtime enum).
RUNTIME = aws.lambda_.Runtime.PYTHON3D14
# The code and its one dependency (slack_sdk) are pure Python.
ARCHITECTURE = "arm64"
# Python logging levels (functions' LOG_LEVEL) → Lambda's application log levels.
APPLICATION_LOG_LEVELS = dict(
    zip(LOG_LEVELS, ("DEBUG", "INFO", "WARN", "ERROR", "FATAL"), strict=True)
)


@dataclass(frozen=True)
class FunctionDeployment:
    """What every function of a stack shares."""

    package: BuiltArchive
    log_level: str
    log_retention_days: int
    tracing: bool


class PipelineFunction(pulumi.ComponentResource):
    function: aws.lambda_.Function
    arn: pulumi.Output[str]

    def __init__(
        self,
        logical_name: str,
        *,
        spec: LambdaSpec[Any],
        function_name: str,
        role_name: str,
        log_group_name: str,
        policy: pulumi.Input[str],
        environment: Mapping[str, pulumi.Input[str]],
        deployment: FunctionDeployment,
        layers: Sequence[pulumi.Input[str]] = (),
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("retraining:pipeline:Function", logical_name, None, opts)
        access = role_with_policy(
            logical_name,
            role_name=role_name,
            description=f"{function_name}: {spec.description}",
            trust_policy=service_trust_policy("lambda.amazonaws.com"),
            policy=policy,
            tags=tags,
            parent=self,
        )
        log_group = aws.cloudwatch.LogGroup(
            logical_name,
            name=log_group_name,
            retention_in_days=deployment.log_retention_days,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.function = aws.lambda_.Function(
            logical_name,
            name=function_name,
            description=spec.description,
            role=access.role.arn,
            runtime=RUNTIME,
            architectures=[ARCHITECTURE],
            handler=spec.handler,
            code=pulumi.FileArchive(str(deployment.package.path)),
            # Lambda's own CodeSha256 of the zip: an unchanged archive never shows a diff,
            # and code changed outside Pulumi shows up as drift.
            code_sha256=deployment.package.sha256_base64,
            timeout=spec.timeout_seconds,
            memory_size=spec.memory_mb,
            layers=list(layers) or None,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(environment)),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON",
                log_group=log_group.name,
                application_log_level=APPLICATION_LOG_LEVELS[deployment.log_level],
                system_log_level="INFO",
            ),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(
                mode="Active" if deployment.tracing else "PassThrough"
            ),
            tags=tags,
            # The role must be able to write logs before the first invocation.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access.policy, log_group]),
        )
        self.arn = self.function.arn
        self.register_outputs({"arn": self.arn, "name": self.function.name})
