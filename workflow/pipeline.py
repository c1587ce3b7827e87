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
CHECK_DATA = "CheckData"
CHECK_DATA_BRANCH = "CheckDataBranch"
NO_NEW_DATA = "NoNewData"
NOTIFY_IGNORED_FILES = "NotifyIgnoredFiles"
ANOTHER_RUN_IN_PROGRESS = "AnotherRunInProgress"
START_TRAINING_JOB = "StartTrainingJob"
NOTIFY_SLACK = "NotifySlack"
NOTIFY_SLACK_BRANCH = "NotifySlackBranch"
NOTIFY_DEPLOYMENT_STARTED = "NotifyDeploymentStarted"
CHECK_STATUS_WAIT = "CheckStatusWait"
GET_STATUS = "GetStatus"
CHECK_STATUS_BRANCH = "CheckStatusBranch"
JOB_COMPLETED = "JobCompleted"
DEPLOY_MODEL = "DeployModel"
DEPLOYMENT_COMPLETED = "DeploymentCompleted"
UPDATE_PARAMETERS = "UpdateParameters"
JOB_FAILED = "JobFailed"
DEPLOYMENT_FAILED = "DeploymentFailed"
STATUS_CHECK_TIMED_OUT = "StatusCheckTimedOut"
STATUS_UNREADABLE = "StatusUnreadable"
NOTIFY_FAILURE = "NotifyFailure"
FAILURE_BRANCH = "FailureBranch"

CHOICE_STATES = (CHECK_DATA_BRANCH, NOTIFY_SLACK_BRANCH, CHECK_STATUS_BRANCH, FAILURE_BRANCH)

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
NOTIFICATION_PATH = f"$.{document.KEY_NOTIFICATION}"
WAKE_PATH = f"$.{document.KEY_WAKE}"
ERROR_PATH = f"$.{document.KEY_ERROR}"

# JSONPaths into the state document.
DECISION = f"$.{document.KEY_DATA}.{document.DATA_DECISION}"
IGNORED_COUNT = f"$.{document.KEY_DATA}.{document.DATA_IGNORED_COUNT}"
STAGE = f"$.{document.KEY_STATUS}.{document.STATUS_STAGE}"
STATUS = f"$.{document.KEY_STATUS}.{document.STATUS_STATUS}"
NAME = f"$.{document.KEY_STATUS}.{document.STATUS_NAME}"
SERVING = f"$.{document.KEY_STATUS}.{document.STATUS_SERVING}"
POLL_COUNT = f"$.{document.KEY_STATUS}.{document.STATUS_POLL}.{document.POLL_COUNT}"
POLL_TIMEOUT = f"$.{document.KEY_STATUS}.{document.STATUS_POLL}.{document.POLL_TIMEOUT_SECONDS}"

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
        main.check_data,
        comment=f"Retraining pipeline for model {options.model_name}",
        timeout_seconds=options.state_machine_timeout_seconds,
    )


# --- the states, declared by part of the run -------------------------------------------------
class _LambdaTasks:
    """How the pipeline builds a Lambda task: the function's ARN as Resource, a timeout just
    above the function's own, and the transient-error Retrier."""

    def __init__(self, options: PipelineOptions) -> None:
        self.retry = transient_lambda_retry(options)
        # CheckStatusWait's safety timeout: the first value, doubled per poll up to the max.
        self.polling = {
            document.POLLING_INITIAL_SECONDS: options.poll_initial_seconds,
            document.POLLING_MAX_SECONDS: options.poll_max_seconds,
        }

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
    """CheckData → StartTrainingJob → NotifySlack → DeployModel → ... → UpdateParameters."""

    def __init__(self, tasks: _LambdaTasks) -> None:
        run_context = {
            **EXECUTION,
            "startTime.$": "$$.Execution.StartTime",
            "stateMachineArn.$": "$$.StateMachine.Id",
        }
        self.check_data = tasks.invoke(
            CHECK_DATA, lambdas.CHECK_DATA, {"input.$": "$", "execution": run_context}, DATA_PATH
        )
        self.check_data_branch = Choice(
            CHECK_DATA_BRANCH, comment="Train only when there is data newer than the marker"
        )
        self.another_run = Succeed(
            ANOTHER_RUN_IN_PROGRESS,
            comment="An earlier execution is still running; it owns this data",
        )
        # Nothing to train, but objects were ignored (a bad name, a future date): someone must
        # hear which, or a misnamed upload would wait silently forever.
        self.notify_ignored = tasks.status_message(NOTIFY_IGNORED_FILES)
        self.no_new_data = Succeed(
            NO_NEW_DATA, comment="No file newer than the marker: nothing trained"
        )
        self.start_training_job = tasks.invoke(
            START_TRAINING_JOB,
            lambdas.START_TRAINING_JOB,
            {"data.$": DATA_PATH, "execution": EXECUTION_NAME, "polling": tasks.polling},
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
        self.deploy_model = tasks.invoke(
            DEPLOY_MODEL,
            lambdas.DEPLOY_MODEL,
            {
                "training.$": TRAINING_PATH,
                "data.$": DATA_PATH,
                "execution": EXECUTION_NAME,
                "polling": tasks.polling,
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
            result_path=f"$.{document.KEY_DEPLOYMENT}",
            comment="The endpoint serves this run's model",
        )
        # The only writer of the marker: the data counts as used once the new model serves.
        self.update_parameters = tasks.invoke(
            UPDATE_PARAMETERS,
            lambdas.UPDATE_PARAMETERS,
            {
                f"{document.DATA_NEWEST_DATE}.$": f"{DATA_PATH}.{document.DATA_NEWEST_DATE}",
                "execution": EXECUTION_NAME,
            },
            f"$.{document.KEY_MARKER}",
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
    """NotifyFailure → FailureBranch → JobFailed or DeploymentFailed, the end of every run
    that went wrong."""

    def __init__(self, tasks: _LambdaTasks) -> None:
        # The wait loop's own verdicts, in the shape of a caught error so NotifyFailure and
        # Slack treat them like any other.
        self.status_check_timed_out = Pass(
            STATUS_CHECK_TIMED_OUT,
            parameters={
                "Error": errors.ERROR_STATUS_CHECK_TIMED_OUT,
                "Cause": "SageMaker did not reach a final status within the deadline derived "
                "from the stack's MaxRuntime / deployment timeout",
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
        self.failure_branch = Choice(
            FAILURE_BRANCH, comment="Which stage failed decides the Fail state"
        )
        self.job_failed = Fail(
            JOB_FAILED,
            error=errors.ERROR_TRAINING_FAILED,
            cause="The data check or the training failed; the marker is untouched so the data "
            "is retried next run. Slack and the execution history have the details.",
        )
        self.deployment_failed = Fail(
            DEPLOYMENT_FAILED,
            error=errors.ERROR_DEPLOYMENT_FAILED,
            cause="The new model was not deployed (the endpoint keeps serving the previous "
            "one, or needs attention); the marker is untouched. Slack has the details.",
        )


# --- the wiring, in the order a run meets it -------------------------------------------------
def _wire_main_path(main: _MainPath, loop: _WaitLoop, failure: _FailurePath) -> None:
    main.check_data.next(main.check_data_branch)
    (
        main.check_data_branch.when(
            _string_is(DECISION, document.DECISION_TRAIN), main.start_training_job
        )
        .when(_string_is(DECISION, document.DECISION_RUN_IN_PROGRESS), main.another_run)
        .when(_files_ignored(), main.notify_ignored)
        .otherwise(main.no_new_data)
    )
    _carry_on(main.notify_ignored, main.no_new_data)

    main.start_training_job.next(main.notify_slack)
    _carry_on(main.notify_slack, main.notify_slack_branch)
    (
        main.notify_slack_branch.when(
            _status_in(status.STAGE_TRAINING, status.TRAINING_SUCCEEDED), main.job_completed
        )
        .when(_status_in(status.STAGE_TRAINING, status.TRAINING_FAILED), failure.job_failed)
        .when(
            Condition.and_(
                _status_in(status.STAGE_DEPLOYMENT, status.ENDPOINT_SUCCEEDED), _serving()
            ),
            main.deployment_completed,
        )
        # InService without our config: the update was rolled back; the old model serves.
        .when(
            _status_in(status.STAGE_DEPLOYMENT, status.ENDPOINT_SUCCEEDED),
            failure.deployment_failed,
        )
        .when(
            _status_in(status.STAGE_DEPLOYMENT, status.ENDPOINT_FAILED), failure.deployment_failed
        )
        .when(Condition.not_(_readable_status()), failure.status_unreadable)
        # Not final: the training just started, or a status this code does not know yet.
        .otherwise(loop.check_status_wait)
    )

    main.job_completed.next(main.deploy_model).next(main.notify_deployment_started)
    _carry_on(main.notify_deployment_started, loop.check_status_wait)

    main.deployment_completed.next(main.update_parameters)  # UpdateParameters ends the run


def _wire_wait_loop(
    loop: _WaitLoop, main: _MainPath, failure: _FailurePath, options: PipelineOptions
) -> None:
    # A lost SageMaker event ends the wait by timeout: GetStatus then polls once. This Catch
    # must come before the failure path's catch-all, which is added afterwards.
    loop.check_status_wait.catch([Errors.TIMEOUT], loop.get_status, result_path=WAKE_PATH)
    loop.check_status_wait.next(loop.get_status).next(loop.check_status_branch)
    terminal = Condition.or_(
        _status_in(status.STAGE_TRAINING, status.TERMINAL_STATUSES[status.STAGE_TRAINING]),
        _status_in(status.STAGE_DEPLOYMENT, status.TERMINAL_STATUSES[status.STAGE_DEPLOYMENT]),
    )
    (
        loop.check_status_branch.when(Condition.not_(_readable_status()), failure.status_unreadable)
        .when(terminal, main.notify_slack)
        .when(
            _polls_used_up(status.STAGE_TRAINING, options.training_max_polls),
            failure.status_check_timed_out,
        )
        .when(
            _polls_used_up(status.STAGE_DEPLOYMENT, options.deployment_max_polls),
            failure.status_check_timed_out,
        )
        .otherwise(loop.check_status_wait)
    )


def _wire_failure_path(failure: _FailurePath, main: _MainPath, loop: _WaitLoop) -> None:
    # Every task that does the work hands an error its retries did not cure to NotifyFailure.
    for task in (
        main.check_data,
        main.start_training_job,
        main.deploy_model,
        main.update_parameters,
        loop.check_status_wait,
        loop.get_status,
    ):
        task.catch([Errors.ALL], failure.notify_failure, result_path=ERROR_PATH)
    failure.status_check_timed_out.next(failure.notify_failure)
    failure.status_unreadable.next(failure.notify_failure)
    _carry_on(failure.notify_failure, failure.failure_branch)
    failure.failure_branch.when(
        _string_is(STAGE, status.STAGE_DEPLOYMENT), failure.deployment_failed
    ).otherwise(failure.job_failed)


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
    """What CheckStatusWait and GetStatus need from $.status; anything else cannot be polled."""
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
    )


def _serving() -> Condition:
    """The endpoint serves this run's EndpointConfig (not a rolled-back previous one)."""
    return Condition.and_(
        Condition.is_present(SERVING),
        Condition.is_boolean(SERVING),
        Condition.boolean_equals(SERVING, True),
    )


def _files_ignored() -> Condition:
    return Condition.and_(
        Condition.is_present(IGNORED_COUNT),
        Condition.is_numeric(IGNORED_COUNT),
        Condition.numeric_greater_than(IGNORED_COUNT, 0),
    )


def _polls_used_up(stage: str, max_polls: int) -> Condition:
    """The polls covering this stage's deadline are done: stop waiting for SageMaker."""
    return Condition.and_(
        _string_is(STAGE, stage), Condition.numeric_greater_than_equals(POLL_COUNT, max_polls)
    )
