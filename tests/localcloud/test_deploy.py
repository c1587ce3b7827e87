"""The real Pulumi program, deployed into moto: every resource exists, configured as declared.

One moto for the module: dev is deployed once; prod and the variant of tests/infra are
deployed next to it, as a newcomer's machine would hold them. Each created resource is read
back with boto3 and compared with what the program declared (its recorded inputs), so a
setting dropped or mangled on the way to AWS fails here.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pulumi
import pulumi.runtime
import pulumi_aws as aws
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.awslambda.models import lambda_backends
from moto.core.models import MockAWS
from moto.s3.models import s3_backends

from contract import lambdas
from infra import events
from infra.naming import ModelNames
from localcloud.awslambda.runtime import LambdaRuntime
from localcloud.deploy import stack as deploy
from localcloud.deploy.calls import CallFailed
from localcloud.deploy.pulumi_program import (
    ProgramFailed,
    RecordedResource,
    run_program,
    unwrap_secrets,
)
from localcloud.deploy.resources import EMULATED, AwsApi, ResourceRequest
from localcloud.deploy.stack import (
    DeployedResource,
    DeployFailed,
    Deployment,
    MotoMocks,
    NotInMoto,
    deploy_stack,
)
from localcloud.plan import PlanMocks, plan_entries
from tests.infra.conftest import EXISTING_SECRET_ARN, VARIANT_OVERRIDES

pytestmark = pytest.mark.unit

REGION = "eu-west-1"
TOKEN = "xoxb-local-test"
SECRETS = {"retraining:slackToken": TOKEN}
MODEL = "linear-learner"
PREBUILT_LINEAR_LEARNER = "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"


@functools.cache
def _client(service: str, region: str = REGION) -> Any:
    make: Any = boto3.client  # a str service name: the typed overloads want literals
    return make(service, region_name=region)


def _account() -> str:
    return str(_client("sts").get_caller_identity()["Account"])


@pytest.fixture(scope="module")
def cloud() -> Iterator[None]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield


@pytest.fixture(scope="module")
def dev(cloud: None) -> Deployment:
    return deploy_stack("dev", secret_overrides=SECRETS)


def _recorded(deployment: Deployment) -> dict[tuple[str, str], RecordedResource]:
    return {(r.type, r.name): r for r in deployment.run.resources}


def _inputs(deployment: Deployment, resource: DeployedResource) -> dict[str, Any]:
    return unwrap_secrets(_recorded(deployment)[(resource.type, resource.name)].inputs)


def _json(document: str | dict) -> Any:
    return json.loads(document) if isinstance(document, str) else document


# --- reading each resource back from moto --------------------------------------------------------
# One probe per created type: it reads the resource from moto and compares its key settings
# with the program's inputs. A type deployed without a probe fails the test below.
Probe = Callable[[DeployedResource, dict[str, Any]], None]


def _bucket(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    _client("s3").head_bucket(Bucket=resource.id)
    assert resource.arn == f"arn:aws:s3:::{inputs['bucket']}"


def _public_access_block(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    config = _client("s3").get_public_access_block(Bucket=resource.id)
    assert all(config["PublicAccessBlockConfiguration"].values())
    assert len(config["PublicAccessBlockConfiguration"]) == 4


def _ownership(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    rules = _client("s3").get_bucket_ownership_controls(Bucket=resource.id)
    assert rules["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": inputs["rule"]["objectOwnership"]}
    ]


def _encryption(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    found = _client("s3").get_bucket_encryption(Bucket=resource.id)
    rule = found["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def _versioning(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    assert _client("s3").get_bucket_versioning(Bucket=resource.id)["Status"] == "Enabled"


def _lifecycle(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    rules = _client("s3").get_bucket_lifecycle_configuration(Bucket=resource.id)["Rules"]
    assert [r["ID"] for r in rules] == [d["id"] for d in inputs["rules"]]
    for run_records, declared_records in zip(rules[:-1], inputs["rules"][:-1], strict=True):
        # Each model's manifests and callback tokens expire under their own prefix.
        assert run_records["Filter"]["Prefix"] == declared_records["filter"]["prefix"]
        assert run_records["Expiration"]["Days"] == declared_records["expiration"]["days"]
    rule, declared = rules[-1], inputs["rules"][-1]
    assert rule["ID"] == declared["id"]
    assert rule["Status"] == "Enabled"
    noncurrent = declared["noncurrentVersionExpiration"]["noncurrentDays"]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == noncurrent
    abort = declared["abortIncompleteMultipartUpload"]["daysAfterInitiation"]
    assert rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == abort


def _bucket_policy(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    policy = _client("s3").get_bucket_policy(Bucket=resource.id)["Policy"]
    assert json.loads(policy) == json.loads(inputs["policy"])


def _notification(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    # moto's GetBucketNotificationConfiguration omits EventBridge: ask its backend.
    backend = s3_backends[_account()]["aws"]
    held = backend.get_bucket_notification_configuration(resource.id)
    assert held is not None
    assert held.event_bridge is not None


def _role(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    role = _client("iam").get_role(RoleName=resource.id)["Role"]
    assert role["Arn"] == resource.arn
    assert role["AssumeRolePolicyDocument"] == json.loads(inputs["assumeRolePolicy"])
    assert role["Description"] == inputs["description"]


def _role_policy(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    role, name = resource.id.split(":")
    found = _client("iam").get_role_policy(RoleName=role, PolicyName=name)
    assert found["PolicyDocument"] == json.loads(inputs["policy"])


def _log_group(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    groups = _client("logs").describe_log_groups(logGroupNamePrefix=resource.id)["logGroups"]
    (group,) = [g for g in groups if g["logGroupName"] == resource.id]
    assert group["retentionInDays"] == inputs["retentionInDays"]


def _layer(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    layer_arn, version = resource.id.rsplit(":", 1)  # moto lacks GetLayerVersionByArn
    layer = _client("lambda").get_layer_version(LayerName=layer_arn, VersionNumber=int(version))
    assert layer["LayerVersionArn"] == resource.arn
    assert layer["CompatibleRuntimes"] == inputs["compatibleRuntimes"]
    assert layer["CompatibleArchitectures"] == inputs["compatibleArchitectures"]
    # Lambda's hash of what it received is the hash infra computed of the zip it built.
    assert layer["Content"]["CodeSha256"] == inputs["sourceCodeHash"]


def _function(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    config = _client("lambda").get_function_configuration(FunctionName=resource.id)
    assert config["FunctionArn"] == resource.arn
    assert config["Handler"] == inputs["handler"]
    assert config["Runtime"] == inputs["runtime"]
    assert config["Role"] == inputs["role"]
    assert config["Timeout"] == inputs["timeout"]
    assert config["MemorySize"] == inputs["memorySize"]
    assert config["Architectures"] == inputs["architectures"]
    assert config["TracingConfig"]["Mode"] == inputs["tracingConfig"]["mode"]
    assert config["Environment"]["Variables"] == inputs["environment"]["variables"]
    assert [layer["Arn"] for layer in config.get("Layers", [])] == inputs.get("layers", [])
    assert config["CodeSha256"] == inputs["codeSha256"]
    function = lambda_backends[_account()][REGION].get_function(resource.id)
    declared = inputs["loggingConfig"]
    assert vars(function)["logging_config"] == {
        "LogFormat": declared["logFormat"],
        "LogGroup": declared["logGroup"],
        "ApplicationLogLevel": declared["applicationLogLevel"],
        "SystemLogLevel": declared["systemLogLevel"],
    }
    assert function.logs_group_name == declared["logGroup"]
    concurrency = _client("lambda").get_function_concurrency(FunctionName=resource.id)
    assert concurrency["ReservedConcurrentExecutions"] == inputs["reservedConcurrentExecutions"]


def _event_invoke_config(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    config = _client("lambda").get_function_event_invoke_config(FunctionName=inputs["functionName"])
    assert config["MaximumRetryAttempts"] == inputs["maximumRetryAttempts"]
    on_failure = inputs["destinationConfig"]["onFailure"]["destination"]
    assert config["DestinationConfig"]["OnFailure"]["Destination"] == on_failure


def _dead_letter_queue(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    attributes = _client("sqs").get_queue_attributes(QueueUrl=resource.id, AttributeNames=["All"])[
        "Attributes"
    ]
    assert attributes["QueueArn"] == resource.arn
    assert int(attributes["MessageRetentionPeriod"]) == inputs["messageRetentionSeconds"]
    assert attributes["SqsManagedSseEnabled"] == "true"


def _permission(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    policy = json.loads(_client("lambda").get_policy(FunctionName=inputs["function"])["Policy"])
    (statement,) = [s for s in policy["Statement"] if s["Sid"] == resource.id]
    assert statement["Action"] == inputs["action"]
    assert statement["Principal"] == {"Service": inputs["principal"]}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"] == inputs["sourceArn"]


def _rule(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    rule = _client("events").describe_rule(Name=resource.id)
    assert rule["Arn"] == resource.arn
    assert json.loads(rule["EventPattern"]) == json.loads(inputs["eventPattern"])
    assert rule["State"] == inputs["state"]


def _target(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    targets = _client("events").list_targets_by_rule(Rule=inputs["rule"])["Targets"]
    assert [(t["Id"], t["Arn"]) for t in targets] == [(inputs["targetId"], inputs["arn"])]


def _schedule_group(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    group = _client("scheduler").get_schedule_group(Name=resource.id)
    assert (group["Arn"], group["State"]) == (resource.arn, "ACTIVE")


def _schedule(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    group, name = resource.id.split("/")
    schedule = _client("scheduler").get_schedule(GroupName=group, Name=name)
    assert schedule["ScheduleExpression"] == inputs["scheduleExpression"]
    assert schedule["ScheduleExpressionTimezone"] == inputs["scheduleExpressionTimezone"]
    assert schedule["State"] == inputs["state"]
    assert schedule["FlexibleTimeWindow"] == {"Mode": inputs["flexibleTimeWindow"]["mode"]}
    target = inputs["target"]
    assert schedule["Target"] == {
        "Arn": target["arn"],
        "RoleArn": target["roleArn"],
        "Input": target["input"],
        "RetryPolicy": {
            "MaximumEventAgeInSeconds": target["retryPolicy"]["maximumEventAgeInSeconds"],
            "MaximumRetryAttempts": target["retryPolicy"]["maximumRetryAttempts"],
        },
    }


def _secret(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    secret = _client("secretsmanager").describe_secret(SecretId=resource.id)
    assert (secret["Name"], secret["Description"]) == (inputs["name"], inputs["description"])


def _secret_version(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    value = _client("secretsmanager").get_secret_value(SecretId=inputs["secretId"])
    assert value["SecretString"] == inputs["secretString"]
    assert resource.id == f"{value['ARN']}|{value['VersionId']}"


def _state_machine(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    machine = _client("stepfunctions").describe_state_machine(stateMachineArn=resource.id)
    assert json.loads(machine["definition"]) == json.loads(inputs["definition"])
    assert (machine["roleArn"], machine["type"]) == (inputs["roleArn"], inputs["type"])
    assert machine["tracingConfiguration"] == inputs["tracingConfiguration"]
    logging = inputs["loggingConfiguration"]
    assert machine["loggingConfiguration"]["level"] == logging["level"]
    assert machine["loggingConfiguration"]["includeExecutionData"] == logging.get(
        "includeExecutionData", False
    )
    destinations = machine["loggingConfiguration"].get("destinations", [])
    assert [d["cloudWatchLogsLogGroup"]["logGroupArn"] for d in destinations] == (
        [logging["logDestination"]] if "logDestination" in logging else []
    )


def _topic(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    attributes = _client("sns").get_topic_attributes(TopicArn=resource.id)["Attributes"]
    assert attributes["TopicArn"].endswith(f":{inputs['name']}")


def _subscription(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    found = _client("sns").get_subscription_attributes(SubscriptionArn=resource.id)
    attributes = found["Attributes"]
    assert (attributes["TopicArn"], attributes["Protocol"], attributes["Endpoint"]) == (
        inputs["topic"],
        inputs["protocol"],
        inputs["endpoint"],
    )


def _alarm(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    (alarm,) = _client("cloudwatch").describe_alarms(AlarmNames=[resource.id])["MetricAlarms"]
    assert alarm["ComparisonOperator"] == inputs["comparisonOperator"]
    assert alarm["Threshold"] == inputs["threshold"]
    assert alarm["EvaluationPeriods"] == inputs["evaluationPeriods"]
    assert alarm["TreatMissingData"] == inputs["treatMissingData"]
    assert alarm["AlarmActions"] == alarm["OKActions"] == inputs.get("alarmActions", [])
    for topic in inputs.get("alarmActions", []):
        _client("sns").get_topic_attributes(TopicArn=topic)
    if "metricName" in inputs:  # one metric (the endpoint's rollback alarms)
        assert (alarm["Namespace"], alarm["MetricName"], alarm["Statistic"]) == (
            inputs["namespace"],
            inputs["metricName"],
            inputs["statistic"],
        )
        assert alarm["Period"] == inputs["period"]
        assert alarm["Dimensions"] == [
            {"Name": k, "Value": v} for k, v in inputs["dimensions"].items()
        ]
        return
    queries = {m["Id"]: m for m in alarm["Metrics"]}
    for query in inputs["metricQueries"]:
        found = queries[query["id"]]
        assert found["ReturnData"] == query["returnData"]
        if "expression" in query:
            assert found["Expression"] == query["expression"]
        else:
            metric = found["MetricStat"]["Metric"]
            assert metric["MetricName"] == query["metric"]["metricName"]
            assert metric["Dimensions"] == [
                {"Name": k, "Value": v} for k, v in query["metric"]["dimensions"].items()
            ]


def _model_package_group(resource: DeployedResource, inputs: dict[str, Any]) -> None:
    sagemaker = _client("sagemaker")
    group = sagemaker.describe_model_package_group(ModelPackageGroupName=resource.id)
    assert group["ModelPackageGroupName"] == inputs["modelPackageGroupName"]
    assert group["ModelPackageGroupArn"] == resource.arn
    assert group.get("ModelPackageGroupDescription") == inputs.get("modelPackageGroupDescription")
    tags = sagemaker.list_tags(ResourceArn=resource.arn)["Tags"]
    # The declared tags, plus the providers' default tags (test_resources_carry_...).
    assert inputs.get("tags", {}).items() <= {t["Key"]: t["Value"] for t in tags}.items()


PROBES: dict[str, Probe] = {
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _public_access_block,
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": _ownership,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        _encryption
    ),
    "aws:s3/bucketVersioning:BucketVersioning": _versioning,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _lifecycle,
    "aws:s3/bucketPolicy:BucketPolicy": _bucket_policy,
    "aws:s3/bucketNotification:BucketNotification": _notification,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:lambda/layerVersion:LayerVersion": _layer,
    "aws:lambda/function:Function": _function,
    "aws:lambda/permission:Permission": _permission,
    "aws:cloudwatch/eventRule:EventRule": _rule,
    "aws:cloudwatch/eventTarget:EventTarget": _target,
    "aws:scheduler/scheduleGroup:ScheduleGroup": _schedule_group,
    "aws:scheduler/schedule:Schedule": _schedule,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:sfn/stateMachine:StateMachine": _state_machine,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicSubscription:TopicSubscription": _subscription,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": _event_invoke_config,
    "aws:sqs/queue:Queue": _dead_letter_queue,
    "aws:sagemaker/modelPackageGroup:ModelPackageGroup": _model_package_group,
}


def _read_back_everything(deployment: Deployment) -> None:
    for resource in deployment.resources:
        assert resource.type in PROBES, f"no probe reads {resource.type} back"
        PROBES[resource.type](resource, _inputs(deployment, resource))


# --- dev ----------------------------------------------------------------------------------------
def test_every_resource_of_the_plan_is_created(dev: Deployment) -> None:
    plan = plan_entries(run_program("dev", PlanMocks(region=REGION), secret_overrides=SECRETS))
    planned = {(e["type"], e["name"]) for e in plan}
    # Providers are configured (see the provider tests below), nothing of theirs is in AWS.
    providers = {(r.type, r.name) for r in dev.run.of_type("pulumi:providers:aws")}
    assert {name for _, name in providers} == {"aws", f"{MODEL}-aws"}
    custom = {(r.type, r.name) for r in dev.run.resources if r.custom} - providers
    assert planned == {(r.type, r.name) for r in dev.run.resources}
    assert {(r.type, r.name) for r in dev.resources} == custom
    assert len(dev.resources) == len(custom) > 60
    assert dev.skipped == []


def test_every_created_resource_reads_back_as_declared(dev: Deployment) -> None:
    _read_back_everything(dev)


def test_functions_carry_their_catalog_specs(dev: Deployment) -> None:
    names = ModelNames("dev", MODEL)
    layer = dev.get("aws:lambda/layerVersion:LayerVersion", "slack-sdk")
    secret = dev.get("aws:secretsmanager/secret:Secret", "slack-token")
    functions = dev.of_type("aws:lambda/function:Function")
    assert {f.id for f in functions} == {names.function(s.key) for s in lambdas.ALL_FUNCTIONS}
    for spec in lambdas.ALL_FUNCTIONS:
        config = _client("lambda").get_function_configuration(FunctionName=names.function(spec.key))
        assert config["Handler"] == spec.handler
        assert config["Runtime"] == "python3.14"
        # Exactly the spec's names: dev trains on spot and has a Slack secret; no Slack API
        # URL override and no absolute quality bound (qualityMaxScore) are configured.
        unset = {lambdas.SLACK_API_URL.name, lambdas.QUALITY_MAX_SCORE.name}
        optional = {v.name for v in spec.variables if not v.required} - unset
        assert (
            set(config["Environment"]["Variables"])
            == {v.name for v in spec.variables if v.required} | optional
        )
        role = _client("iam").get_role(RoleName=names.function_role(spec.key))["Role"]
        assert config["Role"] == role["Arn"]
        layers = [x["Arn"] for x in config.get("Layers", [])]
        assert layers == ([layer.arn] if spec is lambdas.NOTIFY_SLACK else [])
    notify = _client("lambda").get_function_configuration(
        FunctionName=names.function(lambdas.NOTIFY_SLACK.key)
    )
    assert notify["Environment"]["Variables"][lambdas.SLACK_TOKEN_SECRET_ARN.name] == secret.arn
    assert TOKEN not in json.dumps(notify["Environment"])


def test_state_machine_runs_the_programs_definition_on_real_functions(dev: Deployment) -> None:
    machine_resource = dev.get("aws:sfn/stateMachine:StateMachine", f"{MODEL}-orchestration")
    machine = _client("stepfunctions").describe_state_machine(stateMachineArn=machine_resource.id)
    definition = json.loads(machine["definition"])
    declared = _inputs(dev, machine_resource)["definition"]
    assert definition == json.loads(declared)
    resources = {
        state["Resource"]
        for state in definition["States"].values()
        if state.get("Resource", "").startswith("arn:aws:lambda:")
    }
    deployed = {f.arn for f in dev.of_type("aws:lambda/function:Function")}
    pipeline = {ModelNames("dev", MODEL).function(s.key) for s in lambdas.PIPELINE_FUNCTIONS}
    assert resources <= deployed
    assert {arn.rsplit(":", 1)[1] for arn in resources} | {
        ModelNames("dev", MODEL).function(lambdas.AWAIT_STATUS.key)  # a callback task
    } == pipeline
    for arn in resources:
        _client("lambda").get_function(FunctionName=arn)
    group = dev.get("aws:cloudwatch/logGroup:LogGroup", f"{MODEL}-orchestration-executions")
    destination = machine["loggingConfiguration"]["destinations"][0]
    assert destination["cloudWatchLogsLogGroup"]["logGroupArn"] == f"{group.arn}:*"


def test_the_schedule_starts_the_state_machine_in_the_stacks_time_zone(dev: Deployment) -> None:
    names = ModelNames("dev", MODEL)
    schedule = _client("scheduler").get_schedule(
        GroupName=names.schedule_group, Name=names.recurring_schedule
    )
    assert schedule["ScheduleExpression"] == "cron(0 6 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Paris"
    machine = dev.get("aws:sfn/stateMachine:StateMachine", f"{MODEL}-orchestration")
    assert schedule["Target"]["Arn"] == machine.arn
    assert schedule["Target"]["Input"] == events.scheduled_run_input()
    role = _client("iam").get_role(RoleName=names.scheduler_role)["Role"]
    assert schedule["Target"]["RoleArn"] == role["Arn"]


def test_event_rules_route_to_the_functions(dev: Deployment) -> None:
    names = ModelNames("dev", MODEL)
    bucket = dev.get("aws:s3/bucket:Bucket", "data").id
    routes = {
        names.training_events_rule: (
            events.training_state_change_pattern(names.run_resource_prefix),
            lambdas.ON_SAGEMAKER_EVENT,
        ),
        names.endpoint_events_rule: (
            events.endpoint_state_change_pattern(names.endpoint),
            lambdas.ON_SAGEMAKER_EVENT,
        ),
        names.upload_rule: (
            events.data_upload_pattern(bucket, names.data_prefix),
            lambdas.DEBOUNCE_UPLOAD,
        ),
    }
    for rule_name, (pattern, spec) in routes.items():
        rule = _client("events").describe_rule(Name=rule_name)
        assert json.loads(rule["EventPattern"]) == json.loads(pattern)
        function_arn = dev.get(
            "aws:lambda/function:Function", f"{MODEL}-{spec.key}".replace("_", "-")
        ).arn
        (target,) = _client("events").list_targets_by_rule(Rule=rule_name)["Targets"]
        assert target["Arn"] == function_arn
        policy = json.loads(_client("lambda").get_policy(FunctionName=function_arn)["Policy"])
        sources = [s["Condition"]["ArnLike"]["AWS:SourceArn"] for s in policy["Statement"]]
        assert rule["Arn"] in sources


def test_the_slack_token_is_in_the_secret(dev: Deployment) -> None:
    secret = dev.get("aws:secretsmanager/secret:Secret", "slack-token")
    value = _client("secretsmanager").get_secret_value(SecretId="retraining/dev/slack-token")
    assert (value["ARN"], value["SecretString"]) == (secret.arn, TOKEN)


def test_stack_outputs_point_at_real_resources(dev: Deployment) -> None:
    assert dev.outputs["region"] == dev.region == REGION
    model = dev.outputs["models"][MODEL]
    _client("s3").head_bucket(Bucket=model["bucket"])
    machine = _client("stepfunctions").describe_state_machine(
        stateMachineArn=model["stateMachineArn"]
    )
    assert machine["name"] == ModelNames("dev", MODEL).state_machine
    assert model["stateMachineConsoleUrl"].endswith(model["stateMachineArn"])
    assert set(model["functionArns"]) == {s.key for s in lambdas.ALL_FUNCTIONS}
    for arn in model["functionArns"].values():
        _client("lambda").get_function(FunctionName=arn)
    # The marker is the pipeline's own: absent until the first successful run.
    with pytest.raises(ClientError, match="ParameterNotFound"):
        _client("ssm").get_parameter(Name=model["markerParameter"])


def test_a_deployed_function_runs_with_its_code_handler_and_environment(dev: Deployment) -> None:
    function = dev.outputs["models"][MODEL]["functionArns"][lambdas.UPDATE_PARAMETERS.key]
    runtime = LambdaRuntime()
    runtime.install()
    try:
        response = _client("lambda").invoke(
            FunctionName=function,
            Payload=json.dumps(
                {
                    "newestDate": "2026-01-02",
                    "allowOlderWindow": False,
                    "execution": {"name": "t"},
                    "deployment": {"modelName": "m", "endpointName": "e"},
                }
            ),
        )
        result = json.loads(response["Payload"].read())
    finally:
        runtime.close()
    assert "FunctionError" not in response, result
    assert result == {"before": None, "after": "2026-01-02", "advanced": True}
    marker = _client("ssm").get_parameter(Name=ModelNames("dev", MODEL).marker_parameter)
    assert marker["Parameter"]["Value"] == "2026-01-02"


# --- other stacks in the same moto -------------------------------------------------------------
def test_prod_deploys_next_to_dev(dev: Deployment) -> None:
    prod = deploy_stack("prod")
    _read_back_everything(prod)
    assert prod.region == REGION
    machines = {m["name"] for m in _client("stepfunctions").list_state_machines()["stateMachines"]}
    assert {"retraining-dev-linear-learner", "retraining-prod-linear-learner"} <= machines
    # prod alarms on bad runs and traces; its functions run Active tracing. (Every stack has
    # its endpoint's rollback alarms too.)
    names = ModelNames("prod", MODEL)
    alarms = {a.id for a in prod.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert alarms == {names.failure_alarm, *names.rollback_alarms}
    machine = prod.get("aws:sfn/stateMachine:StateMachine", f"{MODEL}-orchestration")
    described = _client("stepfunctions").describe_state_machine(stateMachineArn=machine.arn)
    assert described["tracingConfiguration"] == {"enabled": True}
    assert described["loggingConfiguration"]["level"] == "ERROR"
    _client("s3").head_bucket(Bucket=dev.outputs["models"][MODEL]["bucket"])


def test_the_variant_uses_existing_bucket_and_secret(dev: Deployment) -> None:
    bucket = VARIANT_OVERRIDES["retraining:bucketName"]
    _client("s3").create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    variant = deploy_stack("dev", config_overrides=VARIANT_OVERRIDES)
    _read_back_everything(variant)
    types = {r.type for r in variant.resources}
    assert "aws:s3/bucket:Bucket" not in types
    assert "aws:secretsmanager/secret:Secret" not in types
    assert {
        "aws:sns/topicSubscription:TopicSubscription",
        "aws:cloudwatch/metricAlarm:MetricAlarm",
    } <= types
    assert set(variant.outputs["models"]) == {"demand", "churn"}
    # The existing bucket is left untouched, and its missing EventBridge setting reported.
    with pytest.raises(ClientError, match="NoSuchBucketPolicy"):
        _client("s3").get_bucket_policy(Bucket=bucket)
    assert any("does not send events to EventBridge" in w for w in variant.run.warnings)
    notify = _client("lambda").get_function_configuration(
        FunctionName=ModelNames("dev", "churn").function(lambdas.NOTIFY_SLACK.key)
    )
    assert (
        notify["Environment"]["Variables"][lambdas.SLACK_TOKEN_SECRET_ARN.name]
        == EXISTING_SECRET_ARN
    )
    assert notify["TracingConfig"] == {"Mode": "Active"}


# --- errors -----------------------------------------------------------------------------------
def test_a_missing_existing_bucket_is_named(cloud: None) -> None:
    overrides = {**VARIANT_OVERRIDES, "retraining:bucketName": "no-such-bucket-here"}
    with pytest.raises(DeployFailed, match="no-such-bucket-here"):
        deploy_stack("dev", config_overrides=overrides)


def test_config_errors_name_the_key(cloud: None) -> None:
    with pytest.raises(DeployFailed, match="retraining:trainingWindowDays"):
        deploy_stack("dev", config_overrides={"retraining:trainingWindowDays": "0"})


def test_a_region_aws_does_not_have_is_named(cloud: None) -> None:
    with pytest.raises(DeployFailed, match="xx-nowhere-9"):
        deploy_stack("dev", region="xx-nowhere-9")


def _run(program: Callable[[], None]) -> MotoMocks:
    mocks = MotoMocks(REGION)
    run_program("dev", mocks, program=program)
    return mocks


def _queue() -> None:
    # Any type the pipeline does not use (SQS: its module imports fast, unlike EC2's).
    aws.sqs.QueuePolicy("jobs", queue_url="https://sqs.eu-west-1.amazonaws.com/1/j", policy="{}")


def test_an_unknown_resource_type_is_named(cloud: None) -> None:
    with pytest.raises(ProgramFailed, match=r"aws:sqs/queuePolicy:QueuePolicy 'jobs'"):
        _run(_queue)


def test_an_input_that_would_be_dropped_is_named(cloud: None) -> None:
    def program() -> None:
        aws.s3.Bucket("logs", bucket="localcloud-deploy-acl-test", acl="log-delivery-write")

    with pytest.raises(ProgramFailed, match=r"aws:s3/bucket:Bucket 'logs'.*acl"):
        _run(program)


def test_not_emulated_types_are_reported_not_created(
    cloud: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(
        deploy.NOT_EMULATED, "aws:sqs/queuePolicy:QueuePolicy", "no queue policy in the pipeline"
    )
    mocks = MotoMocks(REGION)
    run = run_program("dev", mocks, program=_queue)
    assert [(s.type, s.name, s.reason) for s in mocks.skipped] == [
        ("aws:sqs/queuePolicy:QueuePolicy", "jobs", "no queue policy in the pipeline")
    ]
    assert mocks.created == []
    (policy,) = run.resources
    assert (policy.id, policy.state["policy"]) == ("jobs", "{}")


def test_mocks_refuse_to_run_outside_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(MockAWS, "_mocks_active", False)
    with pytest.raises(NotInMoto):
        MotoMocks(REGION)


# --- the program's AWS providers ----------------------------------------------------------------
def _tags_read_back(dev: Deployment) -> dict[str, dict[str, str]]:
    """The tags AWS holds for the bucket, a function and the state machine (moto's APIs)."""
    bucket = dev.of_type("aws:s3/bucket:Bucket")[0].id
    function = dev.get("aws:lambda/function:Function", f"{MODEL}-check-data").arn
    machine = dev.of_type("aws:sfn/stateMachine:StateMachine")[0].arn
    return {
        "bucket": {
            t["Key"]: t["Value"] for t in _client("s3").get_bucket_tagging(Bucket=bucket)["TagSet"]
        },
        "function": _client("lambda").list_tags(Resource=function)["Tags"],
        "state machine": {
            t["key"]: t["value"]
            for t in _client("stepfunctions").list_tags_for_resource(resourceArn=machine)["tags"]
        },
    }


def test_resources_carry_the_providers_default_tags(dev: Deployment) -> None:
    # No resource declares tags: they are the providers' default tags (Pulumi.dev.yaml's
    # retraining:tags and the project's), and the model's provider adds `model`.
    stack_tags = {
        "project": "retraining",
        "stack": "dev",
        "managed-by": "pulumi",
        "environment": "dev",
        "cost-center": "ml-platform",
    }
    assert _tags_read_back(dev) == {
        "bucket": stack_tags,
        "function": {**stack_tags, "model": MODEL},
        "state machine": {**stack_tags, "model": MODEL},
    }
    (machine,) = [r for r in dev.run.resources if r.type == "aws:sfn/stateMachine:StateMachine"]
    assert machine.state["tagsAll"] == {**stack_tags, "model": MODEL}


def test_a_deployment_to_an_account_not_allowed_is_refused(cloud: None) -> None:
    functions_before = _client("lambda").list_functions()["Functions"]
    overrides = {"aws:allowedAccountIds": '["111122223333"]'}
    with pytest.raises(DeployFailed, match=f"AWS account ID not allowed: {_account()}"):
        deploy_stack("dev", config_overrides=overrides, secret_overrides=SECRETS)
    assert _client("lambda").list_functions()["Functions"] == functions_before


def test_a_model_package_group_is_created_with_its_description_and_tags(cloud: None) -> None:
    token = "aws:sagemaker/modelPackageGroup:ModelPackageGroup"
    inputs = {
        "modelPackageGroupName": "localcloud-deploy-group",
        "modelPackageGroupDescription": "every trained model of demand",
        "tags": {"stack": "dev", "model": "demand"},
    }
    created = EMULATED[token].create(AwsApi(), ResourceRequest(token, "group", inputs, REGION))
    assert created.id == "localcloud-deploy-group"
    assert created.outputs["tagsAll"] == inputs["tags"]
    resource = DeployedResource(token, "group", created.id, created.arn)
    _model_package_group(resource, inputs)
    tags = _client("sagemaker").list_tags(ResourceArn=created.arn)["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == inputs["tags"]
    assert EMULATED[token].unsupported({**inputs, "modelPackageGroupPolicy": "{}"}) == [
        "modelPackageGroupPolicy"
    ]


def test_a_resource_without_the_programs_provider_is_refused(cloud: None) -> None:
    def program() -> None:
        aws.s3.Bucket("plain", bucket="localcloud-deploy-default-provider")

    with pytest.raises(ProgramFailed, match=r"'plain' does not use one of the program's explicit"):
        _run(program)
    with pytest.raises(ClientError):
        _client("s3").head_bucket(Bucket="localcloud-deploy-default-provider")


# --- provider functions ---------------------------------------------------------------------------
def _call(mocks: MotoMocks, token: str, **args: Any) -> dict[str, Any]:
    """A lookup through an explicit provider of the mocks' region, as the program makes it."""
    provider = pulumi.runtime.MockResourceArgs(
        "pulumi:providers:aws", "aws", {"region": mocks.region}, "", None, True
    )
    provider_id, _ = mocks.new_resource(provider)
    reference = f"urn:pulumi:dev::retraining::pulumi:providers:aws::aws::{provider_id}"
    result, failures = mocks.call(pulumi.runtime.MockCallArgs(token, args, reference))
    assert failures == []
    return result


@pytest.mark.parametrize(
    ("region", "registry"),
    [
        ("eu-west-1", "438346466558"),
        ("us-east-1", "382416733822"),
        ("eu-central-1", "664544806723"),
    ],
)
def test_linear_learner_comes_from_the_regions_registry(
    cloud: None, region: str, registry: str
) -> None:
    token = "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage"
    image = _call(MotoMocks(region), token, repositoryName="linear-learner", imageTag="1")
    assert image["registryId"] == registry
    assert image["registryPath"] == f"{registry}.dkr.ecr.{region}.amazonaws.com/linear-learner:1"


def test_the_dev_program_asked_for_the_real_linear_learner_image(dev: Deployment) -> None:
    (call,) = [c for c in dev.run.calls if c.token.endswith("getPrebuiltEcrImage")]
    assert call.result["registryPath"] == PREBUILT_LINEAR_LEARNER
    start = _client("lambda").get_function_configuration(
        FunctionName=ModelNames("dev", MODEL).function(lambdas.START_TRAINING_JOB.key)
    )
    assert start["Environment"]["Variables"][lambdas.TRAINING_IMAGE.name] == PREBUILT_LINEAR_LEARNER


def test_provider_functions_name_what_they_cannot_answer(cloud: None) -> None:
    mocks = MotoMocks(REGION)
    token = "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage"
    with pytest.raises(CallFailed, match="mars-west-1"):
        _call(MotoMocks("mars-west-1"), token, repositoryName="linear-learner")
    with pytest.raises(CallFailed, match="xgboost"):
        _call(mocks, token, repositoryName="xgboost")
    with pytest.raises(CallFailed, match="xx-nowhere-9"):
        _call(mocks, "aws:index/getRegion:getRegion", region="xx-nowhere-9")
    with pytest.raises(NotImplementedError, match="aws:ec2/getVpc:getVpc"):
        _call(mocks, "aws:ec2/getVpc:getVpc")


def test_caller_identity_and_bucket_notifications_come_from_moto(cloud: None) -> None:
    mocks = MotoMocks(REGION)
    identity = _call(mocks, "aws:index/getCallerIdentity:getCallerIdentity")
    assert identity["accountId"] == _client("sts").get_caller_identity()["Account"]
    assert _call(mocks, "aws:index/getRegion:getRegion")["region"] == REGION
    s3 = _client("s3")
    s3.create_bucket(Bucket="notified", CreateBucketConfiguration={"LocationConstraint": REGION})
    token = "aws:s3/getBucketNotification:getBucketNotification"
    assert _call(mocks, token, bucket="notified")["eventbridge"] is False
    s3.put_bucket_notification_configuration(
        Bucket="notified", NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    assert _call(mocks, token, bucket="notified")["eventbridge"] is True
    found = _call(mocks, "aws:s3/getBucket:getBucket", bucket="notified")
    assert (found["arn"], found["bucketRegion"]) == ("arn:aws:s3:::notified", REGION)
