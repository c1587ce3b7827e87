"""UpdateParameters: advance the SSM marker to this run's newest file date, never backwards.

Event: `{newestDate, execution: {name}, deployment: $.deployment}`. Result (`$.marker`):
`{before, after, advanced}`. Reached only after DeploymentCompleted. If the marker already
holds a date at or after `newestDate` (another run got further), it is kept as it is.

SSM failing (throttled past botocore's retries, AccessDenied, a 500) raises
`MarkerWriteError`; the definition retries it, and when it lasts the run ends in
MarkerNotAdvanced with this error's message as its cause: the new model IS serving, the
marker is behind (the next run would train the same data again), and the exact command
that sets it.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from contract.document import DATA_NEWEST_DATE
from contract.errors import MarkerWriteError
from contract.lambdas import UPDATE_PARAMETERS
from functions import clients, fingerprints
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.markers import read_marker, write_marker
from functions.payload import field, parse_date

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_ssm import SSMClient


def advance_marker(
    ssm: SSMClient, parameter: str, newest: date, log: StructuredLogger
) -> dict[str, Any]:
    before = read_marker(ssm, parameter)
    if before is not None and before >= newest:
        log.info(
            "marker kept: it is already at or after this run's newest date",
            before=before,
            newestDate=newest,
        )
        return {"before": before.isoformat(), "after": before.isoformat(), "advanced": False}
    write_marker(ssm, parameter, newest)
    log.info("marker advanced", before=before, after=newest)
    return {
        "before": before.isoformat() if before else None,
        "after": newest.isoformat(),
        "advanced": True,
    }


def marker_not_advanced_message(
    parameter: str, newest: date, model_name: str, endpoint_name: str, error: Exception
) -> str:
    """What a lasting SSM failure means for the operator: the truth about what serves."""
    return (
        f"The new model {model_name} IS serving on endpoint {endpoint_name}, but the marker "
        f"{parameter} could not be advanced to {newest.isoformat()} ({error}). No data is "
        "lost, but until the marker is set the next run trains the same data again; to set "
        f"it now: aws ssm put-parameter --name {parameter} --value {newest.isoformat()} "
        "--type String --overwrite"
    )


def advance_marker_or_explain(
    ssm: SSMClient,
    parameter: str,
    newest: date,
    serving: tuple[str, str],
    log: StructuredLogger,
) -> dict[str, Any]:
    """`advance_marker`, with SSM's failure told as MarkerWriteError (the definition retries)."""
    try:
        return advance_marker(ssm, parameter, newest, log)
    except (ClientError, BotoCoreError) as error:
        model_name, endpoint_name = serving
        raise MarkerWriteError(
            marker_not_advanced_message(parameter, newest, model_name, endpoint_name, error)
        ) from error


def promote_fingerprints(
    s3: S3Client, bucket: str, manifest_prefix: str, execution_name: str, log: StructuredLogger
) -> None:
    """The run's file fingerprints become the serving model's (functions.fingerprints).

    Before the marker: a failure here leaves the previous record, so the next run sees this
    run's files as changed history and says so (retrain or report), never silently. It is
    not the run's failure: the new model serves and the marker must still advance.
    """
    try:
        target = fingerprints.promote(s3, bucket, manifest_prefix, execution_name)
    except ClientError as error:
        log.warning(
            "the run's fingerprints were not recorded as the serving model's; the next run "
            "will report this run's files as changed history",
            error=str(error),
        )
        return
    log.info("fingerprints recorded as the serving model's", fingerprints=target)


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(UPDATE_PARAMETERS)
SSM = clients.ssm()
S3 = clients.s3()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    newest = parse_date(
        event.get(DATA_NEWEST_DATE) if isinstance(event, dict) else None,
        f"event field {DATA_NEWEST_DATE}",
    )
    execution_name = field(event, "execution.name", str)
    serving = (
        field(event, "deployment.modelName", str),
        field(event, "deployment.endpointName", str),
    )
    promote_fingerprints(S3, SETTINGS.bucket, SETTINGS.manifest_prefix, execution_name, LOG)
    return advance_marker_or_explain(SSM, SETTINGS.marker_parameter, newest, serving, LOG)
