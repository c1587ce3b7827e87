"""The contract between the state machine and the Lambda functions.

This module is the one home of every name that both sides must agree on: the stages,
how each SageMaker status is classified, the decisions CheckData can take, and the keys
of the state document that flows through the execution. It imports nothing but the
standard library so that the Lambda package carries it and `workflow/` can import it
without pulling in boto3.

The state document (JSONPath, one owner per top-level key):

    $.force / $.scheduledTime / $.trigger   execution input (validated by CheckData)
    $.data          CheckData      decision, manifest URI, counts, newest file date, marker
    $.status        StartTrainingJob, GetStatus, DeployModel: the resource being watched
                    {stage, status, name, message, serving, poll: {count, timeoutSeconds}, ...}
    $.training      JobCompleted (a copy of $.status when training completed)
    $.deployment    DeploymentCompleted (a copy of $.status when the endpoint is in service)
    $.notification  NotifySlack / NotifyFailure: what was posted (or why not)
    $.wake          CheckStatusWait: why the wait ended (state-change event or timeout)
    $.marker        UpdateParameters: the marker before and after
    $.error         any Catch: {Error, Cause}
"""

from __future__ import annotations

from typing import Final

# --- stages -------------------------------------------------------------------------------
STAGE_TRAINING: Final = "training"
STAGE_DEPLOYMENT: Final = "deployment"
STAGES: Final = (STAGE_TRAINING, STAGE_DEPLOYMENT)

# --- SageMaker statuses, classified ---------------------------------------------------------
# Every value of botocore's TrainingJobStatus and EndpointStatus enums appears in exactly
# one tuple of its stage (a test reads botocore and checks it). A value that is in none of
# them (one AWS adds later) is treated as "still waiting": the poll loop is bounded, so an
# unknown status ends in a timeout failure rather than a crash or an endless loop.
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

TERMINAL_STATUSES: Final = {
    STAGE_TRAINING: TRAINING_SUCCEEDED + TRAINING_FAILED,
    STAGE_DEPLOYMENT: ENDPOINT_SUCCEEDED + ENDPOINT_FAILED,
}

# --- CheckData decisions ----------------------------------------------------------------------
DECISION_TRAIN: Final = "train"
DECISION_NO_NEW_DATA: Final = "no-new-data"
DECISION_RUN_IN_PROGRESS: Final = "run-in-progress"
DECISIONS: Final = (DECISION_TRAIN, DECISION_NO_NEW_DATA, DECISION_RUN_IN_PROGRESS)

# --- execution input ------------------------------------------------------------------------
# `{}` (a manual run), `{"force": true}`, or what a trigger sends. Anything else is rejected
# by CheckData with an error naming the field.
INPUT_FORCE: Final = "force"
INPUT_SCHEDULED_TIME: Final = "scheduledTime"
INPUT_TRIGGER: Final = "trigger"
INPUT_FIELDS: Final = (INPUT_FORCE, INPUT_SCHEDULED_TIME, INPUT_TRIGGER)
TRIGGER_SCHEDULE: Final = "schedule"
TRIGGER_UPLOAD: Final = "upload"
TRIGGER_MANUAL: Final = "manual"
TRIGGERS: Final = (TRIGGER_SCHEDULE, TRIGGER_UPLOAD, TRIGGER_MANUAL)

# --- state document keys (top level) ------------------------------------------------------------
KEY_DATA: Final = "data"
KEY_STATUS: Final = "status"
KEY_TRAINING: Final = "training"
KEY_DEPLOYMENT: Final = "deployment"
KEY_NOTIFICATION: Final = "notification"
KEY_WAKE: Final = "wake"
KEY_MARKER: Final = "marker"
KEY_ERROR: Final = "error"

# --- fields inside $.data and $.status that the Choice states read ------------------------------
DATA_DECISION: Final = "decision"
DATA_IGNORED_COUNT: Final = "ignoredCount"  # objects under the prefix not trained on
STATUS_STAGE: Final = "stage"
STATUS_STATUS: Final = "status"
STATUS_SERVING: Final = "serving"
STATUS_POLL: Final = "poll"
POLL_COUNT: Final = "count"
POLL_TIMEOUT_SECONDS: Final = "timeoutSeconds"
# ... and those the definition passes from one task to the next.
DATA_NEWEST_DATE: Final = "newestDate"  # the date UpdateParameters writes to the marker
STATUS_NAME: Final = "name"  # the training job or endpoint being watched

# --- the Lambda payloads the definition builds ------------------------------------------------
POLLING: Final = "polling"
POLLING_INITIAL_SECONDS: Final = "initialSeconds"
POLLING_MAX_SECONDS: Final = "maxSeconds"
NOTIFY_KIND: Final = "kind"
NOTIFY_KIND_STATUS: Final = "status"  # the document's latest news
NOTIFY_KIND_FAILURE: Final = "failure"  # $.error, from a Catch

# --- SageMaker state-change events (EventBridge), used to resume CheckStatusWait --------------
EVENT_SOURCE: Final = "aws.sagemaker"
EVENT_TRAINING_STATE_CHANGE: Final = "SageMaker Training Job State Change"
EVENT_ENDPOINT_STATE_CHANGE: Final = "SageMaker Endpoint State Change"

# Error names the functions raise on purpose (Lambda surfaces the exception class name as
# the Step Functions error). Defined here so the definition can catch them by name.
ERROR_DATA_VALIDATION: Final = "DataValidationError"
ERROR_INPUT_VALIDATION: Final = "InputValidationError"
ERROR_STATUS_CHECK_TIMED_OUT: Final = "Pipeline.StatusCheckTimedOut"
ERROR_STATUS_UNREADABLE: Final = "Pipeline.StatusUnreadable"
# The errors an execution ends with (its Fail states): what alarms and dashboards see.
ERROR_TRAINING_FAILED: Final = "TrainingFailed"
ERROR_DEPLOYMENT_FAILED: Final = "DeploymentFailed"


def is_terminal(stage: str, status: str) -> bool:
    """Whether `status` ends the wait for `stage` (unknown stages/statuses never do)."""
    return status in TERMINAL_STATUSES.get(stage, ())


def next_poll_timeout(previous_seconds: int, max_seconds: int) -> int:
    """CheckStatusWait's safety timeout after a poll: doubled, capped at `max_seconds`.

    GetStatus applies it at run time and the definition builder uses it to derive how many
    polls cover a stage's deadline, so the two can never disagree.
    """
    return min(max_seconds, previous_seconds * 2)


# --- further error names the functions raise on purpose (functions/errors.py) ----------------
ERROR_SETTINGS: Final = "SettingsError"  # a cold start with a missing/malformed variable
ERROR_MARKER: Final = "MarkerError"  # the SSM marker is not a YYYY-MM-DD date
ERROR_ENDPOINT_NOT_UPDATABLE: Final = "EndpointNotUpdatableError"  # busy, Failed, ...


def endpoint_event_status(status: str) -> str:
    """How "SageMaker Endpoint State Change" events spell an EndpointStatus.

    DescribeEndpoint says `InService`, `UpdateRollbackFailed`; the events say `IN_SERVICE`,
    `UPDATE_ROLLBACK_FAILED`. Training-job events use the API's spelling. EventBridge rules
    that match endpoint events must use this spelling.
    """
    return "".join(f"_{ch}" if ch.isupper() and i else ch for i, ch in enumerate(status)).upper()
