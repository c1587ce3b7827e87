"""What SageMaker says about the resource a run watches, as status-document fields.

Shared by StartTrainingJob (a job that already existed), GetStatus, DeployModel (an
endpoint already on this run's config) and the callback functions, so the same resource is
always described the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from contract.document import STATUS_NAME, STATUS_SERVING, STATUS_STAGE
from contract.status import ENDPOINT_SUCCEEDED, STAGE_APPROVAL, STAGE_DEPLOYMENT, STAGE_TRAINING
from functions.naming import sagemaker_console_url
from functions.payload import duration

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient

(IN_SERVICE,) = ENDPOINT_SUCCEEDED


def current_status(sagemaker: SageMakerClient, stage: str, name: str) -> str:
    if stage == STAGE_TRAINING:
        return sagemaker.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]
    if stage == STAGE_APPROVAL:  # `name` is the model package version's ARN
        return sagemaker.describe_model_package(ModelPackageName=name)["ModelApprovalStatus"]
    return sagemaker.describe_endpoint(EndpointName=name)["EndpointStatus"]


def _region(sagemaker: SageMakerClient) -> str:
    return sagemaker.meta.region_name


def training_fields(sagemaker: SageMakerClient, job_name: str) -> dict[str, Any]:
    """Status-document fields of a training job (DescribeTrainingJob)."""
    job = sagemaker.describe_training_job(TrainingJobName=job_name)
    status = job["TrainingJobStatus"]
    metrics = {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])}
    fields: dict[str, Any] = {
        STATUS_STAGE: STAGE_TRAINING,
        "status": status,
        STATUS_NAME: job_name,
        "trainingJobName": job_name,
        "secondaryStatus": job.get("SecondaryStatus"),
        STATUS_SERVING: False,
        "metrics": metrics,
        "consoleUrl": sagemaker_console_url(_region(sagemaker), "jobs", job_name),
    }
    artifact = job.get("ModelArtifacts", {}).get("S3ModelArtifacts")
    if artifact:
        fields["artifactUri"] = artifact
    if job.get("FailureReason"):
        fields["failureReason"] = job["FailureReason"]
    if "BillableTimeInSeconds" in job:
        fields["billableSeconds"] = job["BillableTimeInSeconds"]
    fields["message"] = _training_message(job_name, job, metrics)
    return fields


def _training_message(name: str, job: Mapping[str, Any], metrics: dict[str, float]) -> str:
    status = job["TrainingJobStatus"]
    start, end = job.get("TrainingStartTime"), job.get("TrainingEndTime")
    took = f" in {duration((end - start).total_seconds())}" if start and end else ""
    shown = "; ".join(f"{k} {v:g}" for k, v in sorted(metrics.items()))
    if status == "Completed":
        return f"Training job {name} completed{took}" + (f"; {shown}" if shown else "")
    if status == "Failed":
        return f"Training job {name} failed{took}: {job.get('FailureReason', 'no reason given')}"
    if status == "Stopped":
        return f"Training job {name} stopped{took} ({job.get('SecondaryStatus', 'Stopped')})"
    secondary = job.get("SecondaryStatus")
    return f"Training job {name} is {status}" + (f" ({secondary})" if secondary else "")


def deployment_fields(
    sagemaker: SageMakerClient, endpoint_name: str, endpoint_config_name: str
) -> dict[str, Any]:
    """Status-document fields of the endpoint this run deploys to (DescribeEndpoint).

    `serving` is true only when the endpoint is InService on *this run's* EndpointConfig.
    A failed update rolls back and leaves the endpoint InService on the previous config:
    that is a failed deployment (serving false), and the message says the previous model
    keeps serving.
    """
    endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
    status = endpoint["EndpointStatus"]
    current = endpoint.get("EndpointConfigName")
    pending = endpoint.get("PendingDeploymentSummary", {}).get("EndpointConfigName")
    serving = status == IN_SERVICE and current == endpoint_config_name
    fields: dict[str, Any] = {
        STATUS_STAGE: STAGE_DEPLOYMENT,
        "status": status,
        STATUS_NAME: endpoint_name,
        "endpointName": endpoint_name,
        "endpointConfigName": endpoint_config_name,
        "currentEndpointConfigName": current,
        STATUS_SERVING: serving,
        "consoleUrl": sagemaker_console_url(_region(sagemaker), "endpoints", endpoint_name),
    }
    reason = endpoint.get("FailureReason")
    if reason:
        fields["failureReason"] = reason
    because = f": {reason}" if reason else ""
    ours = endpoint_config_name
    if serving:
        message = f"Endpoint {endpoint_name} is in service with {ours}"
    elif status == IN_SERVICE:
        message = (
            f"Endpoint {endpoint_name} is in service with {current}, not {ours}: the update "
            f"rolled back; the previous model keeps serving{because}"
        )
    else:
        message = _DEPLOYMENT_MESSAGES.get(status, "Endpoint {name} is {status}{because}").format(
            name=endpoint_name, status=status, ours=pending or ours, because=because
        )
    fields["message"] = message
    return fields


_DEPLOYMENT_MESSAGES = {
    "Creating": "Endpoint {name} is being created with {ours}",
    "Updating": "Endpoint {name} is updating to {ours}",
    "RollingBack": (
        "Endpoint {name} is rolling back the update to {ours}; the previous model keeps serving"
    ),
    "UpdateRollbackFailed": (
        "Endpoint {name}: the update failed and so did the rollback; needs a human{because}"
    ),
    "Failed": "Endpoint {name} failed{because}",
}
