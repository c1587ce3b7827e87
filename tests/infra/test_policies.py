"""Least privilege: every policy the stacks declare, linted by parliament and checked here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract import lambdas
from infra.arns import Arns
from infra.naming import ModelNames
from infra.policies import (
    WILDCARD_RESOURCE_ACTIONS,
    PipelineAccess,
    function_policy,
    sagemaker_policy,
    scheduler_policy,
    state_machine_policy,
)
from localcloud.deploy.pulumi_program import ProgramRun
from tests.infra.conftest import load_parliament

pytestmark = pytest.mark.unit

# Findings parliament reports (community auditors included) that are expected, and why.
ALLOWED_FINDINGS = {
    ("RESOURCE_MISMATCH", "states:DescribeExecution"): (
        "DescribeExecution accepts a standard OR an express execution; parliament wants both "
        "resource types, check_data only describes its (standard) state machine's executions "
        "to see whether the run lock's owner still runs"
    ),
    ("PERMISSIONS_MANAGEMENT_ACTIONS", "iam:passrole"): (
        "PassRole of exactly one role, conditioned on iam:PassedToService"
    ),
    ("PERMISSIONS_MANAGEMENT_ACTIONS", "logs:putresourcepolicy"): (
        "Step Functions' vended log delivery must edit the account's log resource policy"
    ),
    ("CREDENTIALS_EXPOSURE", "ecr:getauthorizationtoken"): (
        "SageMaker logs in to ECR to pull the algorithm image"
    ),
}

ARNS = Arns(partition="aws", region="eu-west-1", account_id="123456789012")
NAMES = ModelNames("dev", "demand")
ACCESS = PipelineAccess(
    arns=ARNS,
    names=NAMES,
    bucket="data-bucket",
    sagemaker_role_arn="arn:aws:iam::123456789012:role/retraining-dev-demand-sagemaker",
    algorithm_repository_arn="arn:aws:ecr:eu-west-1:438346466558:repository/linear-learner",
    slack_secret_arn="arn:aws:secretsmanager:eu-west-1:123456789012:secret:retraining/dev/slack-token-AbCdEf",
    tracing=True,
)


def policies_of(run: ProgramRun) -> dict[str, dict[str, Any]]:
    """Every identity and bucket policy document the run declares, by resource name."""
    found = {}
    for resource in run.resources:
        if resource.type in ("aws:iam/rolePolicy:RolePolicy", "aws:s3/bucketPolicy:BucketPolicy"):
            found[f"{resource.type}::{resource.name}"] = json.loads(resource.inputs["policy"])
    return found


def actions(statement: dict[str, Any]) -> list[str]:
    value = statement["Action"]
    return value if isinstance(value, list) else [value]


def resources(statement: dict[str, Any]) -> list[str]:
    value = statement["Resource"]
    return value if isinstance(value, list) else [value]


def test_parliament_finds_nothing_unexplained(all_runs: dict[str, ProgramRun]) -> None:
    parliament = load_parliament()
    linted = 0
    for run_name, run in all_runs.items():
        for name, document in policies_of(run).items():
            policy = parliament.analyze_policy_string(
                json.dumps(document), include_community_auditors=True
            )
            linted += 1
            for finding in policy.findings:
                details = finding.detail if isinstance(finding.detail, list) else [finding.location]
                for detail in details:
                    found = detail.get("action") or ",".join(detail.get("actions", []))
                    assert (finding.issue, found) in ALLOWED_FINDINGS, (
                        f"{run_name} {name}: {finding.issue} {finding.detail} {finding.location}"
                    )
    assert linted >= 4 * 12


def test_parliament_would_catch_a_careless_policy() -> None:
    parliament = load_parliament()
    careless = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}],
    }
    issues = {f.issue for f in parliament.analyze_policy_string(json.dumps(careless)).findings}
    assert "RESOURCE_MISMATCH" in issues


def test_no_wildcard_resource_but_for_actions_iam_cannot_scope(
    all_runs: dict[str, ProgramRun],
) -> None:
    for run in all_runs.values():
        for name, document in policies_of(run).items():
            for statement in document["Statement"]:
                if statement["Effect"] != "Allow":
                    continue
                assert all("*" not in a.split(":", 1)[1] for a in actions(statement)), name
                if "*" in resources(statement):
                    assert resources(statement) == ["*"], name
                    unexplained = set(actions(statement)) - set(WILDCARD_RESOURCE_ACTIONS)
                    assert not unexplained, f"{name}: {unexplained} granted on *"


def test_pass_role_is_scoped_to_one_role_and_service(all_runs: dict[str, ProgramRun]) -> None:
    seen = 0
    for run in all_runs.values():
        for name, document in policies_of(run).items():
            for statement in document["Statement"]:
                if "iam:PassRole" in actions(statement):
                    seen += 1
                    assert actions(statement) == ["iam:PassRole"], name
                    (role,) = resources(statement)
                    assert ":role/" in role and "*" not in role, name
                    service = statement["Condition"]["StringEquals"]["iam:PassedToService"]
                    assert service in ("sagemaker.amazonaws.com", "scheduler.amazonaws.com"), name
    assert seen >= 4


def test_roles_trust_only_their_service(all_runs: dict[str, ProgramRun]) -> None:
    services_by_suffix = {
        "-states": "states.amazonaws.com",
        "-scheduler": "scheduler.amazonaws.com",
        "-sagemaker": "sagemaker.amazonaws.com",
    }
    for run in all_runs.values():
        for role in run.of_type("aws:iam/role:Role"):
            name = role.inputs["name"]
            (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
            assert statement["Action"] == "sts:AssumeRole"
            expected = next(
                (s for suffix, s in services_by_suffix.items() if name.endswith(suffix)),
                "lambda.amazonaws.com",
            )
            assert statement["Principal"] == {"Service": expected}, name
            if expected in ("states.amazonaws.com", "scheduler.amazonaws.com"):
                # Confused-deputy guard: only this account's schedules/state machines.
                assert statement["Condition"] == {
                    "StringEquals": {"aws:SourceAccount": "123456789012"}
                }, name


def statements_by_sid(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["Sid"]: s for s in document["Statement"]}


def test_check_data_reads_data_writes_manifests_and_holds_the_run_lock() -> None:
    s = statements_by_sid(function_policy("check_data", ACCESS))
    assert s["ListTrainingData"]["Resource"] == ["arn:aws:s3:::data-bucket"]
    assert s["ListTrainingData"]["Condition"] == {
        "StringLike": {"s3:prefix": ["data/demand/train/*"]}
    }
    assert s["ReadTrainingData"]["Resource"] == ["arn:aws:s3:::data-bucket/data/demand/train/*"]
    assert s["WriteManifests"]["Resource"] == ["arn:aws:s3:::data-bucket/data/demand/manifests/*"]
    assert s["ReadMarker"]["Resource"] == [
        "arn:aws:ssm:eu-west-1:123456789012:parameter/retraining/dev/models/demand/train/latest"
    ]
    assert "ListRunningExecutions" not in s  # the run lock, not a listing, settles overlaps
    assert s["HoldRunLock"]["Resource"] == ["arn:aws:s3:::data-bucket/data/demand/lock/run.lock"]
    assert s["HoldRunLock"]["Action"] == ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    assert s["FindRunLock"]["Condition"] == {"StringLike": {"s3:prefix": ["data/demand/lock/*"]}}
    assert s["DescribeLockOwner"]["Resource"] == [
        "arn:aws:states:eu-west-1:123456789012:execution:retraining-dev-demand:*"
    ]
    assert s["WriteOwnLogs"]["Resource"] == [
        "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/retraining-dev-demand-check-data:*"
    ]
    assert s["XRayTracing"]["Resource"] == ["*"]


def test_check_data_follows_what_serves_to_its_package_within_this_models_registry() -> None:
    """A rollback (functions.rollback): this model's configs, Models and registry only."""
    s = statements_by_sid(function_policy("check_data", ACCESS))
    assert s["FollowServingModel"]["Action"] == ["sagemaker:DescribeEndpointConfig"]
    assert s["FollowServingModel"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/dev--demand--*"
    ]
    assert s["DescribeServingModel"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:123456789012:model/dev--demand--*"
    ]
    assert s["FindRollbackPackage"]["Action"] == [
        "sagemaker:ListModelPackages",
        "sagemaker:DescribeModelPackage",
    ]
    assert s["FindRollbackPackage"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:123456789012:model-package/dev--demand/*",
        "arn:aws:sagemaker:eu-west-1:123456789012:model-package-group/dev--demand",
    ]


def test_release_run_lock_deletes_the_lock_and_starts_only_its_state_machine() -> None:
    s = statements_by_sid(function_policy("release_run_lock", ACCESS))
    assert s["HoldRunLock"]["Resource"] == ["arn:aws:s3:::data-bucket/data/demand/lock/run.lock"]
    assert s["StartFollowUpRun"]["Action"] == ["states:StartExecution"]
    assert s["StartFollowUpRun"]["Resource"] == [
        "arn:aws:states:eu-west-1:123456789012:stateMachine:retraining-dev-demand"
    ]


def test_sagemaker_run_resources_are_limited_to_this_models_runs() -> None:
    start = statements_by_sid(function_policy("start_training_job", ACCESS))
    assert start["StartTrainingJobs"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:123456789012:training-job/dev--demand--*"
    ]
    deploy = statements_by_sid(function_policy("deploy_model", ACCESS))
    assert deploy["DeployEndpoint"]["Resource"] == [
        "arn:aws:sagemaker:eu-west-1:123456789012:endpoint/dev--demand",
        "arn:aws:sagemaker:eu-west-1:123456789012:endpoint-config/dev--demand--*",
    ]
    assert deploy["ListVersions"]["Resource"] == ["*"]


def test_slack_token_is_readable_only_by_notify_slack() -> None:
    for key in lambdas.BY_KEY:
        granted = [a for s in function_policy(key, ACCESS)["Statement"] for a in actions(s)]
        assert ("secretsmanager:GetSecretValue" in granted) == (key == "notify_slack"), key
    no_slack = PipelineAccess(**{**ACCESS.__dict__, "slack_secret_arn": None})
    assert "ReadSlackToken" not in statements_by_sid(function_policy("notify_slack", no_slack))


def test_state_machine_scheduler_and_sagemaker_roles() -> None:
    functions = [ACCESS.function_arn(k) for k in ("check_data", "get_status")]
    sm = statements_by_sid(state_machine_policy(ACCESS, functions))
    assert sm["InvokePipelineFunctions"]["Resource"] == functions
    assert set(sm) == {"InvokePipelineFunctions", "DeliverExecutionLogs", "XRayTracing"}
    quiet = PipelineAccess(**{**ACCESS.__dict__, "tracing": False, "state_machine_logging": False})
    assert set(statements_by_sid(state_machine_policy(quiet, functions))) == {
        "InvokePipelineFunctions"
    }

    (start,) = scheduler_policy(ACCESS)["Statement"]
    assert start["Action"] == ["states:StartExecution"]
    assert start["Resource"] == [ACCESS.state_machine_arn]

    sagemaker = statements_by_sid(sagemaker_policy(ACCESS))
    assert sagemaker["WriteModelArtifacts"]["Resource"] == [
        "arn:aws:s3:::data-bucket/data/demand/artifacts/*"
    ]
    assert sagemaker["PullAlgorithmImage"]["Resource"] == [ACCESS.algorithm_repository_arn]
    assert sagemaker["PublishSageMakerMetrics"]["Condition"] == {
        "StringLike": {"cloudwatch:namespace": ["/aws/sagemaker/*"]}
    }


def test_the_rollback_alarms_are_read_only_by_what_the_rollout_needs() -> None:
    alarms = ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:dev--demand--rollback-*"]
    get_status = statements_by_sid(function_policy("get_status", ACCESS))["ReadRollbackAlarms"]
    assert get_status["Action"] == ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"]
    assert get_status["Resource"] == alarms
    deploy = statements_by_sid(function_policy("deploy_model", ACCESS))["NameRollbackAlarms"]
    assert (deploy["Action"], deploy["Resource"]) == (["cloudwatch:DescribeAlarms"], alarms)
    sagemaker = statements_by_sid(sagemaker_policy(ACCESS))["ReadRollbackAlarms"]
    assert (sagemaker["Action"], sagemaker["Resource"]) == (["cloudwatch:DescribeAlarms"], alarms)
    for key in ("check_data", "notify_slack", "update_parameters"):
        assert not any(
            "cloudwatch:DescribeAlarms" in s["Action"]
            for s in function_policy(key, ACCESS)["Statement"]
        )
