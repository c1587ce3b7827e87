"""What each stack declares, run through the real program with each stack's config file."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from contract import lambdas
from localcloud.deploy.pulumi_program import ProgramRun, RecordedResource

pytestmark = pytest.mark.unit

# Shared by both stacks: one created, hardened bucket; the Slack layer and secret; one
# model pipeline (its SageMaker, scheduler and state machine roles, the function roles, ...).
COMMON = {
    "aws:s3/bucket:Bucket": 1,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": 1,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": 1,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": 1,
    "aws:s3/bucketVersioning:BucketVersioning": 1,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": 1,
    "aws:s3/bucketPolicy:BucketPolicy": 1,
    "aws:lambda/layerVersion:LayerVersion": 1,
    "aws:secretsmanager/secret:Secret": 1,
    "aws:secretsmanager/secretVersion:SecretVersion": 1,
    "aws:scheduler/scheduleGroup:ScheduleGroup": 1,
    "aws:scheduler/schedule:Schedule": 1,
    "aws:sfn/stateMachine:StateMachine": 1,
    "retraining:storage:DataBucket": 1,
    # The stack's AWS provider and the model's (infra.context): default tags, accounts.
    "pulumi:providers:aws": 2,
    "retraining:notifications:SlackTokenSecret": 1,
    "retraining:pipeline:ModelPipeline": 1,
    "retraining:pipeline:SchedulerAccess": 1,
    "retraining:pipeline:Orchestration": 1,
    "retraining:pipeline:Triggers": 1,
    # The model's registry (every evaluated model is a version of it).
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": 1,
}
EXPECTED = {
    # dev runs on upload too: debounce_upload, its rule, and bucket notifications.
    "dev": {
        **COMMON,
        "aws:s3/bucketNotification:BucketNotification": 1,
        # + stop_training_job, evaluate_model and register_model (role, policy, function,
        # log group).
        "aws:iam/role:Role": 16,
        # + on_sagemaker_event's and debounce_upload's right to their dead-letter queues.
        "aws:iam/rolePolicy:RolePolicy": 18,
        "aws:sqs/queue:Queue": 2,
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 2,
        "aws:lambda/function:Function": 13,
        "retraining:pipeline:Function": 13,
        "aws:cloudwatch/logGroup:LogGroup": 14,
        # training, endpoint and model-package events; deployment stages (to Slack); uploads.
        "aws:cloudwatch/eventRule:EventRule": 5,
        "aws:cloudwatch/eventTarget:EventTarget": 5,
        "aws:lambda/permission:Permission": 5,
        # The endpoint's rollback alarms (5XX errors, model latency).
        "aws:cloudwatch/metricAlarm:MetricAlarm": 2,
    },
    # prod alarms on bad runs and does not run on upload.
    "prod": {
        **COMMON,
        # + stop_training_job, release_run_lock, evaluate_model and register_model (role,
        # policy, function, log group each).
        "aws:iam/role:Role": 15,
        "aws:iam/rolePolicy:RolePolicy": 16,
        "aws:sqs/queue:Queue": 1,
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
        "aws:lambda/function:Function": 12,
        "retraining:pipeline:Function": 12,
        "aws:cloudwatch/logGroup:LogGroup": 13,
        # training, endpoint and model-package events; deployment stages (to Slack).
        "aws:cloudwatch/eventRule:EventRule": 4,
        "aws:cloudwatch/eventTarget:EventTarget": 4,
        "aws:lambda/permission:Permission": 4,
        "aws:sns/topic:Topic": 1,
        # Failed executions; the endpoint's rollback alarms (5XX errors, model latency).
        "aws:cloudwatch/metricAlarm:MetricAlarm": 3,
        "retraining:alarms:AlarmTopic": 1,
    },
}


def declared(run: ProgramRun) -> list[RecordedResource]:
    return [r for r in run.resources if not r.read]


def only(run: ProgramRun, resource_type: str) -> RecordedResource:
    (resource,) = run.of_type(resource_type)
    return resource


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_resource_set_per_stack(runs: dict[str, ProgramRun], stack: str) -> None:
    assert dict(Counter(r.type for r in declared(runs[stack]))) == EXPECTED[stack]


def test_a_run_is_repeatable_in_one_process(runs: dict[str, ProgramRun]) -> None:
    from tests.infra.conftest import TOKEN, run_stack

    again = run_stack("dev", secret_overrides=TOKEN)
    assert Counter(r.type for r in declared(again)) == Counter(
        r.type for r in declared(runs["dev"])
    )
    assert again.outputs == runs["dev"].outputs


def test_dev_and_prod_differ_where_the_config_says(runs: dict[str, ProgramRun]) -> None:
    def inputs(stack: str, resource_type: str) -> dict[str, Any]:
        return only(runs[stack], resource_type).inputs

    dev_fn = {
        r.inputs["name"]: r.inputs for r in runs["dev"].of_type("aws:lambda/function:Function")
    }
    prod_fn = {
        r.inputs["name"]: r.inputs for r in runs["prod"].of_type("aws:lambda/function:Function")
    }
    dev_deploy = dev_fn["retraining-dev-linear-learner-deploy-model"]["environment"]["variables"]
    prod_deploy = prod_fn["retraining-prod-linear-learner-deploy-model"]["environment"]["variables"]
    assert (dev_deploy["ENDPOINT_INSTANCE_COUNT"], prod_deploy["ENDPOINT_INSTANCE_COUNT"]) == (
        "1",
        "2",
    )
    assert dev_deploy["ENDPOINT_INSTANCE_TYPE"] != prod_deploy["ENDPOINT_INSTANCE_TYPE"]

    dev_slack = dev_fn["retraining-dev-linear-learner-notify-slack"]["environment"]["variables"]
    prod_slack = prod_fn["retraining-prod-linear-learner-notify-slack"]["environment"]["variables"]
    assert dev_slack["SLACK_CHANNEL"] != prod_slack["SLACK_CHANNEL"]

    retention = {
        stack: {
            r.inputs["retentionInDays"]
            for r in runs[stack].of_type("aws:cloudwatch/logGroup:LogGroup")
        }
        for stack in ("dev", "prod")
    }
    assert retention == {"dev": {7}, "prod": {90}}

    dev_sm = inputs("dev", "aws:sfn/stateMachine:StateMachine")
    prod_sm = inputs("prod", "aws:sfn/stateMachine:StateMachine")
    assert dev_sm["loggingConfiguration"]["level"] == "ALL"
    assert prod_sm["loggingConfiguration"] == {
        "level": "ERROR",
        "includeExecutionData": False,
        "logDestination": (
            "arn:aws:logs:eu-west-1:123456789012:log-group:"
            "/aws/vendedlogs/states/retraining-prod-linear-learner:*"
        ),
    }
    assert (dev_sm["tracingConfiguration"], prod_sm["tracingConfiguration"]) == (
        {"enabled": False},
        {"enabled": True},
    )
    prod_bucket = only(runs["prod"], "aws:s3/bucket:Bucket")
    dev_bucket = only(runs["dev"], "aws:s3/bucket:Bucket")
    assert prod_bucket.options.protect and prod_bucket.options.retain_on_delete
    assert not dev_bucket.options.protect and not dev_bucket.options.retain_on_delete


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_created_bucket_is_hardened(runs: dict[str, ProgramRun], stack: str) -> None:
    run = runs[stack]
    bucket = only(run, "aws:s3/bucket:Bucket").inputs["bucket"]
    assert bucket == f"retraining-{stack}-123456789012-eu-west-1"
    public = only(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs
    assert all(
        public[k] is True
        for k in (
            "blockPublicAcls",
            "blockPublicPolicy",
            "ignorePublicAcls",
            "restrictPublicBuckets",
        )
    )
    sse = only(
        run,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    (rule,) = sse.inputs["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] in ("AES256", "aws:kms")
    versioning = only(run, "aws:s3/bucketVersioning:BucketVersioning").inputs
    assert versioning["versioningConfiguration"]["status"] == "Enabled"
    ownership = only(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs
    assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    policy = json.loads(only(run, "aws:s3/bucketPolicy:BucketPolicy").inputs["policy"])
    (deny,) = policy["Statement"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*" and deny["Action"] == "s3:*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert sorted(deny["Resource"]) == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    notifications = run.of_type("aws:s3/bucketNotification:BucketNotification")
    assert [n.inputs["eventbridge"] for n in notifications] == ([True] if stack == "dev" else [])


def test_an_existing_bucket_is_looked_up_and_left_alone(variant_run: ProgramRun) -> None:
    assert not [r for r in variant_run.resources if r.type.startswith("aws:s3/")]
    lookups = [c for c in variant_run.calls if c.token == "aws:s3/getBucket:getBucket"]
    assert [c.args["bucket"] for c in lookups] == ["company-ml-data"]
    envs = [
        r.inputs["environment"]["variables"]
        for r in variant_run.of_type("aws:lambda/function:Function")
    ]
    assert {e["BUCKET"] for e in envs if "BUCKET" in e} == {"company-ml-data"}


def test_several_models_get_separate_pipelines(variant_run: ProgramRun) -> None:
    models = variant_run.outputs["models"]
    assert sorted(models) == ["churn", "demand"]
    machines = {r.inputs["name"] for r in variant_run.of_type("aws:sfn/stateMachine:StateMachine")}
    assert machines == {"retraining-dev-churn", "retraining-dev-demand"}
    # churn brings its own SageMaker role: none is created for it.
    roles = {r.inputs["name"] for r in variant_run.of_type("aws:iam/role:Role")}
    assert "retraining-dev-demand-sagemaker" in roles
    assert "retraining-dev-churn-sagemaker" not in roles
    churn_env = {
        r.inputs["name"]: r.inputs["environment"]["variables"]
        for r in variant_run.of_type("aws:lambda/function:Function")
    }["retraining-dev-churn-start-training-job"]
    assert churn_env["SAGEMAKER_ROLE_ARN"] == "arn:aws:iam::123456789012:role/existing-sagemaker"
    assert churn_env["TRAINING_IMAGE"] == "111122223333.dkr.ecr.eu-west-1.amazonaws.com/custom-ll:7"
    # The default image is looked up once for the stack, in its region.
    images = [
        c for c in variant_run.calls if c.token.startswith("aws:sagemaker/getPrebuiltEcrImage")
    ]
    assert [(c.args["repositoryName"], c.args["imageTag"]) for c in images] == [
        ("linear-learner", "1")
    ]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_outputs_describe_each_model(runs: dict[str, ProgramRun], stack: str) -> None:
    outputs = runs[stack].outputs
    assert outputs["region"] == "eu-west-1"
    model = outputs["models"]["linear-learner"]
    sm_arn = f"arn:aws:states:eu-west-1:123456789012:stateMachine:retraining-{stack}-linear-learner"
    assert model["stateMachineArn"] == sm_arn
    assert model["stateMachineConsoleUrl"].endswith(f"#/statemachines/view/{sm_arn}")
    assert model["endpointName"] == f"{stack}--linear-learner"
    assert model["markerParameter"] == f"/retraining/{stack}/models/linear-learner/train/latest"
    assert model["bucket"] == f"retraining-{stack}-123456789012-eu-west-1"
    functions = {
        r.inputs["name"]: r.state["arn"]
        for r in runs[stack].of_type("aws:lambda/function:Function")
    }
    assert sorted(model["functionArns"].values()) == sorted(functions.values())
    expected_keys = {s.key for s in lambdas.ALL_FUNCTIONS}
    if stack == "prod":
        expected_keys.discard(lambdas.DEBOUNCE_UPLOAD.key)
    assert set(model["functionArns"]) == expected_keys


def test_the_schedule_starts_the_state_machine_in_its_time_zone(
    runs: dict[str, ProgramRun],
) -> None:
    for stack, expression in (("dev", "cron(0 6 * * ? *)"), ("prod", "cron(0 3 * * ? *)")):
        schedule = only(runs[stack], "aws:scheduler/schedule:Schedule").inputs
        assert schedule["scheduleExpression"] == expression
        assert schedule["scheduleExpressionTimezone"] == "Europe/Paris"
        assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}
        assert schedule["groupName"] == f"retraining-{stack}-linear-learner"
        target = schedule["target"]
        assert target["arn"] == runs[stack].outputs["models"]["linear-learner"]["stateMachineArn"]
        assert json.loads(target["input"]) == {
            "trigger": "schedule",
            "scheduledTime": "<aws.scheduler.scheduled-time>",
        }
        assert target["retryPolicy"]["maximumRetryAttempts"] > 0
        assert target["roleArn"].endswith(f":role/retraining-{stack}-linear-learner-scheduler")


def test_sagemaker_events_resume_waits_only_when_terminal(runs: dict[str, ProgramRun]) -> None:
    from contract import status

    rules = {
        r.inputs["name"]: json.loads(r.inputs["eventPattern"])
        for r in runs["prod"].of_type("aws:cloudwatch/eventRule:EventRule")
    }
    training = rules["retraining-prod-linear-learner-training-events"]
    endpoint = rules["retraining-prod-linear-learner-endpoint-events"]
    assert training["source"] == endpoint["source"] == ["aws.sagemaker"]
    assert training["detail-type"] == ["SageMaker Training Job State Change"]
    assert training["detail"]["TrainingJobName"] == [{"prefix": "prod--linear-learner--"}]
    assert set(training["detail"]["TrainingJobStatus"]) == set(status.TERMINAL_STATUSES["training"])
    assert not set(training["detail"]["TrainingJobStatus"]) & set(status.TRAINING_WAITING)
    assert endpoint["detail"]["EndpointName"] == ["prod--linear-learner"]
    # Endpoint events spell statuses IN_SERVICE, ...: a rule with Describe's spelling
    # (InService) never matches, and every deployment waits for the safety poll.
    assert set(endpoint["detail"]["EndpointStatus"]) == {
        status.to_event_spelling(s) for s in status.TERMINAL_STATUSES["deployment"]
    }
    # A package's approval decided (a person, or the approval deadline): only this stack's
    # model's group, only Approved/Rejected (the API's spelling, as the events carry it).
    packages = rules["retraining-prod-linear-learner-model-package-events"]
    assert packages["detail-type"] == ["SageMaker Model Package State Change"]
    assert packages["detail"] == {
        "ModelPackageGroupName": ["prod--linear-learner"],
        "ModelApprovalStatus": ["Approved", "Rejected"],
    }
    targets = runs["prod"].of_type("aws:cloudwatch/eventTarget:EventTarget")
    functions = runs["prod"].outputs["models"]["linear-learner"]["functionArns"]
    # A guarded update's stages go straight to Slack; everything else resumes a wait.
    deployment = rules["retraining-prod-linear-learner-deployment-events"]
    assert deployment == {
        "source": ["aws.sagemaker"],
        "detail-type": ["SageMaker Endpoint Deployment State Change"],
        "detail": {"EndpointName": ["prod--linear-learner"]},
    }
    assert {t.inputs["arn"] for t in targets} == {
        functions["on_sagemaker_event"],
        functions["notify_slack"],
    }
    permissions = runs["prod"].of_type("aws:lambda/permission:Permission")
    rule_arns = {r.state["arn"] for r in runs["prod"].of_type("aws:cloudwatch/eventRule:EventRule")}
    assert {p.inputs["sourceArn"] for p in permissions} == rule_arns
    assert {p.inputs["principal"] for p in permissions} == {"events.amazonaws.com"}


def test_uploads_under_the_data_prefix_reach_the_debouncer(runs: dict[str, ProgramRun]) -> None:
    rules = {r.inputs["name"]: r for r in runs["dev"].of_type("aws:cloudwatch/eventRule:EventRule")}
    pattern = json.loads(rules["retraining-dev-linear-learner-uploads"].inputs["eventPattern"])
    assert pattern == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": ["retraining-dev-123456789012-eu-west-1"]},
            "object": {"key": [{"prefix": "data/linear-learner/train/"}]},
        },
    }
    debounce = runs["dev"].outputs["models"]["linear-learner"]["functionArns"]["debounce_upload"]
    targets = [
        t
        for t in runs["dev"].of_type("aws:cloudwatch/eventTarget:EventTarget")
        if t.inputs["rule"] == "retraining-dev-linear-learner-uploads"
    ]
    assert [t.inputs["arn"] for t in targets] == [debounce]


def test_the_alarm_watches_every_bad_outcome_of_the_state_machine(
    runs: dict[str, ProgramRun],
) -> None:
    (alarm,) = (
        a.inputs
        for a in runs["prod"].of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if a.inputs["name"].endswith("-executions-failed")
    )
    metrics = {q["metric"]["metricName"] for q in alarm["metricQueries"] if "metric" in q}
    assert metrics == {"ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted"}
    sm_arn = runs["prod"].outputs["models"]["linear-learner"]["stateMachineArn"]
    assert all(
        q["metric"]["dimensions"] == {"StateMachineArn": sm_arn}
        for q in alarm["metricQueries"]
        if "metric" in q
    )
    topic = only(runs["prod"], "aws:sns/topic:Topic").state["arn"]
    assert alarm["alarmActions"] == [topic]
    assert alarm["threshold"] == 0 and alarm["comparisonOperator"] == "GreaterThanThreshold"


def test_the_rollback_alarms_watch_the_endpoints_variant_with_the_settings_thresholds(
    runs: dict[str, ProgramRun],
) -> None:
    from contract.names import rollback_alarm_names

    alarms = {
        a.inputs["name"]: a.inputs
        for a in runs["prod"].of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if "rollback" in a.inputs["name"]
    }
    errors_name, latency_name = rollback_alarm_names("prod", "linear-learner")
    assert set(alarms) == {errors_name, latency_name}
    topic = only(runs["prod"], "aws:sns/topic:Topic").state["arn"]
    for alarm in alarms.values():
        assert alarm["namespace"] == "AWS/SageMaker"
        assert alarm["dimensions"] == {
            "EndpointName": "prod--linear-learner",
            "VariantName": "AllTraffic",
        }
        assert alarm["period"] == 60 and alarm["treatMissingData"] == "notBreaching"
        # After a rollout they keep watching the serving model: the alarm topic hears them.
        assert alarm["alarmActions"] == [topic]
    errors, latency = alarms[errors_name], alarms[latency_name]
    assert (errors["metricName"], errors["statistic"], errors["threshold"]) == (
        "Invocation5XXErrors",
        "Sum",
        1,
    )
    assert errors["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    # ModelLatency is in microseconds: prod's 1000 ms.
    assert (latency["metricName"], latency["statistic"], latency["threshold"]) == (
        "ModelLatency",
        "Average",
        1_000_000,
    )


def test_what_the_pipeline_writes_is_not_declared(
    all_runs: dict[str, ProgramRun],
) -> None:
    # The marker, training jobs, Models, EndpointConfigs and the endpoint are created and
    # changed by the pipeline itself: declaring them would show every run as drift (or make
    # `pulumi up` undo a deployment). The marker's absence means "never trained".
    pipeline_written = {
        "aws:ssm/parameter:Parameter",
        "aws:sagemaker/endpoint:Endpoint",
        "aws:sagemaker/model:Model",
        "aws:sagemaker/endpointConfiguration:EndpointConfiguration",
        "aws:sagemaker/trainingJob:TrainingJob",
    }
    for stack, run in all_runs.items():
        declared_types = {resource.type for resource in declared(run)}
        assert declared_types & pipeline_written == set(), stack
        assert declared_types, stack  # the check above is about a real resource list
