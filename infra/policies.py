"""Every IAM policy document of the stack, as pure functions of names and ARNs.

Each role gets exactly the actions its code calls, on exactly the resources it touches. A
function's are declared with the function, as grants (`contract.lambdas`, vocabulary in
`contract.grants`); `function_policy` renders them for one model. `Resource: "*"` appears
only for the actions in WILDCARD_RESOURCE_ACTIONS, which IAM cannot scope to a resource; the
reason is written next to each one, and the tests reject any other wildcard.

The documents are plain dicts so that tests can lint them with parliament directly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from contract.grants import Folder, Grant, Resource
from contract.lambdas import BY_KEY
from infra.arns import Arns
from infra.naming import ModelNames

VERSION: Final = "2012-10-17"
Policy = dict[str, Any]
Statement = dict[str, Any]

# Actions that support no resource-level permissions (Service Authorization Reference:
# no resource type), so `"Resource": "*"` is the only way to grant them.
WILDCARD_RESOURCE_ACTIONS: Final[Mapping[str, str]] = {
    "states:SendTaskSuccess": "authorized by the task token itself; no resource type exists",
    "sagemaker:ListModels": "List* actions have no resource type; results are filtered by name",
    "sagemaker:ListEndpointConfigs": "List* actions have no resource type",
    "sagemaker:ListTrainingJobs": "List* actions have no resource type; filtered by name",
    "xray:PutTraceSegments": "X-Ray has no resource type for trace ingestion",
    "xray:PutTelemetryRecords": "X-Ray has no resource type for telemetry",
    "xray:GetSamplingRules": "X-Ray sampling rules are account-wide",
    "xray:GetSamplingTargets": "X-Ray sampling targets are account-wide",
    "logs:CreateLogDelivery": "vended log delivery (Step Functions) has no resource type",
    "logs:GetLogDelivery": "vended log delivery, as above",
    "logs:UpdateLogDelivery": "vended log delivery, as above",
    "logs:DeleteLogDelivery": "vended log delivery, as above",
    "logs:ListLogDeliveries": "vended log delivery, as above",
    "logs:PutResourcePolicy": "vended log delivery edits the account's log resource policy",
    "logs:DescribeResourcePolicies": "vended log delivery reads that account-wide policy",
    "logs:DescribeLogGroups": "Step Functions checks the destination; no resource type",
    "ecr:GetAuthorizationToken": "a registry login token is account-wide",
    "cloudwatch:PutMetricData": "no resource type; scoped by the cloudwatch:namespace condition",
}


def _allow(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[str],
    condition: Mapping[str, Any] | None = None,
) -> Statement:
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": list(actions),
        "Resource": list(resources),
    }
    if condition:
        statement["Condition"] = dict(condition)
    return statement


def _allow_any_resource(
    sid: str, actions: Sequence[str], condition: Mapping[str, Any] | None = None
) -> Statement:
    unexplained = [a for a in actions if a not in WILDCARD_RESOURCE_ACTIONS]
    if unexplained:
        raise ValueError(f"no reason recorded for granting {unexplained} on every resource")
    return _allow(sid, actions, ["*"], condition)


def _policy(*statements: Statement) -> Policy:
    return {"Version": VERSION, "Statement": list(statements)}


def service_trust_policy(service: str, source_account: str | None = None) -> Policy:
    """Who may assume a role. `source_account` guards against the confused deputy problem
    for services that call on behalf of a resource (Scheduler, Step Functions, SageMaker)."""
    statement: Statement = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    if source_account is not None:
        statement["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return {"Version": VERSION, "Statement": [statement]}


def tls_only_bucket_policy(bucket_arn: str) -> Policy:
    """Refuse every request to the bucket that does not use TLS."""
    return _policy(
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [bucket_arn, f"{bucket_arn}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    )


@dataclass(frozen=True)
class PipelineAccess:
    """What one model pipeline's roles may reach."""

    arns: Arns
    names: ModelNames
    bucket: str
    sagemaker_role_arn: str
    algorithm_repository_arn: str
    slack_secret_arn: str | None = None
    tracing: bool = False
    state_machine_logging: bool = True

    # --- derived ARNs ------------------------------------------------------------------
    @property
    def bucket_arn(self) -> str:
        return self.arns.s3_bucket(self.bucket)

    def objects(self, prefix: str) -> str:
        return self.arns.s3_objects(self.bucket, prefix)

    @property
    def state_machine_arn(self) -> str:
        return self.arns.state_machine(self.names.state_machine)

    @property
    def scheduler_role_arn(self) -> str:
        return self.arns.iam_role(self.names.scheduler_role)

    @property
    def marker_arn(self) -> str:
        return self.arns.ssm_parameter(self.names.marker_parameter)

    @property
    def debounce_schedule_arn(self) -> str:
        return self.arns.schedule(self.names.schedule_group, self.names.debounce_schedule)

    def run_resources(self, resource_type: str) -> str:
        """The training jobs / Models / EndpointConfigs of every run of this model."""
        return self.arns.sagemaker(resource_type, f"{self.names.run_resource_prefix}*")

    @property
    def endpoint_arn(self) -> str:
        return self.arns.sagemaker("endpoint", self.names.endpoint)

    def function_arn(self, key: str) -> str:
        return self.arns.lambda_function(self.names.function(key))

    # --- what a grant names, as this model's ARNs ----------------------------------------
    def resource_arn(self, resource: Resource) -> str | None:
        """The ARN of `resource` (None: this stack has none, e.g. no Slack secret)."""
        names = self.names
        arns: dict[Resource, str | None] = {
            Resource.BUCKET: self.bucket_arn,
            Resource.DATA_OBJECTS: self.objects(names.data_prefix),
            Resource.MANIFEST_OBJECTS: self.objects(names.manifest_prefix),
            Resource.CALLBACK_OBJECTS: self.objects(names.callback_prefix),
            Resource.RUN_LOCK: self.arns.s3_object(self.bucket, names.run_lock_key),
            Resource.MARKER: self.marker_arn,
            Resource.STATE_MACHINE: self.state_machine_arn,
            Resource.EXECUTIONS: self.arns.executions(names.state_machine),
            Resource.TRAINING_JOBS: self.run_resources("training-job"),
            Resource.MODELS: self.run_resources("model"),
            Resource.ENDPOINT_CONFIGS: self.run_resources("endpoint-config"),
            Resource.ENDPOINT: self.endpoint_arn,
            # The model's registry: its group, and its versions `model-package/<group>/<n>`.
            Resource.MODEL_PACKAGE_GROUP: self.arns.sagemaker(
                "model-package-group", names.model_package_group
            ),
            Resource.MODEL_PACKAGES: self.arns.sagemaker(
                "model-package", f"{names.model_package_group}/*"
            ),
            # `<stack>--<model>--rollback-*`: this model's alarms, no other stack's or model's.
            Resource.ROLLBACK_ALARMS: self.arns.cloudwatch_alarm(names.rollback_alarm_name("*")),
            Resource.SLACK_SECRET: self.slack_secret_arn,
            Resource.DEBOUNCE_SCHEDULE: self.debounce_schedule_arn,
            Resource.SAGEMAKER_ROLE: self.sagemaker_role_arn,
            Resource.SCHEDULER_ROLE: self.scheduler_role_arn,
            Resource.EVERY_RESOURCE: "*",
        }
        return arns[resource]

    def folder_prefix(self, folder: Folder) -> str:
        names = self.names
        return {
            Folder.DATA: names.data_prefix,
            Folder.CALLBACKS: names.callback_prefix,
            Folder.RUN_LOCK: names.run_lock_prefix,
        }[folder]


# --- statements ------------------------------------------------------------------------
def _listing(*prefixes: str) -> dict[str, Any]:
    # ListBucket is a bucket-level action: s3:prefix limits what may be listed. It also
    # lets S3 answer 404 (not 403) for a missing key under these prefixes.
    return {"StringLike": {"s3:prefix": [f"{p}*" for p in prefixes]}}


def _condition(grant: Grant, access: PipelineAccess) -> dict[str, Any] | None:
    if grant.listing:
        return _listing(*(access.folder_prefix(folder) for folder in grant.listing))
    if grant.passed_to:
        return {"StringEquals": {"iam:PassedToService": grant.passed_to}}
    return None


def _grant_statement(grant: Grant, access: PipelineAccess) -> Statement | None:
    """One grant as this model's statement; None when the stack lacks its resource."""
    resources = [access.resource_arn(resource) for resource in grant.resources]
    if None in resources:
        return None
    condition = _condition(grant, access)
    if resources == ["*"]:
        return _allow_any_resource(grant.sid, grant.actions, condition)
    return _allow(grant.sid, grant.actions, [r for r in resources if r], condition)


def _tracing(access: PipelineAccess, *actions: str) -> list[Statement]:
    return [_allow_any_resource("XRayTracing", actions)] if access.tracing else []


def function_policy(key: str, access: PipelineAccess) -> Policy:
    """The inline policy of function `key`'s role: its grants, its logs, its traces."""
    log_group = access.names.function_log_group(key)
    grants = (_grant_statement(grant, access) for grant in BY_KEY[key].grants)
    return _policy(
        *(statement for statement in grants if statement is not None),
        _allow(
            "WriteOwnLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [access.arns.log_group_streams(log_group)],
        ),
        *_tracing(access, "xray:PutTraceSegments", "xray:PutTelemetryRecords"),
    )


def state_machine_policy(access: PipelineAccess, function_arns: Sequence[str]) -> Policy:
    statements = [_allow("InvokePipelineFunctions", ["lambda:InvokeFunction"], function_arns)]
    if access.state_machine_logging:
        statements.append(
            _allow_any_resource(
                "DeliverExecutionLogs",
                [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
            )
        )
    statements += _tracing(
        access,
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    )
    return _policy(*statements)


def scheduler_policy(access: PipelineAccess) -> Policy:
    return _policy(_allow("StartPipeline", ["states:StartExecution"], [access.state_machine_arn]))


def sagemaker_policy(access: PipelineAccess) -> Policy:
    """The execution role SageMaker assumes for this model's training jobs and endpoint."""
    names = access.names
    data, manifests, artifacts = names.data_prefix, names.manifest_prefix, names.artifact_prefix
    arns = access.arns
    training_logs = "/aws/sagemaker/TrainingJobs"
    endpoint_logs = f"/aws/sagemaker/Endpoints/{names.endpoint}"
    return _policy(
        _allow(
            "ListInputs",
            ["s3:ListBucket"],
            [access.bucket_arn],
            _listing(data, manifests, artifacts),
        ),
        _allow(
            "ReadInputsAndModels",
            ["s3:GetObject"],
            [access.objects(data), access.objects(manifests), access.objects(artifacts)],
        ),
        _allow("WriteModelArtifacts", ["s3:PutObject"], [access.objects(artifacts)]),
        _allow(
            "PullAlgorithmImage",
            ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"],
            [access.algorithm_repository_arn],
        ),
        _allow_any_resource("LogInToRegistry", ["ecr:GetAuthorizationToken"]),
        _allow(
            "CreateJobAndEndpointLogGroups",
            ["logs:CreateLogGroup", "logs:DescribeLogStreams"],
            [
                # Group-level actions, authorized on `log-group:<name>` or `<name>:*`.
                arns.log_group(training_logs),
                arns.log_group_streams(training_logs),
                arns.log_group(endpoint_logs),
                arns.log_group_streams(endpoint_logs),
            ],
        ),
        _allow(
            "WriteJobAndEndpointLogs",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [
                # Every training job of the account logs into one group, in streams named
                # `<job>/algo-<n>-<time>`: only this model's jobs' streams, no other stack's.
                arns.log_streams(training_logs, names.run_resource_prefix),
                arns.log_group_streams(endpoint_logs),
            ],
        ),
        # Deployment guardrails: SageMaker reads the rollback alarms with the execution role.
        _allow(
            "ReadRollbackAlarms",
            ["cloudwatch:DescribeAlarms"],
            [arns.cloudwatch_alarm(names.rollback_alarm_name("*"))],
        ),
        _allow_any_resource(
            "PublishSageMakerMetrics",
            ["cloudwatch:PutMetricData"],
            {"StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*"]}},
        ),
    )
