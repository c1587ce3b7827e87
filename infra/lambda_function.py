"""One pipeline function: its role (least privilege), its log group and the Lambda itself;
for a function invoked asynchronously, its dead-letter queue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from contract.kinds import LAMBDA_LOG_LEVEL_OF
from contract.lambdas import LambdaSpec
from infra.archives import BuiltArchive
from infra.arns import Arns
from infra.policies import VERSION, service_trust_policy
from infra.roles import RoleWithPolicy, policy_json, role_with_policy

# SQS' longest retention: a failed event waits two weeks for someone to look.
DEAD_LETTER_RETENTION_SECONDS = 14 * 24 * 3600
# Lambda's own retries of a failed asynchronous invocation (its maximum) before the queue.
ASYNC_RETRY_ATTEMPTS = 2

# The newest Python runtime pulumi-aws 7.51 knows (its Runtime enum).
RUNTIME = aws.lambda_.Runtime.PYTHON3D14
# The code and its one dependency (slack_sdk) are pure Python.
ARCHITECTURE = "arm64"


@dataclass(frozen=True)
class FunctionDeployment:
    """What every function of a stack shares."""

    package: BuiltArchive
    log_level: str
    log_retention_days: int
    tracing: bool
    arns: Arns


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
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("retraining:pipeline:Function", logical_name, None, opts)
        access = role_with_policy(
            logical_name,
            role_name=role_name,
            description=f"{function_name}: {spec.description}",
            trust_policy=service_trust_policy("lambda.amazonaws.com"),
            policy=policy,
            parent=self,
        )
        log_group = aws.cloudwatch.LogGroup(
            logical_name,
            name=log_group_name,
            retention_in_days=deployment.log_retention_days,
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
            reserved_concurrent_executions=spec.reserved_concurrency,
            layers=list(layers) or None,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables=dict(environment)),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON",
                log_group=log_group.name,
                application_log_level=LAMBDA_LOG_LEVEL_OF[deployment.log_level],
                system_log_level="INFO",
            ),
            tracing_config=aws.lambda_.FunctionTracingConfigArgs(
                mode="Active" if deployment.tracing else "PassThrough"
            ),
            # The role must be able to write logs before the first invocation.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access.policy, log_group]),
        )
        self.arn = self.function.arn
        if spec.asynchronous:
            self._dead_letter_queue(logical_name, function_name, deployment.arns, access)
        self.register_outputs({"arn": self.arn, "name": self.function.name})

    def _dead_letter_queue(
        self,
        logical_name: str,
        function_name: str,
        arns: Arns,
        access: RoleWithPolicy,
    ) -> None:
        """Where Lambda sends an event the function still failed on after its retries."""
        queue_name = f"{function_name}-failed"
        queue = aws.sqs.Queue(
            f"{logical_name}-failed",
            name=queue_name,
            message_retention_seconds=DEAD_LETTER_RETENTION_SECONDS,
            sqs_managed_sse_enabled=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Lambda sends to the destination with the function's execution role.
        send = aws.iam.RolePolicy(
            f"{logical_name}-failed",
            name="send-failed-events",
            role=access.role.name,
            policy=policy_json(
                {
                    "Version": VERSION,
                    "Statement": [
                        {
                            "Sid": "SendFailedEvents",
                            "Effect": "Allow",
                            "Action": "sqs:SendMessage",
                            "Resource": arns.sqs_queue(queue_name),
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=access.role),
        )
        aws.lambda_.FunctionEventInvokeConfig(
            logical_name,
            function_name=self.function.name,
            maximum_retry_attempts=ASYNC_RETRY_ATTEMPTS,
            destination_config=aws.lambda_.FunctionEventInvokeConfigDestinationConfigArgs(
                on_failure=aws.lambda_.FunctionEventInvokeConfigDestinationConfigOnFailureArgs(
                    destination=arns.sqs_queue(queue_name)
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[queue, send]),
        )
