"""The retraining pipeline's state machine, built with the `workflow.asl` DSL.

The original sample's states keep their names and types (users know them; `SEED_STATES` in
tests/workflow/test_pipeline_graph.py pins them); what changed and why is in docs/design.md.
Routing is built from the status classification in `contract.status`, so the Choice rules,
the Lambdas and the EventBridge rule can never disagree about which status means what.
Deploy-time values (Lambda ARNs) are `Placeholder`s named by the keys of the Lambda
declarations in `contract.lambdas`; infra resolves them.

`build_pipeline` declares every state first, then wires them in the order a run meets them:
the main path, the wait loop, the failure path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contract import document, errors, lambdas, status
from workflow.asl import (
    Choice,
    Condition,
    Errors,
    Fail,
    JitterType,
    Pass,
    Placeholder,
    Retrier,
    State,
    StateMachine,
    Succeed,
    Task,
)
from workflow.options import PipelineOptions

# --- state names (the one home; tests, bench and docs import them) --------------------------
WRAP_INPUT = "WrapInput"
CHECK_DATA = "CheckData"
CHECK_DATA_BRANCH = "CheckDataBranch"
NO_NEW_DATA = "NoNewData"
NOTIFY_IGNORED_FILES = "NotifyIgnoredFiles"
ANOTHER_RUN_IN_PROGRESS = "AnotherRunInProgress"
NOTIFY_RUN_IN_PROGRESS = "NotifyRunInProgress"
START_TRAINING_JOB = "StartTrainingJob"
NOTIFY_SLACK = "NotifySlack"
NOTIFY_SLACK_BRANCH = "NotifySlackBranch"
NOTIFY_DEPLOYMENT_STARTED = "NotifyDeploymentStarted"
CHECK_STATUS_WAIT = "CheckStatusWait"
GET_STATUS = "GetStatus"
CHECK_STATUS_BRANCH = "CheckStatusBranch"
JOB_COMPLETED = "JobCompleted"
EVALUATE_MODEL = "EvaluateModel"
QUALITY_GATE_BRANCH = "QualityGateBranch"
NOTIFY_MODEL_REJECTED = "NotifyModelRejected"
REGISTER_MODEL = "RegisterModel"
NOTIFY_APPROVAL_REQUESTED = "NotifyApprovalRequested"
ROLLBACK_TARGET = "RollbackTarget"
EVALUATION_UNREADABLE = "EvaluationUnreadable"
DEPLOY_MODEL = "DeployModel"
DEPLOYMENT_COMPLETED = "DeploymentCompleted"
UPDATE_PARAMETERS = "UpdateParameters"
RELEASE_RUN_LOCK = "ReleaseRunLock"
RUN_LOCK_NOT_RELEASED = "RunLockNotReleased"
JOB_FAILED = "JobFailed"
DEPLOYMENT_FAILED = "DeploymentFailed"
STATUS_CHECK_TIMED_OUT = "StatusCheckTimedOut"
STATUS_UNREADABLE = "StatusUnreadable"
STOP_TRAINING_BRANCH = "StopTrainingBranch"
STOP_TRAINING_JOB = "StopTrainingJob"
NOTIFY_FAILURE = "NotifyFailure"
RELEASE_RUN_LOCK_AFTER_FAILURE = "ReleaseRunLockAfterFailure"
FAILURE_BRANCH = "FailureBranch"
MARKER_NOT_ADVANCED = "MarkerNotAdvanced"
EVALUATION_FAILED = "EvaluationFailed"
MODEL_REJECTED = "ModelRejected"
MODEL_NOT_APPROVED = "ModelNotApproved"

CHOICE_STATES = (
    CHECK_DATA_BRANCH,
    NOTIFY_SLACK_BRANCH,
    CHECK_STATUS_BRANCH,
    QUALITY_GATE_BRANCH,
    STOP_TRAINING_BRANCH,
    FAILURE_BRANCH,
)

LAMBDA_CALLBACK_RESOURCE = "arn:aws:states:::lambda:invoke.waitForTaskToken"
# Transient Lambda service errors (AWS's "Handle Lambda service exceptions" best practice).
TRANSIENT_LAMBDA_ERRORS = (
    "Lambda.ClientExecutionTimeoutException",
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)

# Where the tasks leave their results: top-level fields of the state document.
DATA_PATH = f"$.{document.KEY_DATA}"
STATUS_PATH = f"$.{document.KEY_STATUS}"
TRAINING_PATH = f"$.{document.KEY_TRAINING}"
EVALUATION_PATH = f"$.{document.KEY_EVALUATION}"
DEPLOYMENT_PATH = f"$.{document.KEY_DEPLOYMENT}"
NOTIFICATION_PATH = f"$.{document.KEY_NOTIFICATION}"
WAKE_PATH = f"$.{document.KEY_WAKE}"
ERROR_PATH = f"$.{document.KEY_ERROR}"
LOCK_PATH = f"$.{document.KEY_LOCK}"
INPUT_PATH = f"$.{document.KEY_INPUT}"
STOP_PATH = f"$.{document.KEY_STOP}"

# JSONPaths into the state document.
DECISION = f"$.{document.KEY_DATA}.{document.DATA_DECISION}"
IGNORED_COUNT = f"$.{document.KEY_DATA}.{document.DATA_IGNORED_COUNT}"
MARKER_REPAIRED = f"$.{document.KEY_DATA}.{document.DATA_MARKER_REPAIRED}"
ROLLBACK = f"$.{document.KEY_DATA}.{document.DATA_ROLLBACK}"
ROLLBACK_PACKAGE = f"{ROLLBACK}.{document.STATUS_PACKAGE}"
STAGE = f"$.{document.KEY_STATUS}.{document.STATUS_STAGE}"
STATUS = f"$.{document.KEY_STATUS}.{document.STATUS_STATUS}"
NAME = f"$.{document.KEY_STATUS}.{document.STATUS_NAME}"
SERVING = f"$.{document.KEY_STATUS}.{document.STATUS_SERVING}"
POLL_COUNT = f"$.{document.KEY_STATUS}.{document.STATUS_POLL}.{document.POLL_COUNT}"
POLL_TIMEOUT = f"$.{document.KEY_STATUS}.{document.STATUS_POLL}.{document.POLL_TIMEOUT_SECONDS}"
DEADLINE_PASSED = f"$.{document.KEY_STATUS}.{document.STATUS_POLL}.{document.POLL_DEADLINE_PASSED}"
STATUS_MESSAGE = f"$.{document.KEY_STATUS}.message"
PACKAGE = f"$.{document.KEY_STATUS}.{document.STATUS_PACKAGE}"
ERROR_CAUSE = f"$.{document.KEY_ERROR}.Cause"
ERROR_NAME = f"$.{document.KEY_ERROR}.Error"
GATE_DECISION = f"$.{document.KEY_EVALUATION}.{document.EVALUATION_DECISION}"
# The state's entry time on the execution's clock: GetStatus and the tasks that start a
# stage measure the stage's deadline with it (the Lambdas' own clocks play no part).
STATE_ENTERED_TIME = "$$.State.EnteredTime"

EXECUTION_NAME = {"name.$": "$$.Execution.Name"}
EXECUTION = {"name.$": "$$.Execution.Name", "id.$": "$$.Execution.Id"}
# What every status-message task sends notify_slack: the whole document (it picks the news).
SLACK_STATUS_PAYLOAD = {
    document.NOTIFY_KIND: document.NOTIFY_KIND_STATUS,
    "document.$": "$",
    "execution": EXECUTION,
}
# The whole document too: `status` and `data` may be absent, depending on where it failed.
SLACK_FAILURE_PAYLOAD = {
    document.NOTIFY_KIND: document.NOTIFY_KIND_FAILURE,
    "document.$": "$",
    "execution": EXECUTION,
}


def function_timeout_seconds(function: lambdas.LambdaSpec) -> int:
    """A task gives up a little after its function's own timeout."""
    return function.timeout_seconds + 30


def marker_write_retry(options: PipelineOptions) -> Retrier:
    """SSM refusing the marker (MarkerWriteError) is transient until proven otherwise."""
    return Retrier(
        (errors.ERROR_MARKER_WRITE,),
        interval_seconds=options.lambda_retry_interval_seconds,
        max_attempts=options.lambda_retry_attempts,
        backoff_rate=options.lambda_retry_backoff_rate,
        max_delay_seconds=options.lambda_retry_max_delay_seconds,
        jitter_strategy=JitterType.FULL,
    )


def orphaned_training_retry() -> Retrier:
    """CheckData waits, by retrying, while a training job left behind by an aborted or
    timed-out run is Stopping (OrphanedTrainingStoppingError): 30 s, then doubling (full
    jitter), up to about 30 minutes in all; SageMaker's stop usually takes a minute or two.
    When it lasts, the run fails before it trains and the next run checks again."""
    return Retrier(
        (errors.ERROR_ORPHANED_TRAINING_STOPPING,),
        interval_seconds=30,
        max_attempts=6,
        backoff_rate=2.0,
        jitter_strategy=JitterType.FULL,
    )


def transient_lambda_retry(options: PipelineOptions) -> Retrier:
    """The one Retrier every Lambda task of the pipeline has."""
    return Retrier(
        TRANSIENT_LAMBDA_ERRORS,
        interval_seconds=options.lambda_retry_interval_seconds,
        max_attempts=options.lambda_retry_attempts,
        backoff_rate=options.lambda_retry_backoff_rate,
        max_delay_seconds=options.lambda_retry_max_delay_seconds,
        jitter_strategy=JitterType.FULL,
    )


def build_pipeline(options: PipelineOptions | None = None) -> StateMachine:
    """The retraining state machine for one model, shaped by the stack's options."""
    options = options or PipelineOptions()
    tasks = _LambdaTasks(options)
    # Every state exists before any is wired, so the wiring can follow a run top-down.
    main, loop, failure = _MainPath(tasks), _WaitLoop(tasks), _FailurePath(tasks)
    _wire_main_path(main, loop, failure)
    _wire_wait_loop(loop, main, failure, options)
    _wire_failure_path(failure, main, loop)
    return StateMachine(
        main.wrap_input,
        comment=f"Retraining pipeline for model {options.model_name}",
        timeout_seconds=options.state_machine_timeout_seconds,
    )


# --- the states, declared by part of the run -------------------------------------------------
class _LambdaTasks:
    """How the pipeline builds a Lambda task: the function's ARN as Resource, a timeout just
    above the function's own, and the transient-error Retrier."""

    def __init__(self, options: PipelineOptions) -> None:
        self.retry = transient_lambda_retry(options)
        self.options = options
        # CheckStatusWait's safety timeout: the first value, doubled per poll up to the max
        # and never past the stage's deadline.
        self.polling = {
            document.POLLING_INITIAL_SECONDS: options.poll_initial_seconds,
            document.POLLING_MAX_SECONDS: options.poll_max_seconds,
            f"{document.POLLING_NOW}.$": STATE_ENTERED_TIME,
        }

    def stage_polling(self, deadline_seconds: int) -> dict[str, Any]:
        """What the task that starts a stage sends: the polling, plus the stage's deadline."""
        return {**self.polling, document.POLLING_DEADLINE_SECONDS: deadline_seconds}

    def invoke(
        self,
        name: str,
        function: lambdas.LambdaSpec,
        parameters: dict[str, Any],
        result_path: str,
        *,
        comment: str | None = None,
    ) -> Task:
        task = Task(
            name,
            Placeholder(function.key),
            parameters=parameters,
            result_path=result_path,
            timeout_seconds=function_timeout_seconds(function),
            comment=comment,
        )
        return task.retry(self.retry)

    def status_message(self, name: str) -> Task:
        return self.invoke(name, lambdas.NOTIFY_SLACK, SLACK_STATUS_PAYLOAD, NOTIFICATION_PATH)


class _MainPath:
    """CheckData → StartTrainingJob → NotifySlack → EvaluateModel → QualityGateBranch →
    DeployModel → ... → UpdateParameters."""

    def __init__(self, tasks: _LambdaTasks) -> None:
        run_context = {
            **EXECUTION,
            "startTime.$": "$$.Execution.StartTime",
            "stateMachineArn.$": "$$.StateMachine.Id",
        }
        # StartExecution accepts any JSON ([], "x", 42, null). A Catch's ResultPath on a
        # non-object fails the run with States.Runtime before anyone hears why, so the raw
        # input is first wrapped into an object: every later state sees `{input: ...}` and
        # CheckData's InputValidationError reaches $.error and Slack like any other error.
        self.wrap_input = Pass(
            WRAP_INPUT,
            parameters={"input.$": "$"},
            comment="Wraps the execution input as $.input, whatever JSON it is",
        )
        self.check_data = tasks.invoke(
            CHECK_DATA,
            lambdas.CHECK_DATA,
            {"input.$": INPUT_PATH, "execution": run_context},
            DATA_PATH,
        ).retry(orphaned_training_retry())
        self.check_data_branch = Choice(
            CHECK_DATA_BRANCH, comment="Train only when there is data newer than the marker"
        )
        # Another run holds the model's run lock: Slack hears who, and whether that run
        # starts a follow-up for this one's new data ($.data.message says both).
        self.notify_run_in_progress = tasks.status_message(NOTIFY_RUN_IN_PROGRESS)
        self.another_run = Succeed(
            ANOTHER_RUN_IN_PROGRESS,
            comment="Another execution holds the model's run lock and trains",
        )
        # Nothing to train, but objects were ignored (a bad name, a future date): someone must
        # hear which, or a misnamed upload would wait silently forever. Also where a run that
        # advanced the marker to the serving model's date (a marker write that failed earlier,
        # $.data.markerRepaired) says so before it ends with nothing new to train.
        self.notify_ignored = tasks.status_message(NOTIFY_IGNORED_FILES)
        self.no_new_data = Succeed(
            NO_NEW_DATA, comment="No file newer than the marker: nothing trained"
        )
        self.start_training_job = tasks.invoke(
            START_TRAINING_JOB,
            lambdas.START_TRAINING_JOB,
            {
                "data.$": DATA_PATH,
                "execution": EXECUTION_NAME,
                "polling": tasks.stage_polling(tasks.options.training_deadline_seconds),
            },
            STATUS_PATH,
        )
        # Every status change (training started, finished, deployment finished) passes here.
        self.notify_slack = tasks.status_message(NOTIFY_SLACK)
        self.notify_slack_branch = Choice(
            NOTIFY_SLACK_BRANCH, comment="Routes on stage + status after each Slack message"
        )
        self.job_completed = Pass(
            JOB_COMPLETED,
            input_path=STATUS_PATH,
            result_path=TRAINING_PATH,
            comment="Keeps the finished training job (artefact, metrics) as $.training",
        )
        # The quality gate: the new model and the serving one scored on the run's holdout.
        self.evaluate_model = tasks.invoke(
            EVALUATE_MODEL,
            lambdas.EVALUATE_MODEL,
            {"data.$": DATA_PATH, "training.$": TRAINING_PATH, "execution": EXECUTION_NAME},
            EVALUATION_PATH,
        )
        # Every evaluated model is registered (the registry's history is whole): Approved
        # (automatic approval), PendingManualApproval, or Rejected by the gate. Its status
        # document (stage approval) carries the package DeployModel deploys.
        approval_deadline = tasks.options.approval_timeout_seconds
        self.register_model = tasks.invoke(
            REGISTER_MODEL,
            lambdas.REGISTER_MODEL,
            {
                "data.$": DATA_PATH,
                "training.$": TRAINING_PATH,
                "evaluation.$": EVALUATION_PATH,
                "execution": EXECUTION,
                # One wait covers the whole approval deadline: no polling while a person
                # decides; the package's state-change event ends it.
                "polling": {
                    document.POLLING_INITIAL_SECONDS: approval_deadline,
                    document.POLLING_MAX_SECONDS: approval_deadline,
                    f"{document.POLLING_NOW}.$": STATE_ENTERED_TIME,
                    document.POLLING_DEADLINE_SECONDS: approval_deadline,
                },
            },
            STATUS_PATH,
        )
        self.quality_gate_branch = Choice(
            QUALITY_GATE_BRANCH,
            comment="Deploys only a model the quality gate let through and the registry approved",
        )
        # Manual approval: Slack hears what waits and how to approve or reject it.
        self.notify_approval_requested = tasks.status_message(NOTIFY_APPROVAL_REQUESTED)
        # Rejected: Slack hears both scores and the bound, then the run ends in ModelRejected
        # through the failure path's release of the run lock.
        self.notify_model_rejected = tasks.status_message(NOTIFY_MODEL_REJECTED)
        # A rollback run (functions.rollback): CheckData resolved an earlier approved package;
        # its approval-stage status document becomes $.status, which DeployModel deploys.
        # No training, no gate.
        self.rollback_target = Pass(
            ROLLBACK_TARGET,
            input_path=ROLLBACK,
            result_path=STATUS_PATH,
            comment="Puts the earlier approved package a rollback redeploys in $.status",
        )
        self.deploy_model = tasks.invoke(
            DEPLOY_MODEL,
            lambdas.DEPLOY_MODEL,
            {
                # The registry's package: DeployModel re-describes it and deploys it only
                # when Approved (a rollback's Pass puts the earlier package here too).
                "package.$": f"{STATUS_PATH}.{document.STATUS_PACKAGE}",
                "data.$": DATA_PATH,
                "execution": EXECUTION_NAME,
                # A guarded rollout's whole MaximumExecutionTimeout included (workflow.options).
                "polling": tasks.stage_polling(tasks.options.deployment_deadline_seconds),
            },
            STATUS_PATH,
        )
        # The seed went DeployModel -> NotifySlack, which closes a cycle through
        # NotifySlackBranch with no wait in it. Announcing the deployment from its own state
        # keeps every cycle behind CheckStatusWait, which the validator (and a property test)
        # insist on.
        self.notify_deployment_started = tasks.status_message(NOTIFY_DEPLOYMENT_STARTED)
        self.deployment_completed = Pass(
            DEPLOYMENT_COMPLETED,
            input_path=STATUS_PATH,
            result_path=DEPLOYMENT_PATH,
            comment="The endpoint serves this run's model",
        )
        # The only writer of the marker: the data counts as used once the new model serves.
        # SSM refusing the write (throttled, a 500) is retried like a Lambda service error;
        # when it lasts, the run ends in MarkerNotAdvanced, which says the new model serves.
        self.update_parameters = tasks.invoke(
            UPDATE_PARAMETERS,
            lambdas.UPDATE_PARAMETERS,
            {
                f"{document.DATA_NEWEST_DATE}.$": f"{DATA_PATH}.{document.DATA_NEWEST_DATE}",
                # An older window deployed on purpose moves the marker back to its newest day.
                f"{document.DATA_ALLOW_OLDER_WINDOW}.$": (
                    f"{DATA_PATH}.{document.DATA_ALLOW_OLDER_WINDOW}"
                ),
                "execution": EXECUTION_NAME,
                # What serves: a lasting SSM failure names it (MarkerNotAdvanced).
                "deployment.$": DEPLOYMENT_PATH,
            },
            f"$.{document.KEY_MARKER}",
        ).retry(marker_write_retry(tasks.options))
        # The run lock CheckData took is given back; the follow-up run starts from here.
        self.release_run_lock = tasks.invoke(
            RELEASE_RUN_LOCK, lambdas.RELEASE_RUN_LOCK, {"execution": EXECUTION}, LOCK_PATH
        )
        # The model serves and the marker advanced; only the release (or the follow-up it
        # starts) failed: the run fails with its RunLockError as the cause, so the alarm fires.
        self.run_lock_not_released = Fail(
            RUN_LOCK_NOT_RELEASED,
            error=errors.ERROR_RUN_LOCK_NOT_RELEASED,
            cause_path=f"{LOCK_PATH}.Cause",
        )


class _WaitLoop:
    """CheckStatusWait → GetStatus → CheckStatusBranch, until SageMaker reaches a final
    status or the polls covering the stage's deadline are used up."""

    def __init__(self, tasks: _LambdaTasks) -> None:
        self.check_status_wait = Task(
            CHECK_STATUS_WAIT,
            LAMBDA_CALLBACK_RESOURCE,
            parameters={
                "FunctionName": Placeholder(lambdas.AWAIT_STATUS.key),
                "Payload": {
                    "taskToken.$": "$$.Task.Token",
                    "stage.$": STAGE,
                    "name.$": NAME,
                    "execution": EXECUTION_NAME,
                },
            },
            timeout_seconds_path=POLL_TIMEOUT,
            result_path=WAKE_PATH,
            comment="Waits for SageMaker's state-change event; the timeout is the safety poll",
        ).retry(tasks.retry)
        self.get_status = tasks.invoke(
            GET_STATUS,
            lambdas.GET_STATUS,
            {"status.$": STATUS_PATH, "polling": tasks.polling},
            STATUS_PATH,
        )
        self.check_status_branch = Choice(
            CHECK_STATUS_BRANCH, comment="Final status: tell Slack; otherwise wait again"
        )


class _FailurePath:
    """NotifyFailure → FailureBranch → JobFailed, EvaluationFailed, ModelRejected,
    DeploymentFailed or MarkerNotAdvanced: the end of every run that went wrong."""

    def __init__(self, tasks: _LambdaTasks) -> None:
        # A run that fails while its training job may still run stops it first: a job left
        # InProgress is billed until MaxRuntime.
        self.stop_training_branch = Choice(
            STOP_TRAINING_BRANCH, comment="A training job this run started may still be running"
        )
        self.stop_training_job = tasks.invoke(
            STOP_TRAINING_JOB,
            lambdas.STOP_TRAINING_JOB,
            {"status.$": STATUS_PATH},
            STOP_PATH,
            comment="Stops the run's training job; its own failure never hides the original one",
        )
        # The wait loop's own verdicts, in the shape of a caught error so NotifyFailure and
        # Slack treat them like any other.
        self.status_check_timed_out = Pass(
            STATUS_CHECK_TIMED_OUT,
            parameters={
                "Error": errors.ERROR_STATUS_CHECK_TIMED_OUT,
                "Cause": "SageMaker did not reach a final status within the stage's deadline "
                "(training: MaxRuntime or MaxWait plus the overhead; deployment: its timeout)",
            },
            result_path=ERROR_PATH,
        )
        # An $.evaluation without a decision the gate knows: nothing deploys on it.
        self.evaluation_unreadable = Pass(
            EVALUATION_UNREADABLE,
            parameters={
                "Error": errors.ERROR_EVALUATION_UNREADABLE,
                "Cause": "The evaluation document lacks a decision the quality gate knows "
                f"({', '.join(document.GATE_DECISIONS)}): nothing was deployed",
            },
            result_path=ERROR_PATH,
        )
        self.status_unreadable = Pass(
            STATUS_UNREADABLE,
            parameters={
                "Error": errors.ERROR_STATUS_UNREADABLE,
                "Cause": "The status document lacks its stage, name or poll counters",
            },
            result_path=ERROR_PATH,
        )
        self.notify_failure = tasks.invoke(
            NOTIFY_FAILURE,
            lambdas.NOTIFY_SLACK,
            SLACK_FAILURE_PAYLOAD,
            NOTIFICATION_PATH,
            comment="Tells Slack what failed; its own failure never hides the original one",
        )
        # Every failed run gives the run lock back (if it took it) before it ends; an aborted
        # or timed-out run never gets here, and the next run reclaims its lock instead.
        self.release_run_lock = tasks.invoke(
            RELEASE_RUN_LOCK_AFTER_FAILURE,
            lambdas.RELEASE_RUN_LOCK,
            {"execution": EXECUTION},
            LOCK_PATH,
            comment="Releases the run lock; its own failure never hides the original error",
        )
        self.failure_branch = Choice(
            FAILURE_BRANCH, comment="What the run reached decides the Fail state"
        )
        self.job_failed = Fail(
            JOB_FAILED,
            error=errors.ERROR_TRAINING_FAILED,
            cause="The data check (the input, the data files, or an endpoint that is not "
            "InService) or the training failed (a training job of this run still running was "
            "stopped); no new model was deployed and the marker is untouched, so the data is "
            "retried next run. Slack and the execution history have the details.",
        )
        self.deployment_failed = Fail(
            DEPLOYMENT_FAILED,
            error=errors.ERROR_DEPLOYMENT_FAILED,
            cause="The model this run deployed (newly trained, or the earlier approved package a "
            "rollback redeploys) is not serving: the endpoint keeps serving the previous model "
            "(or, when it is not InService, needs attention); the marker is untouched, so a "
            "training run's data is retried next run and a rollback can be started again. "
            "Slack has the details.",
        )
        self.evaluation_failed = Fail(
            EVALUATION_FAILED,
            error=errors.ERROR_EVALUATION_FAILED,
            cause="The quality gate could not evaluate the new model (no file left to train on "
            "after the holdout, an empty holdout, no test metric, the endpoint failing to "
            "answer): nothing was deployed, the endpoint keeps serving the previous model and "
            "the marker is untouched. Slack and the execution history have the reason.",
        )
        # The registry's Rejected (a person, or the approval deadline passing): the cause is
        # the status message, which names who or what rejected it and why.
        self.model_not_approved = Fail(
            MODEL_NOT_APPROVED, error=errors.ERROR_MODEL_NOT_APPROVED, cause_path=STATUS_MESSAGE
        )
        self.model_rejected = Fail(
            MODEL_REJECTED,
            error=errors.ERROR_MODEL_REJECTED,
            cause="The quality gate rejected the new model (it scored worse than its bounds "
            "allow on the holdout): the endpoint keeps serving the previous model and the "
            "marker is untouched. The scores are in the run output and next to the run's "
            "manifest; the model's artefact stays under the artefact prefix. Check the "
            'data, or start a run with {"overrideQualityGate": true} to deploy it anyway.',
        )
        # Reached only after DeploymentCompleted. The cause is UpdateParameters' error: for
        # SSM's lasting refusal (MarkerWriteError) which model serves, the date the marker
        # should hold, and the command that sets it.
        self.marker_not_advanced = Fail(
            MARKER_NOT_ADVANCED, error=errors.ERROR_MARKER_NOT_ADVANCED, cause_path=ERROR_CAUSE
        )


# --- the wiring, in the order a run meets it -------------------------------------------------
def _wire_main_path(main: _MainPath, loop: _WaitLoop, failure: _FailurePath) -> None:
    main.wrap_input.next(main.check_data)
    main.check_data.next(main.check_data_branch)
    (
        main.check_data_branch.when(
            _string_is(DECISION, document.DECISION_TRAIN), main.start_training_job
        )
        .when(_string_is(DECISION, document.DECISION_RUN_IN_PROGRESS), main.notify_run_in_progress)
        # DeployModel reads the package from it: a document without one cannot be deployed.
        .when(
            Condition.and_(
                _string_is(DECISION, document.DECISION_ROLLBACK),
                Condition.is_present(ROLLBACK_PACKAGE),
            ),
            main.rollback_target,
        )
        .when(_string_is(DECISION, document.DECISION_ROLLBACK), failure.status_unreadable)
        .when(Condition.or_(_files_ignored(), _marker_repaired()), main.notify_ignored)
        .otherwise(main.no_new_data)
    )
    _carry_on(main.notify_ignored, main.no_new_data)
    _carry_on(main.notify_run_in_progress, main.another_run)
    main.rollback_target.next(main.deploy_model)

    main.start_training_job.next(main.notify_slack)
    _carry_on(main.notify_slack, main.notify_slack_branch)
    (
        main.notify_slack_branch.when(
            _status_in(status.STAGE_TRAINING, status.TRAINING_SUCCEEDED), main.job_completed
        )
        # The final failures go through the run lock's release to FailureBranch, which picks
        # the same Fail state by what the run reached (no $.training: JobFailed).
        .when(_status_in(status.STAGE_TRAINING, status.TRAINING_FAILED), failure.release_run_lock)
        .when(
            Condition.and_(
                _status_in(status.STAGE_DEPLOYMENT, status.ENDPOINT_SUCCEEDED), _serving()
            ),
            main.deployment_completed,
        )
        # InService without our config: the update was rolled back; the old model serves.
        .when(
            _status_in(status.STAGE_DEPLOYMENT, status.ENDPOINT_SUCCEEDED),
            failure.release_run_lock,
        )
        .when(_status_in(status.STAGE_DEPLOYMENT, status.ENDPOINT_FAILED), failure.release_run_lock)
        # The approval decided: Approved deploys; Rejected (a person, the deadline) ends the
        # run in ModelNotApproved through the lock's release.
        .when(_approved(), main.deploy_model)
        .when(_status_in(status.STAGE_APPROVAL, status.APPROVAL_FAILED), failure.release_run_lock)
        .when(Condition.not_(_readable_status()), failure.status_unreadable)
        # Not final: the training just started, or a status this code does not know yet.
        .otherwise(loop.check_status_wait)
    )

    main.job_completed.next(main.evaluate_model).next(main.register_model)
    main.register_model.next(main.quality_gate_branch)
    gate_deploys = _string_is(GATE_DECISION, document.GATE_DEPLOY)
    (
        main.quality_gate_branch.when(
            _string_is(GATE_DECISION, document.GATE_REJECT), main.notify_model_rejected
        )
        .when(
            Condition.and_(gate_deploys, _approved()),
            main.deploy_model,
        )
        .when(
            Condition.and_(
                gate_deploys,
                _status_in(status.STAGE_APPROVAL, status.APPROVAL_WAITING),
                _readable_status(),
            ),
            main.notify_approval_requested,
        )
        .otherwise(failure.evaluation_unreadable)
    )
    _carry_on(main.notify_model_rejected, failure.release_run_lock)
    _carry_on(main.notify_approval_requested, loop.check_status_wait)
    main.deploy_model.next(main.notify_deployment_started)
    _carry_on(main.notify_deployment_started, loop.check_status_wait)

    # ReleaseRunLock ends the run (a failure to release fails it: the next run reclaims).
    main.deployment_completed.next(main.update_parameters).next(main.release_run_lock)
    main.release_run_lock.catch([Errors.ALL], main.run_lock_not_released, result_path=LOCK_PATH)


def _wire_wait_loop(
    loop: _WaitLoop, main: _MainPath, failure: _FailurePath, options: PipelineOptions
) -> None:
    # A lost SageMaker event ends the wait by timeout: GetStatus then polls once. This Catch
    # must come before the failure path's catch-all, which is added afterwards.
    loop.check_status_wait.catch([Errors.TIMEOUT], loop.get_status, result_path=WAKE_PATH)
    loop.check_status_wait.next(loop.get_status).next(loop.check_status_branch)
    terminal = Condition.or_(
        *(_status_in(stage, status.TERMINAL_STATUSES[stage]) for stage in status.STAGES)
    )
    (
        loop.check_status_branch.when(Condition.not_(_readable_status()), failure.status_unreadable)
        # Approved: deploy now (DeployModel's own message announces it).
        .when(_approved(), main.deploy_model)
        .when(terminal, main.notify_slack)
        .when(_deadline_passed(), failure.status_check_timed_out)
        .when(
            _polls_used_up(status.STAGE_TRAINING, options.training_poll_cap),
            failure.status_check_timed_out,
        )
        .when(
            _polls_used_up(status.STAGE_DEPLOYMENT, options.deployment_poll_cap),
            failure.status_check_timed_out,
        )
        .when(
            _polls_used_up(status.STAGE_APPROVAL, options.approval_poll_cap),
            failure.status_check_timed_out,
        )
        .otherwise(loop.check_status_wait)
    )


def _wire_failure_path(failure: _FailurePath, main: _MainPath, loop: _WaitLoop) -> None:
    # Every task that does the work hands an error its retries did not cure to NotifyFailure;
    # those that can fail while the run's training job runs stop it first.
    for task in (
        main.check_data,
        main.evaluate_model,
        main.register_model,
        main.deploy_model,
        main.update_parameters,
    ):
        task.catch([Errors.ALL], failure.notify_failure, result_path=ERROR_PATH)
    for task in (main.start_training_job, loop.check_status_wait, loop.get_status):
        task.catch([Errors.ALL], failure.stop_training_branch, result_path=ERROR_PATH)
    failure.status_check_timed_out.next(failure.stop_training_branch)
    failure.status_unreadable.next(failure.stop_training_branch)
    failure.evaluation_unreadable.next(failure.notify_failure)
    failure.stop_training_branch.when(
        Condition.and_(
            _string_is(STAGE, status.STAGE_TRAINING),
            Condition.is_present(NAME),
            Condition.is_string(NAME),
        ),
        failure.stop_training_job,
    ).otherwise(failure.notify_failure)
    # Stopped or not, the run goes on to tell the original error ($.error is untouched).
    failure.stop_training_job.catch(
        [Errors.ALL], failure.notify_failure, result_path=STOP_PATH
    ).next(failure.notify_failure)
    _carry_on(failure.notify_failure, failure.release_run_lock)
    failure.release_run_lock.catch(
        [Errors.ALL], failure.failure_branch, result_path=LOCK_PATH
    ).next(failure.failure_branch)
    # By what the run reached, not by the stage it watched last: once the new model serves
    # ($.deployment) only the marker can have failed; a model the gate rejected ends as
    # such; a gate that could not decide (CheckData's holdout, EvaluateModel, an unreadable
    # evaluation) fails as an evaluation; after the gate let the model through
    # ($.training and a deploy decision) a failure is a deployment failure.
    (
        failure.failure_branch.when(
            Condition.is_present(DEPLOYMENT_PATH), failure.marker_not_advanced
        )
        .when(_string_is(GATE_DECISION, document.GATE_REJECT), failure.model_rejected)
        .when(_string_is(ERROR_NAME, errors.ERROR_EVALUATION), failure.evaluation_failed)
        .when(
            Condition.and_(
                Condition.is_present(TRAINING_PATH),
                Condition.not_(_string_is(GATE_DECISION, document.GATE_DEPLOY)),
            ),
            failure.evaluation_failed,
        )
        .when(
            Condition.and_(
                _status_in(status.STAGE_APPROVAL, status.APPROVAL_FAILED),
                Condition.is_present(STATUS_MESSAGE),
                Condition.is_string(STATUS_MESSAGE),
            ),
            failure.model_not_approved,
        )
        # A rollback trains nothing: what fails after CheckData is its deployment.
        .when(
            Condition.or_(
                Condition.is_present(TRAINING_PATH),
                _string_is(DECISION, document.DECISION_ROLLBACK),
            ),
            failure.deployment_failed,
        )
        .otherwise(failure.job_failed)
    )


def _carry_on(notification: Task, then: State) -> None:
    """A Slack message is news, not work: whether it fails or not, the run goes on to `then`."""
    notification.catch([Errors.ALL], then, result_path=NOTIFICATION_PATH).next(then)


# --- Choice conditions -----------------------------------------------------------------------
def _string_is(path: str, value: str) -> Condition:
    """Path present, a string, and equal: AWS fails the run (States.Runtime) on a missing path."""
    return Condition.and_(
        Condition.is_present(path), Condition.is_string(path), Condition.string_equals(path, value)
    )


def _status_in(stage: str, statuses: Sequence[str]) -> Condition:
    status_matches = [Condition.string_equals(STATUS, s) for s in statuses]
    return Condition.and_(
        _string_is(STAGE, stage),
        Condition.is_present(STATUS),
        Condition.is_string(STATUS),
        status_matches[0] if len(status_matches) == 1 else Condition.or_(*status_matches),
    )


def _readable_status() -> Condition:
    """What CheckStatusWait, GetStatus and CheckStatusBranch need from $.status; anything
    else cannot be polled."""
    return Condition.and_(
        Condition.is_present(STAGE),
        Condition.is_string(STAGE),
        Condition.or_(*(Condition.string_equals(STAGE, stage) for stage in status.STAGES)),
        Condition.is_present(NAME),
        Condition.is_string(NAME),
        Condition.is_present(POLL_COUNT),
        Condition.is_numeric(POLL_COUNT),
        Condition.is_present(POLL_TIMEOUT),
        Condition.is_numeric(POLL_TIMEOUT),
        Condition.is_present(DEADLINE_PASSED),
        Condition.is_boolean(DEADLINE_PASSED),
    )


def _approved() -> Condition:
    """The registry approved the package, and the document carries it (DeployModel's input:
    a missing path would fail the run with States.Runtime, which no Catch handles)."""
    return Condition.and_(
        _status_in(status.STAGE_APPROVAL, status.APPROVAL_SUCCEEDED),
        Condition.is_present(PACKAGE),
    )


def _serving() -> Condition:
    """The endpoint serves this run's EndpointConfig (not a rolled-back previous one)."""
    return Condition.and_(
        Condition.is_present(SERVING),
        Condition.is_boolean(SERVING),
        Condition.boolean_equals(SERVING, True),
    )


def _marker_repaired() -> Condition:
    """CheckData advanced the marker to the serving model's date (an object; absent if not)."""
    return Condition.and_(
        Condition.is_present(MARKER_REPAIRED), Condition.is_null(MARKER_REPAIRED, False)
    )


def _files_ignored() -> Condition:
    return Condition.and_(
        Condition.is_present(IGNORED_COUNT),
        Condition.is_numeric(IGNORED_COUNT),
        Condition.numeric_greater_than(IGNORED_COUNT, 0),
    )


def _polls_used_up(stage: str, cap: int) -> Condition:
    """The last resort: this stage polled `cap` times without reaching its deadline."""
    return Condition.and_(
        _string_is(STAGE, stage), Condition.numeric_greater_than_equals(POLL_COUNT, cap)
    )


def _deadline_passed() -> Condition:
    """GetStatus found the stage's deadline passed: stop waiting for SageMaker."""
    return Condition.boolean_equals(DEADLINE_PASSED, True)
