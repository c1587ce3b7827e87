"""The pipeline's moving parts in the embedded AWS: Lambda layers, functions and permissions,
the Step Functions state machine, EventBridge Scheduler groups and schedules, EventBridge
rules and targets (see `localcloud.deploy.resources` for the framework)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from contract.kinds import LAMBDA_LOG_LEVELS
from localcloud.deploy.resources import (
    AwsApi,
    Created,
    ResourceRequest,
    UnsupportedInput,
    archive_bytes,
    emulates,
    tag_list,
    tagged,
)
from localcloud.internals.moto_private import lambda_backends

DEFAULT_EVENT_BUS = "default"


def _retry_policy(policy: Mapping[str, Any]) -> dict[str, int]:
    """Scheduler's and EventBridge's target retry policy (same shape in both APIs)."""
    return {
        "MaximumEventAgeInSeconds": int(policy["maximumEventAgeInSeconds"]),
        "MaximumRetryAttempts": int(policy["maximumRetryAttempts"]),
    }


def _known(what: str, given: Mapping[str, Any], known: set[str]) -> None:
    """Nested blocks get the same rule as inputs: nothing is dropped silently."""
    if unknown := sorted(set(given) - known):
        raise UnsupportedInput(f"{what}: {', '.join(unknown)} not emulated")


# --- Lambda -----------------------------------------------------------------------------------
@emulates(
    "aws:lambda/layerVersion:LayerVersion",
    "layerName code description compatibleRuntimes compatibleArchitectures licenseInfo"
    " sourceCodeHash skipDestroy region",
)
def _layer_version(api: AwsApi, r: ResourceRequest) -> Created:
    # sourceCodeHash only tells the provider when to publish a new version.
    layer = api.client("lambda", r.region).publish_layer_version(
        LayerName=r["layerName"],
        Content={"ZipFile": archive_bytes(r["code"], f"{r.type} {r.name}")},
        **r.params({"description": "Description", "licenseInfo": "LicenseInfo"}),
        **r.params(
            {
                "compatibleRuntimes": "CompatibleRuntimes",
                "compatibleArchitectures": "CompatibleArchitectures",
            },
            list,
        ),
    )
    outputs = {
        "arn": layer["LayerVersionArn"],
        "layerArn": layer["LayerArn"],
        "version": str(layer["Version"]),
        "createdDate": layer["CreatedDate"],
        "codeSha256": layer["Content"]["CodeSha256"],
        "sourceCodeSize": layer["Content"]["CodeSize"],
    }
    return Created(layer["LayerVersionArn"], outputs, layer["LayerVersionArn"])


_LOG_LEVELS = {"applicationLogLevel", "systemLogLevel"}


def _logging_config(r: ResourceRequest, function_name: str) -> dict[str, str]:
    """LoggingConfig as Lambda stores it, defaults filled in."""
    given = r.get("loggingConfig") or {}
    _known(f"{r.type} {r.name} loggingConfig", given, {"logFormat", "logGroup"} | _LOG_LEVELS)
    config = {
        "LogFormat": given.get("logFormat", "Text"),
        "LogGroup": given.get("logGroup", f"/aws/lambda/{function_name}"),
    }
    for key in _LOG_LEVELS & set(given):
        # moto gap: Lambda refuses log levels on plain-text logs; moto never sees them.
        if config["LogFormat"] != "JSON":
            raise UnsupportedInput(
                f"{r.type} {r.name}: loggingConfig.{key} needs logFormat JSON "
                "(Lambda answers InvalidParameterValueException)"
            )
        if str(given[key]).upper() not in LAMBDA_LOG_LEVELS:
            raise UnsupportedInput(
                f"{r.type} {r.name}: loggingConfig.{key} {given[key]!r} is not one of "
                f"{', '.join(LAMBDA_LOG_LEVELS)} (Lambda answers ValidationException)"
            )
        config[key[0].upper() + key[1:]] = given[key]
    return config


@emulates(
    "aws:lambda/function:Function",
    "name role runtime handler code codeSha256 sourceCodeHash description timeout memorySize"
    " publish layers environment architectures loggingConfig tracingConfig tags skipDestroy"
    " reservedConcurrentExecutions region",
)
def _function(api: AwsApi, r: ResourceRequest) -> Created:
    # codeSha256 / sourceCodeHash only tell the provider when to upload the code again.
    name = r.physical_name()
    environment = r.get("environment") or {}
    _known(f"{r.type} {r.name} environment", environment, {"variables"})
    logging = _logging_config(r, name)
    created = api.client("lambda", r.region).create_function(
        FunctionName=name,
        Role=r["role"],
        Code={"ZipFile": archive_bytes(r["code"], f"{r.type} {r.name}")},
        Publish=bool(r.get("publish", False)),
        LoggingConfig=logging,
        **r.params({"runtime": "Runtime", "handler": "Handler", "description": "Description"}),
        **r.params({"timeout": "Timeout", "memorySize": "MemorySize"}, int),
        **r.params({"layers": "Layers", "architectures": "Architectures"}, list),
        **r.params({"tracingConfig": "TracingConfig"}, lambda c: {"Mode": c["mode"]}),
        **(
            {"Environment": {"Variables": {k: str(v) for k, v in variables.items()}}}
            if (variables := environment.get("variables")) is not None
            else {}
        ),
        **({"Tags": r.tags()} if r.tags() else {}),
    )
    if (reserved := r.get("reservedConcurrentExecutions")) is not None and int(reserved) >= 0:
        api.client("lambda", r.region).put_function_concurrency(
            FunctionName=name, ReservedConcurrentExecutions=int(reserved)
        )
    # moto gap: CreateFunction drops LoggingConfig. Keep it on moto's function, and send the
    # function's output (what localcloud.awslambda.runtime writes) to the configured log group.
    function = lambda_backends[api.account][r.region].get_function(name)
    setattr(function, "logging_config", logging)
    function.logs_group_name = logging["LogGroup"]
    arn, version = created["FunctionArn"], created["Version"]
    invoke = f"arn:{api.partition(r.region)}:apigateway:{r.region}:lambda:path/2015-03-31/functions"
    outputs = {
        "name": name,
        "arn": arn,
        "invokeArn": f"{invoke}/{arn}/invocations",
        "qualifiedArn": f"{arn}:{version}",
        "qualifiedInvokeArn": f"{invoke}/{arn}:{version}/invocations",
        "version": version,
        "lastModified": created["LastModified"],
        "codeSha256": created["CodeSha256"],
        "sourceCodeSize": created["CodeSize"],
        "loggingConfig": {k[0].lower() + k[1:]: v for k, v in logging.items()},
    }
    return Created(name, tagged(r, outputs), arn)


@emulates(
    "aws:lambda/permission:Permission",
    "function action principal sourceArn sourceAccount statementId statementIdPrefix qualifier"
    " region",
)
def _permission(api: AwsApi, r: ResourceRequest) -> Created:
    explicit = "statementId" in r or "statementIdPrefix" in r
    # Without one, a statement id unique per function: logical names are unique per type.
    statement = r.physical_name("statementId", "statementIdPrefix") if explicit else r.name
    api.client("lambda", r.region).add_permission(
        FunctionName=r["function"],
        StatementId=statement,
        Action=r["action"],
        Principal=r["principal"],
        **r.params(
            {"sourceArn": "SourceArn", "sourceAccount": "SourceAccount", "qualifier": "Qualifier"}
        ),
    )
    return Created(statement, {"statementId": statement})


@emulates(
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig",
    "functionName qualifier maximumRetryAttempts maximumEventAgeInSeconds destinationConfig region",
)
def _event_invoke_config(api: AwsApi, r: ResourceRequest) -> Created:
    destinations: dict[str, Any] = {}
    given = r.get("destinationConfig") or {}
    _known(f"{r.type} {r.name} destinationConfig", given, {"onFailure", "onSuccess"})
    for key, api_key in (("onFailure", "OnFailure"), ("onSuccess", "OnSuccess")):
        if key in given:
            _known(f"{r.type} {r.name} destinationConfig.{key}", given[key], {"destination"})
            destinations[api_key] = {"Destination": given[key]["destination"]}
    api.client("lambda", r.region).put_function_event_invoke_config(
        FunctionName=r["functionName"],
        **r.params({"qualifier": "Qualifier"}),
        **r.params(
            {
                "maximumRetryAttempts": "MaximumRetryAttempts",
                "maximumEventAgeInSeconds": "MaximumEventAgeInSeconds",
            },
            int,
        ),
        **({"DestinationConfig": destinations} if destinations else {}),
    )
    qualifier = r.get("qualifier")
    return Created(r["functionName"] + (f":{qualifier}" if qualifier else ""), {})


# --- SQS ----------------------------------------------------------------------------------------
_QUEUE_ATTRIBUTES = {
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "kmsMasterKeyId": "KmsMasterKeyId",
}


@emulates("aws:sqs/queue:Queue", f"name namePrefix tags region {' '.join(_QUEUE_ATTRIBUTES)}")
def _queue(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    attributes = r.params(
        _QUEUE_ATTRIBUTES,
        lambda v: (
            str(v).lower()
            if isinstance(v, bool)
            else str(int(v))
            if isinstance(v, float)
            else str(v)
        ),
    )
    sqs = api.client("sqs", r.region)
    url = sqs.create_queue(
        QueueName=name,
        **({"Attributes": attributes} if attributes else {}),
        **({"tags": r.tags()} if r.tags() else {}),
    )["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    return Created(url, tagged(r, {"name": name, "arn": arn, "url": url}), arn)


# --- Step Functions -----------------------------------------------------------------------------
def _sfn_logging(r: ResourceRequest) -> dict[str, Any]:
    """The provider's single `logDestination` is the API's list of destinations."""
    given = r["loggingConfiguration"]
    _known(
        f"{r.type} {r.name} loggingConfiguration",
        given,
        {"level", "includeExecutionData", "logDestination"},
    )
    config: dict[str, Any] = {
        "level": given.get("level", "OFF"),
        "includeExecutionData": bool(given.get("includeExecutionData", False)),
    }
    if given.get("logDestination"):
        destination = {"cloudWatchLogsLogGroup": {"logGroupArn": given["logDestination"]}}
        config["destinations"] = [destination]
    return config


@emulates(
    "aws:sfn/stateMachine:StateMachine",
    "name namePrefix definition roleArn type loggingConfiguration tracingConfiguration publish"
    " tags region",
)
def _state_machine(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    sfn = api.client("stepfunctions", r.region)
    created = sfn.create_state_machine(
        name=name,
        definition=r["definition"],
        roleArn=r["roleArn"],
        type=r.get("type", "STANDARD"),
        **r.params({"publish": "publish"}, bool),
        **({"loggingConfiguration": _sfn_logging(r)} if "loggingConfiguration" in r else {}),
        **r.params(
            {"tracingConfiguration": "tracingConfiguration"},
            lambda c: {"enabled": bool(c.get("enabled", False))},
        ),
        **({"tags": tag_list(r.tags(), "key", "value")} if r.tags() else {}),
    )
    arn = created["stateMachineArn"]
    described = sfn.describe_state_machine(stateMachineArn=arn)
    outputs = {
        "name": name,
        "arn": arn,
        "status": described.get("status", "ACTIVE"),
        "creationDate": described["creationDate"].isoformat(),
        "revisionId": described.get("revisionId", ""),
        "stateMachineVersionArn": created.get("stateMachineVersionArn", ""),
        "description": described.get("description", ""),
    }
    return Created(arn, tagged(r, outputs), arn)


# --- EventBridge Scheduler ------------------------------------------------------------------------
@emulates("aws:scheduler/scheduleGroup:ScheduleGroup", "name namePrefix tags region")
def _schedule_group(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    scheduler = api.client("scheduler", r.region)
    arn = scheduler.create_schedule_group(
        Name=name, **({"Tags": tag_list(r.tags())} if r.tags() else {})
    )["ScheduleGroupArn"]
    group = scheduler.get_schedule_group(Name=name)
    outputs = {
        "name": name,
        "arn": arn,
        "state": group["State"],
        "creationDate": group["CreationDate"].isoformat(),
        "lastModificationDate": group["LastModificationDate"].isoformat(),
    }
    return Created(name, tagged(r, outputs), arn)


def _schedule_target(r: ResourceRequest) -> dict[str, Any]:
    given = r["target"]
    known = {"arn", "roleArn", "input", "retryPolicy", "deadLetterConfig"}
    _known(f"{r.type} {r.name} target", given, known)
    target: dict[str, Any] = {"Arn": given["arn"], "RoleArn": given["roleArn"]}
    if "input" in given:
        target["Input"] = given["input"]
    if "retryPolicy" in given:
        target["RetryPolicy"] = _retry_policy(given["retryPolicy"])
    if "deadLetterConfig" in given:
        target["DeadLetterConfig"] = {"Arn": given["deadLetterConfig"]["arn"]}
    return target


@emulates(
    "aws:scheduler/schedule:Schedule",
    "name namePrefix groupName description scheduleExpression scheduleExpressionTimezone state"
    " flexibleTimeWindow target startDate endDate kmsKeyArn actionAfterCompletion region",
)
def _schedule(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    group = r.get("groupName", "default")
    window = r["flexibleTimeWindow"]
    flexible = {"Mode": window["mode"]}
    if "maximumWindowInMinutes" in window:
        flexible["MaximumWindowInMinutes"] = int(window["maximumWindowInMinutes"])
    arn = api.client("scheduler", r.region).create_schedule(
        Name=name,
        GroupName=group,
        ScheduleExpression=r["scheduleExpression"],
        FlexibleTimeWindow=flexible,
        Target=_schedule_target(r),
        **r.params(
            {
                "description": "Description",
                "scheduleExpressionTimezone": "ScheduleExpressionTimezone",
                "state": "State",
                "kmsKeyArn": "KmsKeyArn",
                "actionAfterCompletion": "ActionAfterCompletion",
                "startDate": "StartDate",
                "endDate": "EndDate",
            }
        ),
    )["ScheduleArn"]
    return Created(f"{group}/{name}", {"name": name, "groupName": group, "arn": arn}, arn)


# --- EventBridge rules ----------------------------------------------------------------------------
@emulates(
    "aws:cloudwatch/eventRule:EventRule",
    "name namePrefix description eventPattern scheduleExpression state isEnabled roleArn"
    " eventBusName forceDestroy tags region",
)
def _event_rule(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    bus = r.get("eventBusName", DEFAULT_EVENT_BUS)
    state = r.get("state") or ("ENABLED" if r.get("isEnabled", True) else "DISABLED")
    arn = api.client("events", r.region).put_rule(
        Name=name,
        State=state,
        EventBusName=bus,
        **r.params(
            {
                "description": "Description",
                "eventPattern": "EventPattern",
                "scheduleExpression": "ScheduleExpression",
                "roleArn": "RoleArn",
            }
        ),
        **({"Tags": tag_list(r.tags())} if r.tags() else {}),
    )["RuleArn"]
    physical_id = name if bus == DEFAULT_EVENT_BUS else f"{bus}/{name}"
    return Created(physical_id, tagged(r, {"name": name, "arn": arn}), arn)


@emulates(
    "aws:cloudwatch/eventTarget:EventTarget",
    "rule targetId arn input inputPath roleArn eventBusName retryPolicy deadLetterConfig"
    " inputTransformer forceDestroy region",
)
def _event_target(api: AwsApi, r: ResourceRequest) -> Created:
    target_id = r.physical_name("targetId")
    bus = r.get("eventBusName", DEFAULT_EVENT_BUS)
    target: dict[str, Any] = {"Id": target_id, "Arn": r["arn"]}
    target |= r.params({"input": "Input", "inputPath": "InputPath", "roleArn": "RoleArn"})
    target |= r.params({"retryPolicy": "RetryPolicy"}, _retry_policy)
    target |= r.params({"deadLetterConfig": "DeadLetterConfig"}, lambda c: {"Arn": c["arn"]})
    if "inputTransformer" in r:
        transformer = r["inputTransformer"]
        target["InputTransformer"] = {
            "InputPathsMap": dict(transformer.get("inputPaths") or {}),
            "InputTemplate": transformer["inputTemplate"],
        }
    result = api.client("events", r.region).put_targets(
        Rule=r["rule"], EventBusName=bus, Targets=[target]
    )
    if result["FailedEntryCount"]:
        raise RuntimeError(f"PutTargets failed: {result['FailedEntries']}")
    # The provider's id: "<rule>-<target id>", the bus first when not the default one.
    parts = [r["rule"], target_id] if bus == DEFAULT_EVENT_BUS else [bus, r["rule"], target_id]
    return Created("-".join(parts), {"targetId": target_id})
