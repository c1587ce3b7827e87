"""GetStatus: describe the training job or endpoint the run is watching.

Event: `{status: $.status, polling: {initialSeconds, maxSeconds}}`. Result: the previous
status document with SageMaker's current view merged in, `poll.count + 1` and the next
safety timeout (`contract.next_poll_timeout`).

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

from functions import clients, contract
from functions.errors import InputValidationError
from functions.logs import StructuredLogger
from functions.payload import field, shown
from functions.polling import Polling
from functions.sagemaker_status import deployment_fields, training_fields
from functions.settings import GetStatusSettings

if TYPE_CHECKING:
    from mypy_boto3_sagemaker import SageMakerClient


def get_status(
    sagemaker: SageMakerClient, status: dict[str, Any], polling: Polling
) -> dict[str, Any]:
    stage = field(status, contract.STATUS_STAGE, str)
    name = field(status, contract.STATUS_NAME, str)
    if stage == contract.STAGE_TRAINING:
        fresh = training_fields(sagemaker, name)
    elif stage == contract.STAGE_DEPLOYMENT:
        fresh = deployment_fields(sagemaker, name, field(status, "endpointConfigName", str))
    else:
        raise InputValidationError(
            f"event field status.stage must be one of {', '.join(contract.STAGES)}, "
            f"got {shown(stage)}"
        )
    return {
        **status,
        **fresh,
        contract.STATUS_POLL: polling.after(status.get(contract.STATUS_POLL)),
    }


# --- Lambda entry point (cold start: settings and clients) --------------------------------
SETTINGS = GetStatusSettings.from_env()
LOG = StructuredLogger("get_status", SETTINGS.common.log_level)
SAGEMAKER = clients.sagemaker()


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with LOG.invocation(event):
        document = get_status(SAGEMAKER, field(event, "status", dict), Polling.from_event(event))
        LOG.info(
            document["message"],
            stage=document[contract.STATUS_STAGE],
            status=document[contract.STATUS_STATUS],
            serving=document[contract.STATUS_SERVING],
            poll=document[contract.STATUS_POLL],
        )
        return document
