"""StartTrainingJob: start this run's SageMaker training job on the manifest CheckData wrote.

Event: `{data: $.data, execution: {name}, polling: {initialSeconds, maxSeconds, now,
deadlineSeconds}}` (the training deadline starts now: `functions.polling`).
Result (`$.status`, stage `training`): `{stage, status: "InProgress", name,
trainingJobName, message, serving: false, poll: {count: 0, timeoutSeconds}, consoleUrl}`.

The job's name is `naming.run_resource_name` (stack, model, run date, hash of the
execution name): unique per execution, the same on every retry of it. Idempotent: when the job
already exists (a retry after a lost response, or DescribeTrainingJob finding it), it is
described and reported as it is instead of being created twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from contract.document import STATUS_POLL, STATUS_SERVING, STATUS_STAGE, STATUS_STATUS
from contract.errors import InputValidationError
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


def training_job_request(
    settings: StartTrainingJobSettings,
    job_name: str,
    manifest_uri: str,
    run: Run,
) -> dict[str, Any]:
    """The CreateTrainingJob request of this run."""
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
            {
                "ChannelName": "train",
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
    manifest_uri: str,
    run: Run,
    polling: Polling,
    log: StructuredLogger,
) -> dict[str, Any]:
    job_name = run.resource_name(settings)
    created = False
    if not _exists(sagemaker, job_name):
        try:
            sagemaker.create_training_job(
                **training_job_request(settings, job_name, manifest_uri, run)
            )
            created = True
        except ClientError as error:
            if not _already_exists(error):
                raise
    if not created:
        log.info("training job already exists; reporting it as it is", trainingJobName=job_name)
        return {**training_fields(sagemaker, job_name), STATUS_POLL: polling.first()}

    log.info("training job started", trainingJobName=job_name, manifestUri=manifest_uri)
    return {
        STATUS_STAGE: STAGE_TRAINING,
        STATUS_STATUS: "InProgress",
        "name": job_name,
        "trainingJobName": job_name,
        "message": f"Training job {job_name} started on {manifest_uri}",
        STATUS_SERVING: False,
        STATUS_POLL: polling.first(),
        "consoleUrl": sagemaker_console_url(sagemaker.meta.region_name, "jobs", job_name),
    }


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(START_TRAINING_JOB)
SAGEMAKER = clients.sagemaker()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    manifest_uri = field(event, "data.manifestUri", str)
    if not manifest_uri.startswith("s3://"):
        raise InputValidationError(
            f"event field data.manifestUri must be an s3:// URI, got {shown(manifest_uri)}"
        )
    return start_training_job(
        settings=SETTINGS,
        sagemaker=SAGEMAKER,
        manifest_uri=manifest_uri,
        run=Run.from_event(event),
        polling=Polling.from_event(event),
        log=LOG,
    )
