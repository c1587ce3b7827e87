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

Statuses are passed through as SageMaker spells them, including ones this code does not
know: the state machine's Choice states route them (unknown = keep waiting, bounded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from contract.document import STATUS_NAME, STATUS_POLL, STATUS_SERVING, STATUS_STAGE, STATUS_STATUS
from contract.errors import InputValidationError
from contract.lambdas import GET_STATUS
from contract.status import STAGE_DEPLOYMENT, STAGE_TRAINING, STAGES
from functions import clients
from functions.cold_start import cold_start
from functions.payload import field, shown
from functions.polling import Polling
from functions.sagemaker_status import deployment_fields, training_fields

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient


def get_status(
    sagemaker: SageMakerClient, status: dict[str, Any], polling: Polling
) -> dict[str, Any]:
    stage = field(status, STATUS_STAGE, str)
    name = field(status, STATUS_NAME, str)
    if stage == STAGE_TRAINING:
        fresh = training_fields(sagemaker, name)
    elif stage == STAGE_DEPLOYMENT:
        fresh = deployment_fields(sagemaker, name, field(status, "endpointConfigName", str))
    else:
        raise InputValidationError(
            f"event field status.stage must be one of {', '.join(STAGES)}, got {shown(stage)}"
        )
    return {
        **status,
        **fresh,
        STATUS_POLL: polling.after(status.get(STATUS_POLL)),
    }


# --- Lambda entry point (cold start: settings, logger and clients) ---------------------
SETTINGS, LOG = cold_start(GET_STATUS)
SAGEMAKER = clients.sagemaker()


@LOG.entry_point
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    document = get_status(SAGEMAKER, field(event, "status", dict), Polling.from_event(event))
    LOG.info(
        document["message"],
        stage=document[STATUS_STAGE],
        status=document[STATUS_STATUS],
        serving=document[STATUS_SERVING],
        poll=document[STATUS_POLL],
    )
    return document
