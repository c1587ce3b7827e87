"""StopTrainingJob: a failed run stops the training job it started, so nothing stays billed.

Event: `{status: $.status}` (stage `training`, the job's name). Result (`$.stop`):
`{trainingJobName, statusBefore, stopped, message}`.

Reached from the failure path only (StopTrainingBranch): a throttled CheckStatusWait, an
unreadable status or the stage's deadline can end a run while SageMaker still trains.
Idempotent: a job that is InProgress is stopped (SageMaker moves it to Stopping, then
Stopped); one already Stopping or ended is left as it is and the result says so. Its own
failure never hides the run's: the definition catches it and goes on to NotifyFailure with
the original `$.error`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from contract.document import STATUS_NAME, STATUS_STAGE
from contract.errors import InputValidationError
from contract.lambdas import STOP_TRAINING_JOB
from contract.status import STAGE_TRAINING
from functions import clients
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.payload import field, shown

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

# The one status StopTrainingJob acts on; SageMaker rejects the call in any other.
STOPPABLE = "InProgress"


def stop_training_job(
    sagemaker: SageMakerClient, job_name: str, log: StructuredLogger
) -> dict[str, Any]:
    before = sagemaker.describe_training_job(TrainingJobName=job_name)["TrainingJobStatus"]
    if before != STOPPABLE:
        message = f"Training job {job_name} is {before}: nothing to stop"
        log.info(message, trainingJobName=job_name, status=before)
        return _result(job_name, before, stopped=False, message=message)
    try:
        sagemaker.stop_training_job(TrainingJobName=job_name)
    except ClientError as error:
        # Ended between the two calls (ValidationException "... in status Completed").
        now = sagemaker.describe_training_job(TrainingJobName=job_name)["TrainingJobStatus"]
        if now == STOPPABLE:
            raise
        message = f"Training job {job_name} ended ({now}) before it could be stopped"
        log.info(message, trainingJobName=job_name, status=now, error=str(error))
        return _result(job_name, before, stopped=False, message=message)
    message = f"Training job {job_name} was InProgress: stopped, so it is no longer billed"
    log.info(message, trainingJobName=job_name)
    return _result(job_name, before, stopped=True, message=message)


def _result(job_name: str, before: str, *, stopped: bool, message: str) -> dict[str, Any]:
    return {
        "trainingJobName": job_name,
        "statusBefore": before,
        "stopped": stopped,
        "message": message,
    }


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(STOP_TRAINING_JOB)
SAGEMAKER = clients.sagemaker()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    stage = field(event, f"status.{STATUS_STAGE}", str)
    if stage != STAGE_TRAINING:
        raise InputValidationError(
            f"event field status.stage must be {STAGE_TRAINING!r}, got {shown(stage)}"
        )
    return stop_training_job(SAGEMAKER, field(event, f"status.{STATUS_NAME}", str), LOG)
