"""The original sample's topology, rebuilt with our DSL, as the benchmark's baseline.

Same states and the same Lambda functions as the pipeline, but wired as the system we
replace: a fixed 60-second Wait → GetStatus → Choice loop, Choice states that know only the
statuses the sample knew and have no Default, and no Retry or Catch anywhere. `make bench`
runs it side by side with `workflow.pipeline` to measure what the redesign buys.
"""

from __future__ import annotations

from contract import lambdas
from contract.document import (
    DATA_ALLOW_OLDER_WINDOW,
    DECISION_NO_NEW_DATA,
    DECISION_TRAIN,
    EVALUATION_DECISION,
    GATE_DEPLOY,
    KEY_DATA,
    KEY_DEPLOYMENT,
    KEY_EVALUATION,
    KEY_MARKER,
    KEY_NOTIFICATION,
    KEY_STATUS,
    KEY_TRAINING,
    POLLING_DEADLINE_SECONDS,
    POLLING_INITIAL_SECONDS,
    POLLING_MAX_SECONDS,
    POLLING_NOW,
    STATUS_PACKAGE,
)
from contract.errors import ERROR_DEPLOYMENT_FAILED, ERROR_TRAINING_FAILED
from contract.limits import SAGEMAKER_MAX_RUNTIME_SECONDS
from contract.status import STAGE_DEPLOYMENT, STAGE_TRAINING
from workflow import pipeline as p
from workflow.asl import (
    Choice,
    Condition,
    Fail,
    Pass,
    Placeholder,
    StateMachine,
    Succeed,
    Task,
    Wait,
)

ORIGINAL_POLL_SECONDS = 60
BASELINE_ALWAYS_DEPLOYS = "AlwaysDeploy"
# The only statuses the original Choice rules named.
ORIGINAL_WAITING = {STAGE_TRAINING: ("InProgress",), STAGE_DEPLOYMENT: ("Creating", "Updating")}
ORIGINAL_TERMINAL = {
    STAGE_TRAINING: ("Completed", "Failed"),
    STAGE_DEPLOYMENT: ("InService", "Failed"),
}


def _is(stage: str, status: str) -> Condition:
    return Condition.and_(
        Condition.string_equals(p.STAGE, stage), Condition.string_equals(p.STATUS, status)
    )


def _any(pairs: list[tuple[str, str]]) -> Condition:
    return Condition.or_(*(_is(stage, status) for stage, status in pairs))


def build_baseline(model_name: str = "linear-learner") -> StateMachine:
    # Our functions stamp a stage's deadline; the original loop had none and never reads it,
    # so it is given SageMaker's longest.
    polling = {
        POLLING_INITIAL_SECONDS: ORIGINAL_POLL_SECONDS,
        POLLING_MAX_SECONDS: ORIGINAL_POLL_SECONDS,
        f"{POLLING_NOW}.$": p.STATE_ENTERED_TIME,
        POLLING_DEADLINE_SECONDS: SAGEMAKER_MAX_RUNTIME_SECONDS,
    }

    def task(name: str, function: lambdas.LambdaSpec, parameters: dict, result_path: str) -> Task:
        return Task(name, Placeholder(function.key), parameters=parameters, result_path=result_path)

    job_failed = Fail(p.JOB_FAILED, error=ERROR_TRAINING_FAILED)
    deployment_failed = Fail(p.DEPLOYMENT_FAILED, error=ERROR_DEPLOYMENT_FAILED)
    update_parameters = task(
        p.UPDATE_PARAMETERS,
        lambdas.UPDATE_PARAMETERS,
        {
            "newestDate.$": f"$.{KEY_DATA}.newestDate",
            # What our UpdateParameters now reads (it moves the marker back on purpose only).
            f"{DATA_ALLOW_OLDER_WINDOW}.$": f"$.{KEY_DATA}.{DATA_ALLOW_OLDER_WINDOW}",
            "execution": p.EXECUTION_NAME,
            "deployment.$": f"$.{KEY_DEPLOYMENT}",
        },
        f"$.{KEY_MARKER}",
    )
    deployment_completed = Pass(
        p.DEPLOYMENT_COMPLETED, input_path=f"$.{KEY_STATUS}", result_path=f"$.{KEY_DEPLOYMENT}"
    )
    deployment_completed.next(update_parameters)
    notify_slack = task(
        p.NOTIFY_SLACK,
        lambdas.NOTIFY_SLACK,
        p.SLACK_STATUS_PAYLOAD,
        f"$.{KEY_NOTIFICATION}",
    )
    deploy_model = task(
        p.DEPLOY_MODEL,
        lambdas.DEPLOY_MODEL,
        {
            "package.$": f"$.{KEY_STATUS}.{STATUS_PACKAGE}",
            "data.$": f"$.{KEY_DATA}",
            "execution": p.EXECUTION_NAME,
            "polling": polling,
        },
        f"$.{KEY_STATUS}",
    )
    deploy_model.next(notify_slack)
    # Our DeployModel deploys only a registered, approved package: the baseline registers
    # its model through our RegisterModel (the bench's first stack approves automatically),
    # with the deploy decision the original took unconditionally (it had no quality gate).
    # Two transitions the original did not have, in ~225.
    register_model = task(
        p.REGISTER_MODEL,
        lambdas.REGISTER_MODEL,
        {
            "data.$": f"$.{KEY_DATA}",
            "training.$": f"$.{KEY_TRAINING}",
            "evaluation.$": f"$.{KEY_EVALUATION}",
            "execution": p.EXECUTION,
            "polling": polling,
        },
        f"$.{KEY_STATUS}",
    )
    register_model.next(deploy_model)
    always_deploy = Pass(
        BASELINE_ALWAYS_DEPLOYS,
        parameters={
            EVALUATION_DECISION: GATE_DEPLOY,
            "reason": "the original sample deployed every trained model (no quality gate)",
        },
        result_path=f"$.{KEY_EVALUATION}",
    )
    always_deploy.next(register_model)
    job_completed = Pass(
        p.JOB_COMPLETED, input_path=f"$.{KEY_STATUS}", result_path=f"$.{KEY_TRAINING}"
    )
    job_completed.next(always_deploy)
    get_status = task(
        p.GET_STATUS,
        lambdas.GET_STATUS,
        {"status.$": f"$.{KEY_STATUS}", "polling": polling},
        f"$.{KEY_STATUS}",
    )
    wait = Wait(p.CHECK_STATUS_WAIT, seconds=ORIGINAL_POLL_SECONDS)
    wait.next(get_status)
    waiting = [
        (stage, status) for stage, statuses in ORIGINAL_WAITING.items() for status in statuses
    ]
    terminal = [
        (stage, status) for stage, statuses in ORIGINAL_TERMINAL.items() for status in statuses
    ]
    get_status.next(
        Choice(p.CHECK_STATUS_BRANCH, allow_no_default=True)
        .when(_any(terminal), notify_slack)
        .when(_any(waiting), wait)
    )
    notify_slack.next(
        Choice(p.NOTIFY_SLACK_BRANCH, allow_no_default=True)
        .when(_any(waiting), wait)
        .when(_is(STAGE_TRAINING, "Completed"), job_completed)
        .when(_is(STAGE_TRAINING, "Failed"), job_failed)
        .when(_is(STAGE_DEPLOYMENT, "InService"), deployment_completed)
        .when(_is(STAGE_DEPLOYMENT, "Failed"), deployment_failed)
    )
    start_training_job = task(
        p.START_TRAINING_JOB,
        lambdas.START_TRAINING_JOB,
        {"data.$": f"$.{KEY_DATA}", "execution": p.EXECUTION_NAME, "polling": polling},
        f"$.{KEY_STATUS}",
    )
    start_training_job.next(notify_slack)
    check_data = task(
        p.CHECK_DATA,
        lambdas.CHECK_DATA,
        {
            "input.$": "$",
            "execution": {
                "name.$": "$$.Execution.Name",
                "id.$": "$$.Execution.Id",
                "startTime.$": "$$.Execution.StartTime",
                "stateMachineArn.$": "$$.StateMachine.Id",
            },
        },
        f"$.{KEY_DATA}",
    )
    check_data.next(
        Choice(p.CHECK_DATA_BRANCH, allow_no_default=True)
        .when(Condition.string_equals(p.DECISION, DECISION_TRAIN), start_training_job)
        .when(
            Condition.string_equals(p.DECISION, DECISION_NO_NEW_DATA),
            Succeed(p.NO_NEW_DATA),
        )
    )
    # The original's DeployModel -> NotifySlack -> NotifySlackBranch -> JobCompleted cycle has
    # no Wait in it; it is bounded in practice (a job completes once), and it is the topology
    # being measured, so the validator's busy-loop check is waived for the baseline only.
    return StateMachine(
        check_data,
        comment=f"Original topology (baseline) for {model_name}",
        allow_busy_loops=True,
    )
