"""StartTrainingJob: start this run's SageMaker training job on the manifest CheckData wrote.

Event: `{data: $.data (manifestUri, holdoutManifestUri), execution: {name}, polling:
{initialSeconds, maxSeconds, now, deadlineSeconds}}` (the training deadline starts now:
`functions.polling`). The holdout is the job's `test` channel (the quality gate's score).
Result (`$.status`, stage `training`): `{stage, status: "InProgress", name,
trainingJobName, message, serving: false, poll: {count: 0, timeoutSeconds}, consoleUrl}`.

The job's name is `naming.run_resource_name` (stack, model, run date, hash of the
execution name): unique per execution, the same on every retry of it. Idempotent: when the job
already exists (a retry after a lost response, or DescribeTrainingJob finding it), it is
described and reported as it is instead of being created twice. If the function fails once
the job may exist (a later call raising, a retry whose DescribeTrainingJob is throttled), the
job is stopped before it raises TrainingStartError saying so: the failure path stops only a
job named in `$.status`, which a failed task never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from contract.document import (
    DATA_HOLDOUT_MANIFEST_URI,
    DATA_MANIFEST_URI,
    STATUS_POLL,
    STATUS_SERVING,
    STATUS_STAGE,
    STATUS_STATUS,
)
from contract.errors import InputValidationError, TrainingStartError
from contract.lambdas import START_TRAINING_JOB, StartTrainingJobSettings
from contract.status import STAGE_TRAINING
from functions import clients
from functions.cold_start import cold_start
from functions.logs import StructuredLogger
from functions.naming import Run, sagemaker_console_url
from functions.payload import field, shown
from functions.polling import Polling
from functions.sagemaker_status import training_fields

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient


def _channel(name: str, manifest_uri: str) -> dict[str, Any]:
    return {
        "ChannelName": name,
        "DataSource": {
            "S3DataSource": {
                "S3DataType": "ManifestFile",
                "S3Uri": manifest_uri,
                "S3DataDistributionType": "FullyReplicated",
            }
        },
        "ContentType": "text/csv",
        "CompressionType": "None",
    }


def training_job_request(
    settings: StartTrainingJobSettings,
    job_name: str,
    manifests: Manifests,
    run: Run,
) -> dict[str, Any]:
    """The CreateTrainingJob request of this run.

    The holdout goes to Linear Learner's `test` channel: the algorithm scores the final model
    on it after training (`test:mse`, `test:rmse`, `test:absolute_loss`) and never trains on
    it. `validation` would also drive early stopping and model selection, so its score would
    flatter the model the quality gate judges.
    """
    stopping: dict[str, int] = {"MaxRuntimeInSeconds": settings.max_runtime_seconds}
    request: dict[str, Any] = {
        "TrainingJobName": job_name,
        "AlgorithmSpecification": {
            "TrainingImage": settings.training_image,
            "TrainingInputMode": "File",
        },
        "RoleArn": settings.role_arn,
        "HyperParameters": dict(settings.hyperparameters),
        "InputDataConfig": [
            _channel("train", manifests.training),
            _channel("test", manifests.holdout),
        ],
        "OutputDataConfig": {"S3OutputPath": f"s3://{settings.bucket}/{settings.artifact_prefix}"},
        "ResourceConfig": {
            "InstanceType": settings.instance_type,
            "InstanceCount": settings.instance_count,
            "VolumeSizeInGB": settings.volume_gb,
        },
        "StoppingCondition": stopping,
        "Tags": run.tags(settings),
    }
    if settings.use_spot and settings.max_wait_seconds is not None:
        request["EnableManagedSpotTraining"] = True
        stopping["MaxWaitTimeInSeconds"] = settings.max_wait_seconds
    return request


@dataclass(frozen=True)
class Manifests:
    training: str  # the `train` channel
    holdout: str  # the `test` channel: the quality gate's holdout

    @classmethod
    def from_event(cls, event: Any) -> Manifests:
        uris = []
        for name in (DATA_MANIFEST_URI, DATA_HOLDOUT_MANIFEST_URI):
            uri = field(event, f"data.{name}", str)
            if not uri.startswith("s3://"):
                raise InputValidationError(
                    f"event field data.{name} must be an s3:// URI, got {shown(uri)}"
                )
            uris.append(uri)
        return cls(*uris)


def _already_exists(error: ClientError) -> bool:
    """CreateTrainingJob's answer to a name that is taken.

    AWS: ResourceInUse, "Training job names must be unique within an AWS account and
    region, and a training job with this name already exists (...)". Some SageMaker
    create calls say ValidationException "... already exist..." instead; both count.
    """
    err = error.response.get("Error", {})
    code, message = err.get("Code", ""), err.get("Message", "").lower()
    return code == "ResourceInUse" or (code == "ValidationException" and "already exist" in message)


def _exists(sagemaker: SageMakerClient, job_name: str) -> bool:
    try:
        sagemaker.describe_training_job(TrainingJobName=job_name)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in (
            "ValidationException",
            "ResourceNotFound",
        ):
            return False
        raise
    return True


def start_training_job(
    *,
    settings: StartTrainingJobSettings,
    sagemaker: SageMakerClient,
    manifests: Manifests,
    run: Run,
    polling: Polling,
    log: StructuredLogger,
) -> dict[str, Any]:
    job_name = run.resource_name(settings)
    try:
        return _start_or_report(
            settings=settings,
            sagemaker=sagemaker,
            job_name=job_name,
            manifests=manifests,
            run=run,
            polling=polling,
            log=log,
        )
    except Exception as error:
        # The failure path stops only a job named in $.status, which a failed task never
        # writes: a job this run created (now, or on an earlier attempt) is stopped here.
        stopped = stop_after_failure(sagemaker, job_name, error, log)
        if stopped is None:
            raise
        raise TrainingStartError(stopped) from error


def stop_after_failure(
    sagemaker: SageMakerClient, job_name: str, error: Exception, log: StructuredLogger
) -> str | None:
    """Stops the run's job if it runs; what happened to it (None: there is no job running)."""
    failed = f"StartTrainingJob failed after training job {job_name} was created ({error!r})"
    try:
        if not _exists(sagemaker, job_name):
            return None
        status = sagemaker.describe_training_job(TrainingJobName=job_name)["TrainingJobStatus"]
        if status != "InProgress":
            return None
        sagemaker.stop_training_job(TrainingJobName=job_name)
    except (ClientError, BotoCoreError) as stop_error:
        message = (
            f"{failed}; it could not be stopped: {stop_error}: stop it by hand with "
            f"`aws sagemaker stop-training-job --training-job-name {job_name}`"
        )
        log.error(message, trainingJobName=job_name)
        return message
    message = f"{failed}; training job {job_name} was stopped, so it is not billed"
    log.warning(message, trainingJobName=job_name)
    return message


def _start_or_report(
    *,
    settings: StartTrainingJobSettings,
    sagemaker: SageMakerClient,
    job_name: str,
    manifests: Manifests,
    run: Run,
    polling: Polling,
    log: StructuredLogger,
) -> dict[str, Any]:
    created = False
    if not _exists(sagemaker, job_name):
        try:
            sagemaker.create_training_job(
                **training_job_request(settings, job_name, manifests, run)
            )
            created = True
        except ClientError as error:
            if not _already_exists(error):
                raise
    if not created:
        log.info("training job already exists; reporting it as it is", trainingJobName=job_name)
        return {**training_fields(sagemaker, job_name), STATUS_POLL: polling.first()}

    log.info(
        "training job started",
        trainingJobName=job_name,
        manifestUri=manifests.training,
        holdoutManifestUri=manifests.holdout,
    )
    return {
        STATUS_STAGE: STAGE_TRAINING,
        STATUS_STATUS: "InProgress",
        "name": job_name,
        "trainingJobName": job_name,
        "message": f"Training job {job_name} started on {manifests.training} "
        f"(holdout {manifests.holdout})",
        STATUS_SERVING: False,
        STATUS_POLL: polling.first(),
        "consoleUrl": sagemaker_console_url(sagemaker.meta.region_name, "jobs", job_name),
    }


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(START_TRAINING_JOB)
SAGEMAKER = clients.sagemaker()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return start_training_job(
        settings=SETTINGS,
        sagemaker=SAGEMAKER,
        manifests=Manifests.from_event(event),
        run=Run.from_event(event),
        polling=Polling.from_event(event),
        log=LOG,
    )
