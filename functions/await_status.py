"""CheckStatusWait's callback registration (a `lambda:invoke.waitForTaskToken` task).

Event: `{taskToken, stage, name, execution: {name}}`. Stores the token at
`s3://<bucket>/<callback prefix><stage>/<name>.json` (`{taskToken, stage, name,
execution, registeredAt}`) for on_sagemaker_event, then describes the resource once:
if it is already terminal (`contract.status.is_terminal`), SageMaker's event may have fired
before the token was stored, so this function answers the token itself with
`{"reason": "already-terminal", "status": <status>}` and deletes the object.
Returns `{registered: <s3 uri>, terminal: bool}` (Step Functions waits for the token,
not for this value).

`registeredAt` is the Lambda's clock: it is only a trace for humans, never an input to a
decision.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from contract.errors import InputValidationError
from contract.lambdas import AWAIT_STATUS, CallbackSettings
from contract.status import STAGES, is_terminal
from functions import callbacks, clients
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.payload import field, iso_utc, shown
from functions.sagemaker_status import current_status

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_stepfunctions import SFNClient


def await_status(
    settings: CallbackSettings,
    s3: S3Client,
    sagemaker: SageMakerClient,
    sfn: SFNClient,
    *,
    token: str,
    stage: str,
    name: str,
    execution: dict[str, Any],
    now: datetime,
    log: StructuredLogger,
) -> dict[str, Any]:
    if stage not in STAGES:
        raise InputValidationError(
            f"event field stage must be one of {', '.join(STAGES)}, got {shown(stage)}"
        )
    key = callbacks.token_key(settings.callback_prefix, stage, name)
    record = {
        "taskToken": token,
        "stage": stage,
        "name": name,
        "execution": execution,
        "registeredAt": iso_utc(now),
    }
    uri = callbacks.register(s3, settings.bucket, key, record)
    status = current_status(sagemaker, stage, name)
    terminal = is_terminal(stage, status)
    if terminal:
        stale = callbacks.answer(sfn, token, {"reason": "already-terminal", "status": status})
        callbacks.forget(s3, settings.bucket, key)
        log.info(
            "resource already terminal; answered the wait",
            stage=stage,
            name=name,
            status=status,
            staleToken=stale,
        )
    else:
        log.info(
            "waiting for SageMaker's state-change event",
            stage=stage,
            name=name,
            status=status,
            registered=uri,
        )
    return {"registered": uri, "terminal": terminal}


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(AWAIT_STATUS)
S3, SAGEMAKER, SFN = clients.s3(), clients.sagemaker(), clients.stepfunctions()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return await_status(
        SETTINGS,
        S3,
        SAGEMAKER,
        SFN,
        token=field(event, "taskToken", str),
        stage=field(event, "stage", str),
        name=field(event, "name", str),
        execution=field(event, "execution", dict),
        now=datetime.now(UTC),
        log=LOG,
    )
