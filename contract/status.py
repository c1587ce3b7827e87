"""Stages, SageMaker's statuses classified, and the two ways a status is spelled.

Every value of botocore's TrainingJobStatus, EndpointStatus and ModelApprovalStatus enums
appears in exactly one tuple of its stage (tests/contract reads botocore and checks it). A
value that is in none of them (one AWS adds later) is treated as "still waiting": the poll
loop is bounded, so an unknown status ends in a timeout failure rather than a crash or an
endless loop.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Final

STAGE_TRAINING: Final = "training"
STAGE_DEPLOYMENT: Final = "deployment"
# The model package's approval in the registry (functions.model_registry): a manual approval
# waits in CheckStatusWait like the other stages, resumed by the package's state-change event.
STAGE_APPROVAL: Final = "approval"
STAGES: Final = (STAGE_TRAINING, STAGE_DEPLOYMENT, STAGE_APPROVAL)

TRAINING_WAITING: Final = ("InProgress", "Stopping")
TRAINING_SUCCEEDED: Final = ("Completed",)
TRAINING_FAILED: Final = ("Failed", "Stopped", "Deleting")

# RollingBack means an update failed and SageMaker is restoring the previous
# configuration: wait for the outcome. When it settles the endpoint is InService again but
# serving the *old* EndpointConfig, so success additionally requires `serving` (the
# endpoint serves this run's config); InService without it is a failed deployment and the
# marker is not advanced. UpdateRollbackFailed needs a human: fail and say so.
ENDPOINT_WAITING: Final = ("Creating", "Updating", "SystemUpdating", "RollingBack")
ENDPOINT_SUCCEEDED: Final = ("InService",)
ENDPOINT_FAILED: Final = ("Failed", "OutOfService", "UpdateRollbackFailed", "Deleting")

# SageMaker's ModelApprovalStatus: a package waits for a person, or was decided. The
# pipeline's own deadline records its expiry as Rejected (functions.model_registry).
APPROVAL_WAITING: Final = ("PendingManualApproval",)
APPROVAL_SUCCEEDED: Final = ("Approved",)
APPROVAL_FAILED: Final = ("Rejected",)

# An existing endpoint answers InvokeEndpoint with its current model in these statuses (an
# update or a rollback serves the previous config meanwhile); in the others of the endpoint
# stage (Creating, Failed, OutOfService, Deleting) no model serves.
ENDPOINT_ANSWERING: Final = (
    "InService",
    "Updating",
    "SystemUpdating",
    "RollingBack",
    "UpdateRollbackFailed",
)

# The same classification, by stage.
WAITING: Final[Mapping[str, tuple[str, ...]]] = {
    STAGE_TRAINING: TRAINING_WAITING,
    STAGE_DEPLOYMENT: ENDPOINT_WAITING,
    STAGE_APPROVAL: APPROVAL_WAITING,
}
SUCCEEDED: Final[Mapping[str, tuple[str, ...]]] = {
    STAGE_TRAINING: TRAINING_SUCCEEDED,
    STAGE_DEPLOYMENT: ENDPOINT_SUCCEEDED,
    STAGE_APPROVAL: APPROVAL_SUCCEEDED,
}
FAILED: Final[Mapping[str, tuple[str, ...]]] = {
    STAGE_TRAINING: TRAINING_FAILED,
    STAGE_DEPLOYMENT: ENDPOINT_FAILED,
    STAGE_APPROVAL: APPROVAL_FAILED,
}
TERMINAL_STATUSES: Final[Mapping[str, tuple[str, ...]]] = {
    stage: SUCCEEDED[stage] + FAILED[stage] for stage in STAGES
}
# Every status the contract classifies, per stage (waiting, then succeeded, then failed).
KNOWN_STATUSES: Final[Mapping[str, tuple[str, ...]]] = {
    stage: WAITING[stage] + TERMINAL_STATUSES[stage] for stage in STAGES
}


def is_terminal(stage: str, status: str) -> bool:
    """Whether `status` ends the wait for `stage` (unknown stages/statuses never do)."""
    return status in TERMINAL_STATUSES.get(stage, ())


# --- SageMaker state-change events (EventBridge), used to resume CheckStatusWait --------------
EVENT_SOURCE: Final = "aws.sagemaker"
EVENT_TRAINING_STATE_CHANGE: Final = "SageMaker Training Job State Change"
EVENT_ENDPOINT_STATE_CHANGE: Final = "SageMaker Endpoint State Change"
# detail: the DescribeModelPackage shape (ModelPackageArn, ModelPackageGroupName,
# ModelApprovalStatus in the API's spelling, ...).
EVENT_MODEL_PACKAGE_STATE_CHANGE: Final = "SageMaker Model Package State Change"
# A guarded update's stages (canary live, fully shifted, rolling back): Slack hears them
# straight from EventBridge (infra.events), no state of the run waits for them.
EVENT_ENDPOINT_DEPLOYMENT_STATE_CHANGE: Final = "SageMaker Endpoint Deployment State Change"

# Endpoint state-change events spell a status `IN_SERVICE`, `UPDATE_ROLLBACK_FAILED`, ...
# where DescribeEndpoint says `InService`, `UpdateRollbackFailed`; training-job events use
# the API's spelling. The contract, the documents and the Choice states use the API's.
_EVENT_SPELLING = re.compile(r"[A-Z0-9_]+")


def to_event_spelling(status: str) -> str:
    """`InService` -> `IN_SERVICE`: how endpoint events (and rules matching them) spell it."""
    return "".join(f"_{ch}" if ch.isupper() and i else ch for i, ch in enumerate(status)).upper()


def from_event_spelling(stage: str, raw: str) -> str:
    """`IN_SERVICE` -> `InService`: the API's spelling of a status an event reports.

    A known status of `stage` is matched whatever its spelling; an unknown one in the events'
    spelling is converted the same way (`SOME_NEW` -> `SomeNew`); anything else is kept.
    """
    squashed = raw.replace("_", "").lower()
    for known in KNOWN_STATUSES.get(stage, ()):
        if known.lower() == squashed:
            return known
    if _EVENT_SPELLING.fullmatch(raw) and "_" in raw:
        return "".join(part.capitalize() for part in raw.split("_"))
    return raw
