"""GetStatus: describe the training job or endpoint the run is watching.

Event: `{status: $.status, polling: {initialSeconds, maxSeconds, now}}`. Result: the
previous status document with SageMaker's current view merged in, `poll.count + 1`, the
next safety timeout (`contract.waits.next_poll_timeout`: never past the stage's deadline)
and `poll.deadlinePassed` (`now` at or after `poll.deadlineAt`).

- training: status, secondaryStatus, message ("Training job X completed in 1h02m;
  validation:mse 0.042"), artifactUri, failureReason, metrics {name: value},
  billableSeconds.
- deployment: status, serving (InService on this run's EndpointConfig), failureReason,
  and a message that explains a rollback ("the previous model keeps serving").
- approval: the model package's ModelApprovalStatus and `package`
  (functions.model_registry). When the approval deadline has passed and the package still
  waits, the expiry is recorded in the registry (UpdateModelPackage: Rejected, with an
  ApprovalDescription saying so) and reported as Rejected: nobody can approve a model the
  run no longer waits for, and the registry tells the truth about it.

Statuses are passed through as SageMaker spells them, including ones this code does not
know: the state machine's Choice states route them (unknown = keep waiting, bounded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from contract import registry
from contract.document import (
    POLL_DEADLINE_AT,
    POLL_DEADLINE_PASSED,
    POLL_STARTED_AT,
    STATUS_FIRED_ALARMS,
    STATUS_NAME,
    STATUS_POLL,
    STATUS_ROLLBACK_ALARMS,
    STATUS_SERVING,
    STATUS_STAGE,
    STATUS_STATUS,
)
from contract.errors import InputValidationError
from contract.lambdas import GET_STATUS
from contract.status import STAGE_APPROVAL, STAGE_DEPLOYMENT, STAGE_TRAINING, STAGES
from functions import clients
from functions.cold_start import cold_start
from functions.model_registry import approval_status_document, describe_package, package_summary
from functions.payload import field, shown
from functions.polling import Polling, parse_time
from functions.rollback_alarms import fired_alarms, rollback_cause
from functions.sagemaker_status import IN_SERVICE, deployment_fields, training_fields

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient
    from mypy_boto3_sagemaker.literals import ModelApprovalStatusType


def get_status(
    sagemaker: SageMakerClient,
    status: dict[str, Any],
    polling: Polling,
    cloudwatch: Any = None,
) -> dict[str, Any]:
    stage = field(status, STATUS_STAGE, str)
    name = field(status, STATUS_NAME, str)
    if stage == STAGE_APPROVAL:
        return approval_status(sagemaker, name, polling.after(status.get(STATUS_POLL)))
    if stage == STAGE_TRAINING:
        fresh = training_fields(sagemaker, name)
    elif stage == STAGE_DEPLOYMENT:
        fresh = deployment_fields(sagemaker, name, field(status, "endpointConfigName", str))
        fresh = _with_rollback_cause(cloudwatch, status, fresh)
    else:
        raise InputValidationError(
            f"event field status.stage must be one of {', '.join(STAGES)}, got {shown(stage)}"
        )
    return {
        **status,
        **fresh,
        STATUS_POLL: polling.after(status.get(STATUS_POLL)),
    }


def _with_rollback_cause(
    cloudwatch: Any, status: dict[str, Any], fresh: dict[str, Any]
) -> dict[str, Any]:
    """A guarded update back on the previous config: the message names the alarm that rolled
    it back (looked up once the endpoint settled, since the deployment started)."""
    alarms = status.get(STATUS_ROLLBACK_ALARMS) or []
    rolled_back = fresh[STATUS_STATUS] == IN_SERVICE and not fresh[STATUS_SERVING]
    if not alarms or not rolled_back:
        return fresh
    started = parse_time(
        status.get(STATUS_POLL, {}).get(POLL_STARTED_AT), f"status.poll.{POLL_STARTED_AT}"
    )
    fired = fired_alarms(cloudwatch, alarms, started)
    return {
        **fresh,
        STATUS_FIRED_ALARMS: [name for name, _ in fired],
        "message": f"{fresh['message']}; {rollback_cause(fired)}",
    }


def expiry_description(poll: dict[str, Any]) -> str:
    """Why the pipeline rejected a package nobody decided on: the deadline, in hours."""
    started = parse_time(poll.get(POLL_STARTED_AT), f"status.poll.{POLL_STARTED_AT}")
    deadline = parse_time(poll.get(POLL_DEADLINE_AT), f"status.poll.{POLL_DEADLINE_AT}")
    hours = (deadline - started).total_seconds() / 3600
    return (
        f"approval deadline of {hours:g} h passed ({poll[POLL_DEADLINE_AT]}) without a "
        "decision: rejected by the pipeline (approvalTimeoutHours)"
    )


def approval_status(sagemaker: SageMakerClient, arn: str, poll: dict[str, Any]) -> dict[str, Any]:
    """The approval stage after one more look: the package as the registry has it, its
    expiry recorded first when the deadline passed while it still waited."""
    described = describe_package(sagemaker, arn)
    pending = described.get("ModelApprovalStatus") == registry.PENDING_MANUAL_APPROVAL
    if pending and poll[POLL_DEADLINE_PASSED]:
        sagemaker.update_model_package(
            ModelPackageArn=arn,
            ModelApprovalStatus=cast("ModelApprovalStatusType", registry.REJECTED),
            ApprovalDescription=expiry_description(poll),
        )
        described = describe_package(sagemaker, arn)
    return approval_status_document(sagemaker, package_summary(described), poll)


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(GET_STATUS)
SAGEMAKER, CLOUDWATCH = clients.sagemaker(), clients.cloudwatch()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    document = get_status(
        SAGEMAKER, field(event, "status", dict), Polling.from_event(event), CLOUDWATCH
    )
    LOG.info(
        document["message"],
        stage=document[STATUS_STAGE],
        status=document[STATUS_STATUS],
        serving=document[STATUS_SERVING],
        poll=document[STATUS_POLL],
    )
    return document
