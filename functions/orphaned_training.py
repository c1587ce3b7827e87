"""Training jobs a run left behind when it ended without its failure path.

Why
    A run that is aborted (StopExecution) or times out ends at once: no Catch runs, so the
    training job it started keeps training, billed until MaxRuntime; so does one whose
    StartTrainingJob Lambda was killed by its timeout right after CreateTrainingJob (the
    failure path has no job name to stop). The next run takes the lock (`functions.run_lock`)
    and would start a second job beside it. Once a run holds the lock, no other run of the
    model is running, so every training job of the model still InProgress belongs to no
    running execution: CheckData stops them, and does not train while any is still Stopping
    (SageMaker takes a while to wind a job down): it raises OrphanedTrainingStoppingError,
    which the definition retries, so the new job starts only once the old one has stopped.

Cost
    Two ListTrainingJobs calls (the model's name prefix; InProgress, then Stopping) per run
    that trains; nothing on runs that stand aside or find no new data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from botocore.exceptions import ClientError

from contract.errors import OrphanedTrainingStoppingError
from contract.lambdas import CommonSettings
from functions.logs import StructuredLogger
from functions.naming import is_run_resource_of, run_resource_prefix

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

IN_PROGRESS: Final[Literal["InProgress"]] = "InProgress"
STOPPING: Final[Literal["Stopping"]] = "Stopping"


def stop_orphaned_training_jobs(
    sagemaker: SageMakerClient,
    settings: CommonSettings,
    previous_owner: str | None,
    log: StructuredLogger,
) -> list[str]:
    """Stops every InProgress training job of this stack's model; their names, in order.

    A job that ended between the listing and the stop (SageMaker answers ValidationException)
    is left as it is. Any other refusal is raised: training beside a job that still runs is
    exactly what the lock is there to prevent. A job still Stopping raises
    OrphanedTrainingStoppingError (retried by the definition).
    """
    stopped: list[str] = []
    for name in _jobs_of_model(sagemaker, settings, IN_PROGRESS):
        try:
            sagemaker.stop_training_job(TrainingJobName=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "ValidationException":
                raise
            log.info("orphaned training job already ended", trainingJobName=name)
            continue
        log.warning(
            "stopped a training job left running by a run that ended without its failure path",
            trainingJobName=name,
            previousOwner=previous_owner,
        )
        stopped.append(name)
    stopping = _jobs_of_model(sagemaker, settings, STOPPING)
    if stopping:
        raise OrphanedTrainingStoppingError(
            f"training job(s) {', '.join(stopping)} of model {settings.model_name}, left running "
            "by a run that ended without its failure path (aborted or timed out), "
            f"{'were asked to stop' if stopped else 'are stopping'}; this run trains once they "
            "have stopped (the definition retries the data check). If this persists: "
            f"aws sagemaker describe-training-job --training-job-name {stopping[0]}"
        )
    return sorted(stopped)


def _jobs_of_model(
    sagemaker: SageMakerClient, settings: CommonSettings, status: Literal["InProgress", "Stopping"]
) -> list[str]:
    """The names of this stack's model's training jobs in `status`, sorted."""
    paginator = sagemaker.get_paginator("list_training_jobs")
    pages = paginator.paginate(NameContains=run_resource_prefix(settings), StatusEquals=status)
    return sorted(
        summary["TrainingJobName"]
        for page in pages
        for summary in page["TrainingJobSummaries"]
        if is_run_resource_of(settings, summary["TrainingJobName"])
    )
