"""The model's endpoint, as CheckData finds it before a run decides anything.

One DescribeEndpoint (the stack-scoped `<stack>--<model>`, ENDPOINT_NAME) answers two questions.

Can it take a new model?
    Absent: the run's DeployModel creates it. InService: yes. Busy deploying a config of this
    model (Creating / Updating / RollingBack towards `<stack>--<model>--<run suffix>`): a run of
    this pipeline is deploying and holds the run lock, which decides as usual (this run stands
    aside). Any other state (Failed, UpdateRollbackFailed, OutOfService, Deleting,
    SystemUpdating, or busy with a config no run of this model made) would let the run train
    for nothing, billed, and fail at DeployModel: EndpointNotReadyError instead, before the run
    lock is taken or anything is written, with the status, SageMaker's FailureReason and the
    remedy. `force` does not bypass it.

Does the marker cover what it serves?
    DeployModel tags each EndpointConfig with the run that made it (`run`) and the newest day
    it trained on (`newestDate`). When the serving config says it covers a later day than the
    marker, that run's marker write failed for good after its model went into service
    (MarkerNotAdvanced): CheckData completes it with UpdateParameters' own steps
    (`functions.serving_record`: that run's fingerprints promoted, the marker advanced, never
    backwards) and then decides as usual, so the same data is not trained twice. A config
    without the tags (deployed before they existed, or by hand) is trusted as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Final

from botocore.exceptions import BotoCoreError, ClientError

from contract.document import DATA_MARKER_REPAIRED
from contract.errors import EndpointNotReadyError, MarkerWriteError
from contract.lambdas import CheckDataSettings
from contract.status import ENDPOINT_SUCCEEDED
from functions.logs import StructuredLogger
from functions.naming import RUN_TAG, is_run_resource_of
from functions.serving_record import advance_marker, promote_fingerprints

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.type_defs import TagTypeDef
    from mypy_boto3_ssm import SSMClient

# The EndpointConfig tag holding the newest day its model trained on (DeployModel writes it).
NEWEST_DATE_TAG: Final = "newestDate"
# Statuses in which a run of this model may be deploying its own config: the run lock decides.
DEPLOYING: Final = ("Creating", "Updating", "RollingBack")
# Statuses an operator must repair (update the endpoint to a known config, or delete it).
BROKEN: Final = ("Failed", "UpdateRollbackFailed", "OutOfService")


@dataclass(frozen=True)
class Serving:
    """The endpoint's serving config, and what its tags say it trained on."""

    endpoint_name: str
    config_name: str
    # None: the endpoint is busy deploying a config of this model (nothing to compare yet),
    # or the config has no (valid) tags.
    execution_name: str | None
    newest_date: date | None


@dataclass(frozen=True)
class CatchUp:
    """The marker CheckData decides with, and what `$.data` says about a repair."""

    marker: date | None
    data: dict[str, Any]


def newest_date_tags(newest_date: date) -> list[TagTypeDef]:
    """What DeployModel adds to the run's tags (`run` is one) on the EndpointConfig it makes."""
    return [{"Key": NEWEST_DATE_TAG, "Value": newest_date.isoformat()}]


def ready_and_caught_up(
    *,
    settings: CheckDataSettings,
    sagemaker: SageMakerClient,
    s3: S3Client,
    ssm: SSMClient,
    marker: date | None,
    log: StructuredLogger,
) -> CatchUp:
    """EndpointNotReadyError unless the endpoint can take a new model; then the marker,
    advanced first when the serving model covers a later day (see the module docstring)."""
    serving = serving_model(sagemaker, settings, log)
    if serving is None or serving.newest_date is None or serving.execution_name is None:
        return CatchUp(marker, {})
    if marker is not None and serving.newest_date <= marker:
        return CatchUp(marker, {})
    return _catch_up(
        settings=settings,
        s3=s3,
        ssm=ssm,
        marker=marker,
        serving=serving,
        run=serving.execution_name,
        newest=serving.newest_date,
        log=log,
    )


def serving_model(
    sagemaker: SageMakerClient, settings: CheckDataSettings, log: StructuredLogger
) -> Serving | None:
    """The InService endpoint's config and tags; None when there is no endpoint yet."""
    name = settings.endpoint_name
    try:
        endpoint: dict[str, Any] = dict(sagemaker.describe_endpoint(EndpointName=name))
    except ClientError as error:
        if _not_found(error):
            log.info("no endpoint yet: this run's deployment creates it", endpointName=name)
            return None
        raise
    status = str(endpoint.get("EndpointStatus"))
    current = str(endpoint.get("EndpointConfigName", ""))
    if status in ENDPOINT_SUCCEEDED:
        execution, newest = _config_tags(sagemaker, endpoint, log)
        return Serving(name, current, execution, newest)
    target = endpoint.get("PendingDeploymentSummary", {}).get("EndpointConfigName") or current
    if status in DEPLOYING and is_run_resource_of(settings, target):
        log.info(
            "endpoint busy deploying a config of this model: the run lock decides",
            endpointName=name,
            status=status,
            endpointConfigName=target,
        )
        return Serving(name, current, None, None)
    raise EndpointNotReadyError(not_ready_message(name, endpoint, target))


def not_ready_message(name: str, endpoint: dict[str, Any], target: str) -> str:
    """Which endpoint, its status and SageMaker's reason, and what the operator does."""
    status = endpoint.get("EndpointStatus")
    current = endpoint.get("EndpointConfigName")
    reason = endpoint.get("FailureReason")
    because = f" (FailureReason: {reason})" if reason else ""
    stopped = (
        "so this run stopped before training: nothing was trained, written or deployed, the "
        "marker is untouched and the data waits for the next run"
    )
    if status in BROKEN:
        remedy = (
            "Repair it by redeploying a known config, e.g. aws sagemaker update-endpoint "
            f"--endpoint-name {name} --endpoint-config-name {current}, or delete it (aws "
            f"sagemaker delete-endpoint --endpoint-name {name}; the next run creates it "
            "again), then start the pipeline"
        )
    else:
        remedy = (
            f"Wait until it is InService again (aws sagemaker wait endpoint-in-service "
            f"--endpoint-name {name}), then start the pipeline"
        )
    busy = f", moving to {target}" if target and target != current else ""
    return (
        f"Endpoint {name} is {status}{because} on config {current}{busy}, not InService: it "
        f"cannot take a new model, {stopped}. {remedy}."
    )


def _catch_up(
    *,
    settings: CheckDataSettings,
    s3: S3Client,
    ssm: SSMClient,
    marker: date | None,
    serving: Serving,
    run: str,
    newest: date,
    log: StructuredLogger,
) -> CatchUp:
    """The serving model (of run `run`) covers `newest`, a later day than the marker: do what
    its run's UpdateParameters could not, then decide with the advanced marker."""
    promoted = promote_fingerprints(s3, settings.bucket, settings.manifest_prefix, run, log)
    try:
        advanced = advance_marker(ssm, settings.marker_parameter, newest, log)
    except (ClientError, BotoCoreError) as error:
        raise MarkerWriteError(
            f"Endpoint {serving.endpoint_name} serves {serving.config_name} (run {run}), "
            f"trained on data up to {newest.isoformat()}, but the marker "
            f"{settings.marker_parameter} is {_shown(marker)} and could not be advanced "
            f"({error}); nothing was trained. Set it: aws ssm put-parameter --name "
            f"{settings.marker_parameter} --value {newest.isoformat()} --type String "
            "--overwrite, then start the pipeline"
        ) from error
    after = date.fromisoformat(advanced["after"])
    message = (
        f"The marker {settings.marker_parameter} was {_shown(marker)}, behind the serving model "
        f"{serving.config_name} (run {run}), which trained on data up to "
        f"{newest.isoformat()}: it was advanced to {after.isoformat()}, so that data is not "
        "trained again"
    )
    log.warning(message, markerBefore=_shown(marker), markerAfter=after, servingRun=run)
    repaired = {
        "before": marker.isoformat() if marker else None,
        "after": after.isoformat(),
        "servingRun": run,
        "endpointConfigName": serving.config_name,
        "fingerprintsPromoted": promoted,
        "message": message,
    }
    return CatchUp(after, {DATA_MARKER_REPAIRED: repaired, "message": message})


def _config_tags(
    sagemaker: SageMakerClient, endpoint: dict[str, Any], log: StructuredLogger
) -> tuple[str | None, date | None]:
    """(run, newest date) from the serving EndpointConfig's tags; (None, None) without them."""
    config = str(endpoint["EndpointConfigName"])
    # ListTags takes an ARN; the config's shares the endpoint's account and region.
    arn_stem = str(endpoint["EndpointArn"]).rsplit(":endpoint/", 1)[0]
    tags: dict[str, str] = {}
    for page in sagemaker.get_paginator("list_tags").paginate(
        ResourceArn=f"{arn_stem}:endpoint-config/{config}"
    ):
        tags.update({tag["Key"]: tag["Value"] for tag in page.get("Tags", [])})
    run, newest = tags.get(RUN_TAG), tags.get(NEWEST_DATE_TAG)
    if run is None or newest is None:
        log.info("serving config has no run/newestDate tags: the marker is trusted", config=config)
        return None, None
    try:
        return run, date.fromisoformat(newest)
    except ValueError:
        log.warning(
            "serving config's newestDate tag is not a date: the marker is trusted",
            config=config,
            tag=NEWEST_DATE_TAG,
            value=newest,
        )
        return None, None


def _not_found(error: ClientError) -> bool:
    # DescribeEndpoint answers a missing endpoint with ValidationException "Could not find".
    code = error.response.get("Error", {}).get("Code", "")
    return code == "ValidationException" and "could not find" in str(error).lower()


def _shown(marker: date | None) -> str:
    return marker.isoformat() if marker else "unset"
