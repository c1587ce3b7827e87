"""The state document that flows through an execution, and the payloads built from it.

JSONPath, one owner per top-level key:

    $.input         WrapInput: the execution input as given, whatever JSON it is (CheckData
                    validates it: an object of force / scheduledTime / trigger /
                    allowOlderWindow / overrideQualityGate / rollbackTo)
    $.data          CheckData      decision, manifest URI, counts, newest file date, marker
    $.status        StartTrainingJob, RegisterModel, GetStatus, DeployModel: the resource
                    being watched (stage approval: the model package, `package` below)
                    {stage, status, name, message, serving, poll: {count, timeoutSeconds,
                    startedAt, deadlineAt, deadlinePassed}, ...}
    $.training      JobCompleted (a copy of $.status when training completed)
    $.evaluation    EvaluateModel: the quality gate's scores and decision (functions.quality_gate)
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
# true makes the quality gate advisory for this run: the scores are computed and reported, and
# a model the bounds would reject is deployed anyway, marked `overridden`.
INPUT_OVERRIDE_QUALITY_GATE: Final = "overrideQualityGate"
# "previous", a version number or a model package version ARN: the run trains nothing and
# redeploys that earlier approved package of the model's registry (functions.rollback).
INPUT_ROLLBACK_TO: Final = "rollbackTo"
INPUT_FIELDS: Final = (
    INPUT_FORCE,
    INPUT_SCHEDULED_TIME,
    INPUT_TRIGGER,
    INPUT_ALLOW_OLDER_WINDOW,
    INPUT_OVERRIDE_QUALITY_GATE,
    INPUT_ROLLBACK_TO,
)
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
KEY_EVALUATION: Final = "evaluation"
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
# The input asked for a rollback: `$.data.rollback` is the approval-stage status document of
# the package to redeploy (status Approved, package.rollback true), which RollbackTarget puts
# in $.status for DeployModel; `newestDate` is the package's, `allowOlderWindow` true.
DECISION_ROLLBACK: Final = "rollback"
DECISIONS: Final = (
    DECISION_TRAIN,
    DECISION_NO_NEW_DATA,
    DECISION_RUN_IN_PROGRESS,
    DECISION_ROLLBACK,
)
DATA_ROLLBACK: Final = "rollback"
# With run-in-progress: the run that holds the model's run lock, and whether this run asked
# it for a follow-up run (it had data the owner does not train on).
DATA_RUNNING_EXECUTION: Final = "runningExecution"
DATA_FOLLOW_UP_REQUESTED: Final = "followUpRequested"

# The serving model covered a newer date than the marker (a run's marker write failed after
# its model went into service): CheckData advanced the marker first. `{before, after,
# servingRun, endpointConfigName, fingerprintsPromoted}`; absent when nothing was repaired.
DATA_MARKER_REPAIRED: Final = "markerRepaired"

# --- the holdout ($.data): the newest days of the window, never trained on by this run --------
DATA_MANIFEST_URI: Final = "manifestUri"  # the training channel's ManifestFile
DATA_HOLDOUT_MANIFEST_URI: Final = "holdoutManifestUri"  # the test channel's ManifestFile
DATA_HOLDOUT_FILE_COUNT: Final = "holdoutFileCount"
DATA_HOLDOUT_START: Final = "holdoutStart"  # first and last date of the holdout
DATA_HOLDOUT_END: Final = "holdoutEnd"
DATA_OVERRIDE_QUALITY_GATE: Final = INPUT_OVERRIDE_QUALITY_GATE  # the run input, as validated
# The run input, as validated: UpdateParameters then sets the marker to this run's newest date
# even when that moves it back, so the newer days the older model lacks are trained next run.
DATA_ALLOW_OLDER_WINDOW: Final = INPUT_ALLOW_OLDER_WINDOW

# --- the drift report ($.data.drift, functions.drift): the new files against the window's rest -
# `{threshold, newCount, baselineCount, withoutStatsCount, shiftedCount, shifted: [{column,
# name, statistic, value, newMean, baselineMean, newSd, baselineSd}], summary}`.
DATA_DRIFT: Final = "drift"
DRIFT_THRESHOLD: Final = "threshold"
DRIFT_NEW_FILES: Final = "newCount"  # files this run read for the first time
DRIFT_BASELINE_FILES: Final = "baselineCount"  # the rest of the window, with recorded stats
DRIFT_FILES_WITHOUT_STATS: Final = "withoutStatsCount"  # recorded before stats: left out
DRIFT_SHIFTED: Final = "shifted"  # the columns that shifted (the first functions.drift.MAX_SHOWN)
DRIFT_SHIFTED_COUNT: Final = "shiftedCount"
DRIFT_SUMMARY: Final = "summary"  # one line for people: Slack, the session
# The statistic a column shifted by: standardized mean difference, or sd ratio.
DRIFT_MEAN_SHIFT: Final = "meanShift"
DRIFT_SD_RATIO: Final = "sdRatio"

# --- the quality gate's decision ($.evaluation.decision) ------------------------------------
EVALUATION_DECISION: Final = "decision"
GATE_DEPLOY: Final = "deploy"
GATE_REJECT: Final = "reject"
GATE_DECISIONS: Final = (GATE_DEPLOY, GATE_REJECT)

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
# The deployment stage's update (DeployModel): how it shifts traffic (contract.rollout) and
# the alarms that may roll it back; GetStatus names the one that fired after a rollback.
STATUS_UPDATE_STRATEGY: Final = "updateStrategy"
STATUS_ROLLBACK_ALARMS: Final = "rollbackAlarms"
STATUS_FIRED_ALARMS: Final = "firedAlarms"  # those of rollbackAlarms that rolled it back

# --- the model package ($.status.package, stage approval; functions.model_registry) ----------
# `{arn, group, version, approvalStatus, approvalDescription, decidedBy, trainingJob,
# artifactUri, image, newestDate, windowStart, windowEnd, fileCount, manifestUri, execution,
# metric, challengerScore, championScore, gitRevision, rollback}`, built from
# DescribeModelPackage by one function; DeployModel's event carries it.
STATUS_PACKAGE: Final = "package"
PACKAGE_ARN: Final = "arn"
PACKAGE_GROUP: Final = "group"
PACKAGE_VERSION: Final = "version"
PACKAGE_APPROVAL_STATUS: Final = "approvalStatus"
PACKAGE_APPROVAL_DESCRIPTION: Final = "approvalDescription"
PACKAGE_DECIDED_BY: Final = "decidedBy"
PACKAGE_TRAINING_JOB: Final = "trainingJob"
PACKAGE_ARTIFACT_URI: Final = "artifactUri"
PACKAGE_IMAGE: Final = "image"
PACKAGE_NEWEST_DATE: Final = "newestDate"
PACKAGE_WINDOW_START: Final = "windowStart"
PACKAGE_WINDOW_END: Final = "windowEnd"
PACKAGE_FILE_COUNT: Final = "fileCount"
PACKAGE_MANIFEST_URI: Final = "manifestUri"
PACKAGE_EXECUTION: Final = "execution"
PACKAGE_METRIC: Final = "metric"
PACKAGE_CHALLENGER_SCORE: Final = "challengerScore"
PACKAGE_CHAMPION_SCORE: Final = "championScore"
PACKAGE_GIT_REVISION: Final = "gitRevision"
PACKAGE_ROLLBACK: Final = "rollback"  # true: a rollback run redeploys this earlier package

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
