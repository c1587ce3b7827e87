"""The retraining pipeline's state machine, built with the `workflow.asl` DSL.

The seed's states keep their names (users know them, see SPEC.md); what changed and why is in
docs/design.md. Routing is built from the status classification in `functions.contract`, so
the Choice rules, the Lambdas and the EventBridge rule can never disagree about which status
means what. Deploy-time values (Lambda ARNs) are `Placeholder`s named by `functions.catalog`
keys; infra resolves them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from functions import catalog
from functions import contract as c
from workflow.asl import Choice, Condition, Fail, Pass, Placeholder, StateMachine, Succeed, Task
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
ERROR_PATH = f"$.{c.KEY_ERROR}"

# JSONPaths into the state document.
DECISION = f"$.{c.KEY_DATA}.{c.DATA_DECISION}"
IGNORED_COUNT = f"$.{c.KEY_DATA}.{c.DATA_IGNORED_COUNT}"
STAGE = f"$.{c.KEY_STATUS}.{c.STATUS_STAGE}"
STATUS = f"$.{c.KEY_STATUS}.{c.STATUS_STATUS}"
NAME = f"$.{c.KEY_STATUS}.{c.STATUS_NAME}"
SERVING = f"$.{c.KEY_STATUS}.{c.STATUS_SERVING}"
POLL_COUNT = f"$.{c.KEY_STATUS}.{c.STATUS_POLL}.{c.POLL_COUNT}"
POLL_TIMEOUT = f"$.{c.KEY_STATUS}.{c.STATUS_POLL}.{c.POLL_TIMEOUT_SECONDS}"

EXECUTION_NAME = {"name.$": "$$.Execution.Name"}
EXECUTION = {"name.$": "$$.Execution.Name", "id.$": "$$.Execution.Id"}
# What every status-message task sends notify_slack: the whole document (it picks the news).
SLACK_STATUS_PAYLOAD = {
    c.NOTIFY_KIND: c.NOTIFY_KIND_STATUS,
    "document.$": "$",
    "execution": EXECUTION,
}


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
        Condition.or_(*(Condition.string_equals(STAGE, stage) for stage in c.STAGES)),
        Condition.is_present(NAME),
        Condition.is_string(NAME),
        Condition.is_present(POLL_COUNT),
        Condition.is_numeric(POLL_COUNT),
        Condition.is_present(POLL_TIMEOUT),
        Condition.is_numeric(POLL_TIMEOUT),
    )


def _lambda_task(
    name: str,
    function: catalog.FunctionSpec,
    parameters: dict[str, Any],
    result_path: str,
    options: PipelineOptions,
) -> Task:
    task = Task(
        name,
        Placeholder(function.key),
        parameters=parameters,
        result_path=result_path,
        timeout_seconds=function_timeout_seconds(function),
    )
    return _retry_transient(task, options)


def _retry_transient(task: Task, options: PipelineOptions) -> Task:
    return task.retry(
        list(TRANSIENT_LAMBDA_ERRORS),
        interval_seconds=options.lambda_retry_interval_seconds,
        max_attempts=options.lambda_retry_attempts,
        backoff_rate=options.lambda_retry_backoff_rate,
        max_delay_seconds=options.lambda_retry_max_delay_seconds,
        jitter_strategy="FULL",
    )


def function_timeout_seconds(function: catalog.FunctionSpec) -> int:
    """A task gives up a little after its function's own timeout."""
    return function.timeout_seconds + 30


def build_pipeline(options: PipelineOptions | None = None) -> StateMachine:
    """The retraining state machine for one model, shaped by the stack's options."""
    options = options or PipelineOptions()
    polling = {
        c.POLLING_INITIAL_SECONDS: options.poll_initial_seconds,
        c.POLLING_MAX_SECONDS: options.poll_max_seconds,
    }

    # --- terminal states ----------------------------------------------------------------------
    no_new_data = Succeed(NO_NEW_DATA, comment="No file newer than the marker: nothing trained")
    another_run = Succeed(
        ANOTHER_RUN_IN_PROGRESS,
        comment="An earlier execution is still running; it owns this data",
    )
    job_failed = Fail(
        JOB_FAILED,
        error=c.ERROR_TRAINING_FAILED,
        cause="The data check or the training failed; the marker is untouched so the data is "
        "retried next run. Slack and the execution history have the details.",
    )
    deployment_failed = Fail(
        DEPLOYMENT_FAILED,
        error=c.ERROR_DEPLOYMENT_FAILED,
        cause="The new model was not deployed (the endpoint keeps serving the previous one, or "
        "needs attention); the marker is untouched. Slack has the details.",
    )

    # --- failure path: every task's Catch leads here ---------------------------------------------
    failure_branch = (
        Choice(FAILURE_BRANCH, comment="Which stage failed decides the Fail state")
        .when(_string_is(STAGE, c.STAGE_DEPLOYMENT), deployment_failed)
        .otherwise(job_failed)
    )
    notify_failure = Task(
        NOTIFY_FAILURE,
        Placeholder(catalog.NOTIFY_SLACK.key),
        parameters={
            c.NOTIFY_KIND: c.NOTIFY_KIND_FAILURE,
            "document.$": "$",
            "execution": EXECUTION,
        },
        result_path=f"$.{c.KEY_NOTIFICATION}",
        timeout_seconds=function_timeout_seconds(catalog.NOTIFY_SLACK),
        comment="Tells Slack what failed; its own failure never hides the original one",
    )
    _retry_transient(notify_failure, options)
    notify_failure.catch(["States.ALL"], failure_branch, result_path=f"$.{c.KEY_NOTIFICATION}")
    notify_failure.next(failure_branch)

    def guarded(task: Task) -> Task:
        return task.catch(["States.ALL"], notify_failure, result_path=ERROR_PATH)

    timed_out = Pass(
        STATUS_CHECK_TIMED_OUT,
        parameters={
            "Error": c.ERROR_STATUS_CHECK_TIMED_OUT,
            "Cause": "SageMaker did not reach a final status within the deadline derived from "
            "the stack's MaxRuntime / deployment timeout",
        },
        result_path=ERROR_PATH,
    )
    timed_out.next(notify_failure)
    unreadable = Pass(
        STATUS_UNREADABLE,
        parameters={
            "Error": c.ERROR_STATUS_UNREADABLE,
            "Cause": "The status document lacks its stage, name or poll counters",
        },
        result_path=ERROR_PATH,
    )
    unreadable.next(notify_failure)

    # --- main path ------------------------------------------------------------------------------
    update_parameters = guarded(
        _lambda_task(
            UPDATE_PARAMETERS,
            catalog.UPDATE_PARAMETERS,
            {
                f"{c.DATA_NEWEST_DATE}.$": f"$.{c.KEY_DATA}.{c.DATA_NEWEST_DATE}",
                "execution": EXECUTION_NAME,
            },
            f"$.{c.KEY_MARKER}",
            options,
        )
    )
    deployment_completed = Pass(
        DEPLOYMENT_COMPLETED,
        input_path=f"$.{c.KEY_STATUS}",
        result_path=f"$.{c.KEY_DEPLOYMENT}",
        comment="The endpoint serves this run's model",
    )
    deployment_completed.next(update_parameters)

    notify_slack = _lambda_task(
        NOTIFY_SLACK,
        catalog.NOTIFY_SLACK,
        SLACK_STATUS_PAYLOAD,
        f"$.{c.KEY_NOTIFICATION}",
        options,
    )
    get_status = guarded(
        _lambda_task(
            GET_STATUS,
            catalog.GET_STATUS,
            {"status.$": f"$.{c.KEY_STATUS}", "polling": polling},
            f"$.{c.KEY_STATUS}",
            options,
        )
    )
    check_status_wait = Task(
        CHECK_STATUS_WAIT,
        LAMBDA_CALLBACK_RESOURCE,
        parameters={
            "FunctionName": Placeholder(catalog.AWAIT_STATUS.key),
            "Payload": {
                "taskToken.$": "$$.Task.Token",
                "stage.$": STAGE,
                "name.$": NAME,
                "execution": EXECUTION_NAME,
            },
        },
        timeout_seconds_path=POLL_TIMEOUT,
        result_path=f"$.{c.KEY_WAKE}",
        comment="Waits for SageMaker's state-change event; the timeout is the safety poll",
    )
    _retry_transient(check_status_wait, options)
    check_status_wait.catch(["States.Timeout"], get_status, result_path=f"$.{c.KEY_WAKE}")
    check_status_wait.catch(["States.ALL"], notify_failure, result_path=ERROR_PATH)
    check_status_wait.next(get_status)

    # The seed went DeployModel -> NotifySlack, which closes a cycle through NotifySlackBranch
    # with no wait in it. Announcing the deployment from its own state keeps every cycle
    # behind CheckStatusWait, which the validator (and a property test) insist on.
    notify_deployment_started = _lambda_task(
        NOTIFY_DEPLOYMENT_STARTED,
        catalog.NOTIFY_SLACK,
        SLACK_STATUS_PAYLOAD,
        f"$.{c.KEY_NOTIFICATION}",
        options,
    )
    notify_deployment_started.catch(
        ["States.ALL"], check_status_wait, result_path=f"$.{c.KEY_NOTIFICATION}"
    )
    notify_deployment_started.next(check_status_wait)
    deploy_model = guarded(
        _lambda_task(
            DEPLOY_MODEL,
            catalog.DEPLOY_MODEL,
            {
                "training.$": f"$.{c.KEY_TRAINING}",
                "data.$": f"$.{c.KEY_DATA}",
                "execution": EXECUTION_NAME,
                "polling": polling,
            },
            f"$.{c.KEY_STATUS}",
            options,
        )
    )
    deploy_model.next(notify_deployment_started)
    job_completed = Pass(
        JOB_COMPLETED,
        input_path=f"$.{c.KEY_STATUS}",
        result_path=f"$.{c.KEY_TRAINING}",
        comment="Keeps the finished training job (artefact, metrics) as $.training",
    )
    job_completed.next(deploy_model)

    terminal = [
        _status_in(c.STAGE_TRAINING, c.TERMINAL_STATUSES[c.STAGE_TRAINING]),
        _status_in(c.STAGE_DEPLOYMENT, c.TERMINAL_STATUSES[c.STAGE_DEPLOYMENT]),
    ]
    check_status_branch = (
        Choice(CHECK_STATUS_BRANCH, comment="Final status: tell Slack; otherwise wait again")
        .when(Condition.not_(_readable_status()), unreadable)
        .when(Condition.or_(*terminal), notify_slack)
        .when(
            Condition.and_(
                _string_is(STAGE, c.STAGE_TRAINING),
                Condition.numeric_greater_than_equals(POLL_COUNT, options.training_max_polls),
            ),
            timed_out,
        )
        .when(
            Condition.and_(
                _string_is(STAGE, c.STAGE_DEPLOYMENT),
                Condition.numeric_greater_than_equals(POLL_COUNT, options.deployment_max_polls),
            ),
            timed_out,
        )
        .otherwise(check_status_wait)
    )
    get_status.next(check_status_branch)

    serving = Condition.and_(
        Condition.is_present(SERVING),
        Condition.is_boolean(SERVING),
        Condition.boolean_equals(SERVING, True),
    )
    notify_slack_branch = (
        Choice(NOTIFY_SLACK_BRANCH, comment="Routes on stage + status after each Slack message")
        .when(_status_in(c.STAGE_TRAINING, c.TRAINING_SUCCEEDED), job_completed)
        .when(_status_in(c.STAGE_TRAINING, c.TRAINING_FAILED), job_failed)
        .when(
            Condition.and_(_status_in(c.STAGE_DEPLOYMENT, c.ENDPOINT_SUCCEEDED), serving),
            deployment_completed,
        )
        # InService without our config: the update was rolled back; the old model serves.
        .when(_status_in(c.STAGE_DEPLOYMENT, c.ENDPOINT_SUCCEEDED), deployment_failed)
        .when(_status_in(c.STAGE_DEPLOYMENT, c.ENDPOINT_FAILED), deployment_failed)
        .when(Condition.not_(_readable_status()), unreadable)
        .otherwise(check_status_wait)
    )
    notify_slack.catch(["States.ALL"], notify_slack_branch, result_path=f"$.{c.KEY_NOTIFICATION}")
    notify_slack.next(notify_slack_branch)

    start_training_job = guarded(
        _lambda_task(
            START_TRAINING_JOB,
            catalog.START_TRAINING_JOB,
            {"data.$": f"$.{c.KEY_DATA}", "execution": EXECUTION_NAME, "polling": polling},
            f"$.{c.KEY_STATUS}",
            options,
        )
    )
    start_training_job.next(notify_slack)

    # Nothing to train, but objects were ignored (a bad name, a future date): someone must
    # hear which, or a misnamed upload would wait silently forever.
    notify_ignored = _lambda_task(
        NOTIFY_IGNORED_FILES,
        catalog.NOTIFY_SLACK,
        SLACK_STATUS_PAYLOAD,
        f"$.{c.KEY_NOTIFICATION}",
        options,
    )
    notify_ignored.catch(["States.ALL"], no_new_data, result_path=f"$.{c.KEY_NOTIFICATION}")
    notify_ignored.next(no_new_data)
    files_ignored = Condition.and_(
        Condition.is_present(IGNORED_COUNT),
        Condition.is_numeric(IGNORED_COUNT),
        Condition.numeric_greater_than(IGNORED_COUNT, 0),
    )
    check_data_branch = (
        Choice(CHECK_DATA_BRANCH, comment="Train only when there is data newer than the marker")
        .when(_string_is(DECISION, c.DECISION_TRAIN), start_training_job)
        .when(_string_is(DECISION, c.DECISION_RUN_IN_PROGRESS), another_run)
        .when(files_ignored, notify_ignored)
        .otherwise(no_new_data)
    )
    check_data = guarded(
        _lambda_task(
            CHECK_DATA,
            catalog.CHECK_DATA,
            {
                "input.$": "$",
                "execution": {
                    "name.$": "$$.Execution.Name",
                    "id.$": "$$.Execution.Id",
                    "startTime.$": "$$.Execution.StartTime",
                    "stateMachineArn.$": "$$.StateMachine.Id",
                },
            },
            f"$.{c.KEY_DATA}",
            options,
        )
    )
    check_data.next(check_data_branch)

    return StateMachine(
        check_data,
        comment=f"Retraining pipeline for model {options.model_name}",
        timeout_seconds=options.state_machine_timeout_seconds,
    )
