"""UpdateParameters: advance the SSM marker to this run's newest file date, never backwards.

Event: `{newestDate, allowOlderWindow, execution: {name}, deployment: $.deployment}`. Result
(`$.marker`): `{before, after, advanced}`. Reached only after DeploymentCompleted. If the
marker already holds a date at or after `newestDate` (another run got further), it is kept
as it is, unless the run deployed an older window on purpose (`allowOlderWindow`, which a rollback
run always sets: `newestDate` is then its package's): then it moves back to `newestDate`, the
newest day the serving model covers.

SSM failing (throttled past botocore's retries, AccessDenied, a 500) raises
`MarkerWriteError`; the definition retries it, and when it lasts the run ends in
MarkerNotAdvanced with this error's message as its cause: the new model IS serving, the
marker is behind (the next run advances it from the serving EndpointConfig's tags:
`functions.serving_endpoint`), and the exact command that sets it now. `advance_marker` and
`promote_fingerprints` live in `functions.serving_record`, shared with CheckData.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from contract.document import DATA_ALLOW_OLDER_WINDOW, DATA_NEWEST_DATE
from contract.errors import MarkerWriteError
from contract.lambdas import UPDATE_PARAMETERS
from functions import clients
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.payload import field, parse_date
from functions.serving_record import advance_marker, promote_fingerprints

if TYPE_CHECKING:
    from mypy_boto3_ssm import SSMClient


def marker_not_advanced_message(
    parameter: str, newest: date, model_name: str, endpoint_name: str, error: Exception
) -> str:
    """What a lasting SSM failure means for the operator: the truth about what serves."""
    return (
        f"The new model {model_name} IS serving on endpoint {endpoint_name}, but the marker "
        f"{parameter} could not be advanced to {newest.isoformat()} ({error}). No data is "
        "lost: the next run reads the date from the serving EndpointConfig's tags and "
        "advances the marker itself instead of training the same data again; to set it now: "
        f"aws ssm put-parameter --name {parameter} --value {newest.isoformat()} "
        "--type String --overwrite"
    )


def advance_marker_or_explain(
    ssm: SSMClient,
    parameter: str,
    newest: date,
    serving: tuple[str, str],
    log: StructuredLogger,
    *,
    older_window_deployed: bool = False,
) -> dict[str, Any]:
    """`advance_marker`, with SSM's failure told as MarkerWriteError (the definition retries)."""
    try:
        return advance_marker(
            ssm, parameter, newest, log, older_window_deployed=older_window_deployed
        )
    except (ClientError, BotoCoreError) as error:
        model_name, endpoint_name = serving
        raise MarkerWriteError(
            marker_not_advanced_message(parameter, newest, model_name, endpoint_name, error)
        ) from error


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
    older_window_deployed = field(event, DATA_ALLOW_OLDER_WINDOW, bool)
    promote_fingerprints(S3, SETTINGS.bucket, SETTINGS.manifest_prefix, execution_name, LOG)
    return advance_marker_or_explain(
        SSM,
        SETTINGS.marker_parameter,
        newest,
        serving,
        LOG,
        older_window_deployed=older_window_deployed,
    )
