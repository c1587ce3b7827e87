"""DeployModel: put this run's model on the endpoint, with zero downtime.

Event: `{package: $.status.package, data: $.data, execution: {name}, polling}`
(`data.runDate` names the run's resources). Result (`$.status`, stage `deployment`):
`{stage, status: "Creating"|"Updating", name, endpointName, modelName, endpointConfigName,
previousEndpointConfigName, modelPackageArn, modelPackageVersion, rollback, serving: false,
poll: {count: 0, timeoutSeconds}, message, consoleUrl, cleanup, updateStrategy,
rollbackAlarms}`.

0. The package is described again (functions.model_registry): unless the registry says
   Approved now, ModelNotApprovedError before any change. Its `newestDate` metadata is what
   the EndpointConfig's tag says it covers.
1. The Model is created FROM THE PACKAGE (`PrimaryContainer.ModelPackageName`), and it and
   the EndpointConfig are named `naming.run_resource_name` (the run suffix shared with
   the training job); one ProductionVariant `AllTraffic`. Existing ones with our name are
   this run's own (a retry): kept as they are. The EndpointConfig is tagged with the run
   (`run`) and the newest day it trained on (`newestDate`): once it serves, the next run's
   CheckData reads them to catch the marker up if this run could not advance it
   (`functions.serving_endpoint`).
2. The endpoint (ENDPOINT_NAME): absent -> CreateEndpoint; InService on another config ->
   UpdateEndpoint (SageMaker shifts traffic to new instances, then retires the old ones).
   With UPDATE_STRATEGY canary or linear the update carries a DeploymentConfig
   (`deployment_config`: the traffic shifting, and the stack's rollback alarms that roll
   it back), and the first safety poll waits the whole rollout; CreateEndpoint never does
   (there is no old fleet to shift from).
   Idempotent on retry: if the endpoint already serves our config, or an update to our
   config is in progress (DescribeEndpoint's PendingDeploymentSummary), nothing is called
   again and the endpoint is reported as it is.
   Any other state (busy with someone else's config, Failed, OutOfService,
   UpdateRollbackFailed, ...) refuses the update: EndpointNotUpdatableError says why.
3. Cleanup: Models and EndpointConfigs of this stack's model (`<stack>--<model>--<run
   suffix>`, never another stack's nor model `<model>-b`'s) from *older* runs are
   deleted beyond the KEEP_PREVIOUS_VERSIONS newest, never the one in service, the one
   being deployed, nor the previous one (the rollback target). A cleanup failure is
   logged, never raised: it must not fail a deployment.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from contract import registry, rollout
from contract.document import (
    PACKAGE_APPROVAL_STATUS,
    PACKAGE_ARN,
    PACKAGE_NEWEST_DATE,
    PACKAGE_ROLLBACK,
    PACKAGE_VERSION,
    STATUS_POLL,
    STATUS_ROLLBACK_ALARMS,
    STATUS_SERVING,
    STATUS_STAGE,
    STATUS_STATUS,
    STATUS_UPDATE_STRATEGY,
)
from contract.errors import EndpointNotUpdatableError, ModelNotApprovedError
from contract.lambdas import DEPLOY_MODEL, DeployModelSettings
from contract.names import VARIANT_NAME, rollback_alarm_names
from contract.status import ENDPOINT_SUCCEEDED, ENDPOINT_WAITING, STAGE_DEPLOYMENT
from functions import clients
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.model_registry import describe_package, package_label, package_summary
from functions.naming import (
    Run,
    is_run_resource_of,
    run_resource_prefix,
    sagemaker_console_url,
)
from functions.payload import field, parse_date
from functions.polling import Polling
from functions.sagemaker_status import deployment_fields
from functions.serving_endpoint import newest_date_tags

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.type_defs import ProductionVariantTypeDef

ALL_AT_ONCE = rollout.STRATEGY_ALL_AT_ONCE
# An endpoint takes a new config only when it is serving and not already changing.
UPDATABLE = ENDPOINT_SUCCEEDED


def _code(error: ClientError) -> str:
    return error.response.get("Error", {}).get("Code", "")


def _not_found(error: ClientError) -> bool:
    # SageMaker's Describe* calls answer a missing resource with a ValidationException
    # "Could not find ..." (moto says the same).
    return _code(error) == "ValidationException" and "could not find" in str(error).lower()


def _already_exists(error: ClientError) -> bool:
    # "Cannot create already existing model / endpoint configuration ..."
    return (
        _code(error) in ("ValidationException", "ResourceInUse")
        and "already exist" in str(error).lower()
    )


def _create_unless_exists(describe: Callable[[], object], create: Callable[[], object]) -> bool:
    """Runs `create` unless `describe` finds the resource; True when created now.

    A resource with this run's name is the run's own (a retry): it is kept as it is, also
    when a concurrent retry created it between the two calls.
    """
    try:
        describe()
        return False
    except ClientError as error:
        if not _not_found(error):
            raise
    try:
        create()
    except ClientError as error:
        if not _already_exists(error):
            raise
        return False
    return True


def ensure_model(
    sagemaker: SageMakerClient,
    settings: DeployModelSettings,
    name: str,
    package_arn: str,
    run: Run,
) -> bool:
    """Creates the run's Model from the registry's package unless it exists; True when
    created now. The package names the image and the artefact, so endpoint -> config ->
    Model -> package -> training job is a chain the AWS APIs follow."""
    return _create_unless_exists(
        lambda: sagemaker.describe_model(ModelName=name),
        lambda: sagemaker.create_model(
            ModelName=name,
            PrimaryContainer={"ModelPackageName": package_arn},
            ExecutionRoleArn=settings.role_arn,
            Tags=run.tags(settings),
        ),
    )


def ensure_endpoint_config(
    sagemaker: SageMakerClient,
    settings: DeployModelSettings,
    name: str,
    run: Run,
    newest_date: date,
) -> bool:
    """Creates the run's EndpointConfig (one variant: the run's Model) unless it exists,
    tagged with the newest day it covers (tagging on create needs sagemaker:AddTags)."""
    variant: ProductionVariantTypeDef = {
        "VariantName": VARIANT_NAME,
        "ModelName": name,
        "InstanceType": settings.instance_type,  # type: ignore[typeddict-item]
        "InitialInstanceCount": settings.instance_count,
        "InitialVariantWeight": 1.0,
    }
    return _create_unless_exists(
        lambda: sagemaker.describe_endpoint_config(EndpointConfigName=name),
        lambda: sagemaker.create_endpoint_config(
            EndpointConfigName=name,
            ProductionVariants=[variant],
            Tags=run.tags(settings) + newest_date_tags(newest_date),
        ),
    )


def describe_endpoint(sagemaker: SageMakerClient, name: str) -> dict[str, Any] | None:
    try:
        return dict(sagemaker.describe_endpoint(EndpointName=name))
    except ClientError as error:
        if _not_found(error):
            return None
        raise


def deploy_model(
    *,
    settings: DeployModelSettings,
    sagemaker: SageMakerClient,
    package: dict[str, Any],
    run: Run,
    polling: Polling,
    log: StructuredLogger,
) -> dict[str, Any]:
    # Before any change: only what the registry approved (now, not when the run began) serves.
    package = approved_package(sagemaker, package)
    newest_date = parse_date(
        package[PACKAGE_NEWEST_DATE],
        f"model package {package[PACKAGE_ARN]} metadata {PACKAGE_NEWEST_DATE}",
        ModelNotApprovedError,
    )
    endpoint_name = settings.endpoint_name
    # The Model and the EndpointConfig share the run's name (the training job's, too).
    name = run.resource_name(settings)
    ensure_model(sagemaker, settings, name, package[PACKAGE_ARN], run)
    ensure_endpoint_config(sagemaker, settings, name, run, newest_date)

    endpoint = describe_endpoint(sagemaker, endpoint_name) or {}
    current = endpoint.get("EndpointConfigName")
    pending = endpoint.get("PendingDeploymentSummary", {}).get("EndpointConfigName")
    previous = current if current != name else None
    serving = False
    # The first deployment creates the endpoint all at once: there is no old fleet to shift
    # from nor to roll back to. Only an update is guarded.
    guarded = bool(endpoint) and rollout.is_guarded(settings.update_strategy)
    if not endpoint:
        sagemaker.create_endpoint(
            EndpointName=endpoint_name,
            EndpointConfigName=name,
            Tags=run.tags(settings),
        )
        status, message = "Creating", f"Creating endpoint {endpoint_name} with {name}"
        log.info("endpoint creation started", endpointName=endpoint_name, endpointConfigName=name)
    elif name in (current, pending):
        fields = deployment_fields(sagemaker, endpoint_name, name)
        status, message, serving = fields["status"], fields["message"], fields["serving"]
        log.info("endpoint already on (or moving to) this run's config", status=status)
    elif endpoint["EndpointStatus"] in UPDATABLE:
        _update(sagemaker, endpoint_name, name, current, deployment_config(settings))
        status = "Updating"
        message = f"Updating endpoint {endpoint_name} from {current} to {name}" + (
            f" ({settings.update_strategy}, rolled back by its alarms)" if guarded else ""
        )
        log.info(
            "endpoint update started",
            endpointName=endpoint_name,
            previousEndpointConfigName=current,
            endpointConfigName=name,
            updateStrategy=settings.update_strategy if guarded else ALL_AT_ONCE,
        )
    else:
        raise EndpointNotUpdatableError(_refusal(endpoint_name, endpoint, name, pending))

    protected = {n for n in (name, current, pending) if n}
    cleanup = clean_up_old_versions(sagemaker, settings, name, protected, log)
    return {
        STATUS_STAGE: STAGE_DEPLOYMENT,
        STATUS_STATUS: status,
        "name": endpoint_name,
        "endpointName": endpoint_name,
        "modelName": name,
        "endpointConfigName": name,
        "previousEndpointConfigName": previous,
        "modelPackageArn": package[PACKAGE_ARN],
        "modelPackageVersion": package[PACKAGE_VERSION],
        PACKAGE_ROLLBACK: bool(package.get(PACKAGE_ROLLBACK)),
        STATUS_SERVING: serving,
        # A guarded rollout's waits happen within its MaximumExecutionTimeout: the first
        # safety poll waits that long (the endpoint's event ends the wait when it settles).
        STATUS_POLL: polling.first(settings.rollout_timeout_seconds if guarded else 0),
        STATUS_UPDATE_STRATEGY: settings.update_strategy if guarded else ALL_AT_ONCE,
        STATUS_ROLLBACK_ALARMS: list(rollback_alarms(settings)) if guarded else [],
        "message": message,
        "consoleUrl": sagemaker_console_url(sagemaker.meta.region_name, "endpoints", endpoint_name),
        "cleanup": cleanup,
    }


def approved_package(sagemaker: SageMakerClient, package: dict[str, Any]) -> dict[str, Any]:
    """The event's package as the registry has it now; ModelNotApprovedError unless Approved
    (a person may have rejected it since, or a rollback named one that is not approved)."""
    arn = field(package, PACKAGE_ARN, str)
    try:
        described = describe_package(sagemaker, arn)
    except ClientError as error:
        if _code(error) != "ValidationException":
            raise
        raise ModelNotApprovedError(
            f"model package {arn} cannot be deployed: the registry does not know it ({error})"
        ) from error
    fresh = {**package_summary(described), PACKAGE_ROLLBACK: bool(package.get(PACKAGE_ROLLBACK))}
    if fresh[PACKAGE_APPROVAL_STATUS] != registry.APPROVED:
        raise ModelNotApprovedError(
            f"model package {package_label(fresh)} is {fresh[PACKAGE_APPROVAL_STATUS]}, not "
            f"{registry.APPROVED}: nothing was deployed, the endpoint is unchanged. Approve it "
            f"(aws sagemaker update-model-package --model-package-arn {arn} "
            f'--model-approval-status {registry.APPROVED} --approval-description "...") and '
            "run again"
        )
    return fresh


def rollback_alarms(settings: DeployModelSettings) -> tuple[str, ...]:
    """The stack's alarms on this endpoint that roll a guarded update back (infra made them)."""
    return rollback_alarm_names(settings.stack_name, settings.model_name)


def deployment_config(settings: DeployModelSettings) -> dict[str, Any] | None:
    """UpdateEndpoint's DeploymentConfig for a canary or linear rollout; None for allAtOnce
    (SageMaker's default update, unchanged)."""
    strategy = settings.update_strategy
    if not rollout.is_guarded(strategy):
        return None
    routing: dict[str, Any] = {
        "Type": rollout.TRAFFIC_ROUTING_TYPE[strategy],
        "WaitIntervalInSeconds": settings.traffic_wait_seconds,
    }
    if strategy == rollout.STRATEGY_CANARY:
        routing["CanarySize"] = {
            "Type": rollout.CAPACITY_PERCENT,
            "Value": settings.canary_size_percent,
        }
    else:
        routing["LinearStepSize"] = {
            "Type": rollout.CAPACITY_PERCENT,
            "Value": settings.linear_step_percent,
        }
    return {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": routing,
            "TerminationWaitInSeconds": settings.termination_wait_seconds,
            "MaximumExecutionTimeoutInSeconds": settings.rollout_timeout_seconds,
        },
        "AutoRollbackConfiguration": {
            "Alarms": [{"AlarmName": name} for name in rollback_alarms(settings)]
        },
    }


def _update(
    sagemaker: SageMakerClient,
    endpoint_name: str,
    config: str,
    current: str | None,
    deployment: dict[str, Any] | None,
) -> None:
    try:
        if deployment is None:
            sagemaker.update_endpoint(EndpointName=endpoint_name, EndpointConfigName=config)
        else:
            sagemaker.update_endpoint(
                EndpointName=endpoint_name,
                EndpointConfigName=config,
                DeploymentConfig=deployment,  # type: ignore[arg-type]
            )
    except ClientError as error:
        if _code(error) == "ValidationException":
            # e.g. "Cannot update in-progress endpoint": someone started an update between
            # our DescribeEndpoint and this call.
            raise EndpointNotUpdatableError(
                f"Endpoint {endpoint_name} refused the update from {current} to {config}: "
                f"{error.response.get('Error', {}).get('Message', error)}"
            ) from error
        raise


def _refusal(endpoint_name: str, endpoint: dict[str, Any], ours: str, pending: str | None) -> str:
    status = endpoint["EndpointStatus"]
    current = endpoint.get("EndpointConfigName")
    reason = f" ({endpoint['FailureReason']})" if endpoint.get("FailureReason") else ""
    if status in ENDPOINT_WAITING:
        busy_with = pending or current
        return (
            f"Endpoint {endpoint_name} is {status} with {busy_with}, not this run's {ours}: "
            f"another deployment or maintenance is in progress; run again when it is InService"
        )
    return (
        f"Endpoint {endpoint_name} is {status}{reason} and cannot be updated to {ours}; "
        f"it needs a human (repair or delete it; the next run then recreates it)"
    )


def clean_up_old_versions(
    sagemaker: SageMakerClient,
    settings: DeployModelSettings,
    ours: str,
    protected: set[str],
    log: StructuredLogger,
) -> dict[str, list[str]]:
    """Deletes this model's Models/EndpointConfigs of older runs beyond the newest K."""
    deleted: dict[str, list[str]] = {"endpointConfigs": [], "models": []}
    try:
        configs = _listed(
            sagemaker, "list_endpoint_configs", "EndpointConfigs", "EndpointConfigName", settings
        )
        models = _listed(sagemaker, "list_models", "Models", "ModelName", settings)
        for kind, listed, delete in (
            (
                "endpointConfigs",
                configs,
                lambda n: sagemaker.delete_endpoint_config(EndpointConfigName=n),
            ),
            ("models", models, lambda n: sagemaker.delete_model(ModelName=n)),
        ):
            ours_created = listed.get(ours)
            older = sorted(
                (
                    (created, name)
                    for name, created in listed.items()
                    if name not in protected and ours_created is not None and created < ours_created
                ),
                reverse=True,
            )
            # The newest older version is the rollback target even when the endpoint no
            # longer says so (a retry after the update completed): always kept.
            keep = max(settings.keep_previous_versions, 1)
            for _, name in older[keep:]:
                try:
                    delete(name)
                    deleted[kind].append(name)
                except ClientError as error:
                    log.warning("cleanup: delete failed", kind=kind, name=name, error=str(error))
    except ClientError as error:
        log.warning("cleanup skipped: listing failed", error=str(error))
    if deleted["endpointConfigs"] or deleted["models"]:
        log.info("cleanup: older versions deleted", **deleted)
    return deleted


def _listed(
    sagemaker: SageMakerClient,
    operation: str,
    items_key: str,
    name_key: str,
    settings: DeployModelSettings,
) -> dict[str, datetime]:
    paginator = sagemaker.get_paginator(operation)  # type: ignore[call-overload]
    found: dict[str, datetime] = {}
    for page in paginator.paginate(NameContains=run_resource_prefix(settings)):
        for item in page.get(items_key, []):
            if is_run_resource_of(settings, item[name_key]):
                found[item[name_key]] = item["CreationTime"]
    return found


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(DEPLOY_MODEL)
SAGEMAKER = clients.sagemaker()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return deploy_model(
        settings=SETTINGS,
        sagemaker=SAGEMAKER,
        package=field(event, "package", dict),
        run=Run.from_event(event),
        polling=Polling.from_event(event),
        log=LOG,
    )
