"""Training jobs a run left behind when it ended without its failure path.

Why
    A run that is aborted (StopExecution) or times out ends at once: no Catch runs, so the
    training job it started keeps training, billed until MaxRuntime; so does one whose
    StartTrainingJob Lambda was killed by its timeout right after CreateTrainingJob (the
    failure path has no job name to stop). The next run takes the lock (`functions.run_lock`)
    and would start a second job beside it. Once a run holds the lock, no other run of the
    model is running, so every training job of the model still InProgress belongs to no
    running execution: CheckData stops them before it trains, and the run output names them.

Cost
    One ListTrainingJobs call (the model's name prefix, InProgress only) per run that trains;
    nothing on runs that stand aside or find no new data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from botocore.exceptions import ClientError

from contract.lambdas import CommonSettings
from functions.logs import StructuredLogger
from functions.naming import is_run_resource_of, run_resource_prefix

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

IN_PROGRESS: Final[Literal["InProgress"]] = "InProgress"


def stop_orphaned_training_jobs(
    sagemaker: SageMakerClient,
    settings: CommonSettings,
    previous_owner: str | None,
    log: StructuredLogger,
) -> list[str]:
    """Stops every InProgress training job of this stack's model; their names, in order.

    A job that ended between the listing and the stop (SageMaker answers ValidationException)
    is left as it is. Any other refusal is raised: training beside a job that still runs is
    exactly what the lock is there to prevent.
    """
    stopped: list[str] = []
    prefix = run_resource_prefix(settings)
    paginator = sagemaker.get_paginator("list_training_jobs")
    for page in paginator.paginate(NameContains=prefix, StatusEquals=IN_PROGRESS):
        for summary in page["TrainingJobSummaries"]:
            name = summary["TrainingJobName"]
            if not is_run_resource_of(settings, name):
                continue
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
    return sorted(stopped)
