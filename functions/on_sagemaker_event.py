"""Resume CheckStatusWait when SageMaker reports that the watched resource is terminal.

Event: an EventBridge event from `aws.sagemaker`:
- `SageMaker Training Job State Change`: `detail.TrainingJobName`, `detail.TrainingJobStatus`
  (`Completed`, `Failed`, `Stopped`, ... as the API spells them);
- `SageMaker Endpoint State Change`: `detail.EndpointName`, `detail.EndpointStatus`
  (events spell it `IN_SERVICE`, `FAILED`, ...; normalised to the API's `InService`);
- `SageMaker Model Package State Change`: `detail.ModelPackageArn`,
  `detail.ModelApprovalStatus` (`Approved`, `Rejected`, as the API spells them).

A terminal status (`contract.status.is_terminal`) answers the token stored by await_status
with `{"reason": "event", "status", "eventTime"}` and deletes it. No token stored = no
run is waiting (logged). A stale token (the wait already ended: TaskTimedOut,
InvalidToken, TaskDoesNotExist) is logged and deleted; if a newer wait replaced it
meanwhile, that one is answered instead. Non-terminal statuses and other detail-types
are logged and ignored. Nothing here raises for an expected situation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contract.lambdas import ON_SAGEMAKER_EVENT, CallbackSettings
from contract.status import (
    EVENT_ENDPOINT_STATE_CHANGE,
    EVENT_MODEL_PACKAGE_STATE_CHANGE,
    EVENT_TRAINING_STATE_CHANGE,
    STAGE_APPROVAL,
    STAGE_DEPLOYMENT,
    STAGE_TRAINING,
    from_event_spelling,
    is_terminal,
)
from functions import callbacks, clients
from functions.cold_start import cold_start
from functions.logs import StructuredLogger

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient

# detail-type -> (stage, name field, status field)
EVENT_FIELDS = {
    EVENT_TRAINING_STATE_CHANGE: (
        STAGE_TRAINING,
        "TrainingJobName",
        "TrainingJobStatus",
    ),
    EVENT_ENDPOINT_STATE_CHANGE: (
        STAGE_DEPLOYMENT,
        "EndpointName",
        "EndpointStatus",
    ),
    # A package's approval decided (Approved, Rejected): the package version's ARN is the
    # name the approval wait registered under.
    EVENT_MODEL_PACKAGE_STATE_CHANGE: (
        STAGE_APPROVAL,
        "ModelPackageArn",
        "ModelApprovalStatus",
    ),
}
# A stale token may have been replaced by a newer wait while we answered it; a few
# rounds cover that race without looping on a store that keeps changing.
MAX_ROUNDS = 3


def on_sagemaker_event(
    settings: CallbackSettings,
    s3: S3Client,
    sfn: SFNClient,
    event: dict[str, Any],
    log: StructuredLogger,
) -> dict[str, Any]:
    detail_type = event.get("detail-type")
    detail = event.get("detail")
    if detail_type not in EVENT_FIELDS or not isinstance(detail, dict):
        log.info("not a state-change event this function handles; ignored", detailType=detail_type)
        return {"resumed": False, "reason": "ignored-event"}
    stage, name_field, status_field = EVENT_FIELDS[detail_type]
    name, raw_status = detail.get(name_field), detail.get(status_field)
    if not isinstance(name, str) or not isinstance(raw_status, str):
        log.warning("state-change event without a name or status; ignored", detail=detail)
        return {"resumed": False, "reason": "ignored-event"}
    status = from_event_spelling(stage, raw_status)
    if not is_terminal(stage, status):
        log.info("status not terminal; ignored", stage=stage, name=name, status=status)
        return {"resumed": False, "reason": "not-terminal", "status": status}

    key = callbacks.token_key(settings.callback_prefix, stage, name)
    output = {"reason": "event", "status": status, "eventTime": event.get("time")}
    record = callbacks.read_record(s3, settings.bucket, key)
    if record is None:
        log.info("no run waiting for this resource", stage=stage, name=name, status=status)
        return {"resumed": False, "reason": "no-run-waiting", "status": status}
    for _ in range(MAX_ROUNDS):
        log.bind(callbacks.run_name(record))
        token = record["taskToken"]
        stale = callbacks.answer(sfn, token, output)
        # Delete only what was answered: a newer wait may have replaced it meanwhile.
        latest = callbacks.read_record(s3, settings.bucket, key)
        if latest is not None and latest["taskToken"] == token:
            callbacks.forget(s3, settings.bucket, key)
            latest = None
        if stale is None:
            log.info("resumed the waiting run", stage=stage, name=name, status=status)
            return {"resumed": True, "status": status}
        log.info("stale task token dropped", stage=stage, name=name, error=stale)
        if latest is None:
            break
        record = latest  # a newer wait registered while we answered the stale one
    return {"resumed": False, "reason": "stale-token", "status": status}


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(ON_SAGEMAKER_EVENT)
S3, SFN = clients.s3(), clients.stepfunctions()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return on_sagemaker_event(SETTINGS, S3, SFN, event, LOG)
