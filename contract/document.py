"""The state document that flows through an execution, and the payloads built from it.

JSONPath, one owner per top-level key:

    $.input         WrapInput: the execution input as given, whatever JSON it is (CheckData
                    validates it: an object of force / scheduledTime / trigger /
                    allowOlderWindow)
    $.data          CheckData      decision, manifest URI, counts, newest file date, marker
    $.status        StartTrainingJob, GetStatus, DeployModel: the resource being watched
                    {stage, status, name, message, serving, poll: {count, timeoutSeconds,
                    startedAt, deadlineAt, deadlinePassed}, ...}
    $.training      JobCompleted (a copy of $.status when training completed)
    $.deployment    DeploymentCompleted (a copy of $.status when the endpoint is in service)
    $.notification  NotifySlack / NotifyFailure: what was posted (or why not)
    $.wake          CheckStatusWait: why the wait ended (state-change event or timeout)
    $.marker        UpdateParameters: the marker before and after
    $.error         any Catch: {Error, Cause}
    $.lock          ReleaseRunLock: whether this run released the model's run lock, and the
                    follow-up run it started (functions.run_lock)
    $.stop          StopTrainingJob (failure path): whether the run's training job was stopped
"""

from __future__ import annotations

from typing import Final

# --- execution input ------------------------------------------------------------------------
# `{}` (a manual run), `{"force": true}`, or what a trigger sends. Anything else is rejected
# by CheckData with an error naming the field.
INPUT_FORCE: Final = "force"
INPUT_SCHEDULED_TIME: Final = "scheduledTime"
INPUT_TRIGGER: Final = "trigger"
# true lets a run train and deploy a window that ends before the serving model's (a deliberate
# rollback to older data); without it such a run is refused rather than silently rolling back.
INPUT_ALLOW_OLDER_WINDOW: Final = "allowOlderWindow"
INPUT_FIELDS: Final = (INPUT_FORCE, INPUT_SCHEDULED_TIME, INPUT_TRIGGER, INPUT_ALLOW_OLDER_WINDOW)
TRIGGER_SCHEDULE: Final = "schedule"
TRIGGER_UPLOAD: Final = "upload"
TRIGGER_MANUAL: Final = "manual"
# Started by ReleaseRunLock: a run that stood aside with new data asked for it.
TRIGGER_FOLLOW_UP: Final = "follow-up"
TRIGGERS: Final = (TRIGGER_SCHEDULE, TRIGGER_UPLOAD, TRIGGER_MANUAL, TRIGGER_FOLLOW_UP)

# --- top-level keys -------------------------------------------------------------------------
KEY_INPUT: Final = "input"  # the execution input, wrapped by the first state
KEY_DATA: Final = "data"
KEY_STATUS: Final = "status"
KEY_TRAINING: Final = "training"
KEY_DEPLOYMENT: Final = "deployment"
KEY_NOTIFICATION: Final = "notification"
KEY_WAKE: Final = "wake"
KEY_MARKER: Final = "marker"
KEY_ERROR: Final = "error"
KEY_LOCK: Final = "lock"
KEY_STOP: Final = "stop"

# --- CheckData's decision ($.data.decision) -------------------------------------------------
DECISION_TRAIN: Final = "train"
DECISION_NO_NEW_DATA: Final = "no-new-data"
DECISION_RUN_IN_PROGRESS: Final = "run-in-progress"
DECISIONS: Final = (DECISION_TRAIN, DECISION_NO_NEW_DATA, DECISION_RUN_IN_PROGRESS)
# With run-in-progress: the run that holds the model's run lock, and whether this run asked
# it for a follow-up run (it had data the owner does not train on).
DATA_RUNNING_EXECUTION: Final = "runningExecution"
DATA_FOLLOW_UP_REQUESTED: Final = "followUpRequested"

# --- fields inside $.data and $.status that the Choice states read ----------------------------
DATA_DECISION: Final = "decision"
DATA_IGNORED_COUNT: Final = "ignoredCount"  # objects under the prefix not trained on
# Trained window files that changed since (functions.window_check): `{key, reason}`, how many.
DATA_CHANGED_HISTORY: Final = "changedHistory"
DATA_CHANGED_HISTORY_COUNT: Final = "changedHistoryCount"
STATUS_STAGE: Final = "stage"
STATUS_STATUS: Final = "status"
STATUS_SERVING: Final = "serving"
STATUS_POLL: Final = "poll"
POLL_COUNT: Final = "count"
POLL_TIMEOUT_SECONDS: Final = "timeoutSeconds"
# The stage's deadline, as time (contract.waits): when the stage started, when it must end,
# and whether GetStatus found it passed (the boolean CheckStatusBranch routes on).
POLL_STARTED_AT: Final = "startedAt"
POLL_DEADLINE_AT: Final = "deadlineAt"
POLL_DEADLINE_PASSED: Final = "deadlinePassed"
# ... and those the definition passes from one task to the next.
DATA_NEWEST_DATE: Final = "newestDate"  # the date UpdateParameters writes to the marker
STATUS_NAME: Final = "name"  # the training job or endpoint being watched

# --- the Lambda payloads the definition builds ------------------------------------------------
POLLING: Final = "polling"
POLLING_INITIAL_SECONDS: Final = "initialSeconds"
POLLING_MAX_SECONDS: Final = "maxSeconds"
POLLING_DEADLINE_SECONDS: Final = "deadlineSeconds"  # StartTrainingJob / DeployModel only
POLLING_NOW: Final = "now"  # the state's entry time, on the execution's clock
NOTIFY_KIND: Final = "kind"
NOTIFY_KIND_STATUS: Final = "status"  # the document's latest news
NOTIFY_KIND_FAILURE: Final = "failure"  # $.error, from a Catch
NOTIFY_KINDS: Final = (NOTIFY_KIND_STATUS, NOTIFY_KIND_FAILURE)
