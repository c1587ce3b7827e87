"""The state document that flows through an execution, and the payloads built from it.

JSONPath, one owner per top-level key:

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

# --- top-level keys -------------------------------------------------------------------------
KEY_DATA: Final = "data"
KEY_STATUS: Final = "status"
KEY_TRAINING: Final = "training"
KEY_DEPLOYMENT: Final = "deployment"
KEY_NOTIFICATION: Final = "notification"
KEY_WAKE: Final = "wake"
KEY_MARKER: Final = "marker"
KEY_ERROR: Final = "error"

# --- CheckData's decision ($.data.decision) -------------------------------------------------
DECISION_TRAIN: Final = "train"
DECISION_NO_NEW_DATA: Final = "no-new-data"
DECISION_RUN_IN_PROGRESS: Final = "run-in-progress"
DECISIONS: Final = (DECISION_TRAIN, DECISION_NO_NEW_DATA, DECISION_RUN_IN_PROGRESS)

# --- fields inside $.data and $.status that the Choice states read ----------------------------
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
NOTIFY_KINDS: Final = (NOTIFY_KIND_STATUS, NOTIFY_KIND_FAILURE)
