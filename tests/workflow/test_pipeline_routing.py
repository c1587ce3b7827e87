"""Property tests of the pipeline's Choice routing (CI runs them before any `pulumi up`).

The statuses come from botocore's SageMaker service model at test time, so a status AWS adds
later is tested the day botocore ships it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import botocore.session
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contract.document import (
    DATA_DECISION,
    DATA_IGNORED_COUNT,
    DATA_MARKER_REPAIRED,
    DATA_ROLLBACK,
    DECISION_ROLLBACK,
    DECISION_RUN_IN_PROGRESS,
    DECISION_TRAIN,
    DECISIONS,
    EVALUATION_DECISION,
    GATE_DECISIONS,
    GATE_DEPLOY,
    GATE_REJECT,
    KEY_DATA,
    KEY_DEPLOYMENT,
    KEY_ERROR,
    KEY_EVALUATION,
    KEY_NOTIFICATION,
    KEY_STATUS,
    KEY_TRAINING,
    POLL_COUNT,
    POLL_DEADLINE_PASSED,
    POLL_TIMEOUT_SECONDS,
    STATUS_PACKAGE,
    STATUS_POLL,
    STATUS_SERVING,
    STATUS_STAGE,
    STATUS_STATUS,
)
from contract.errors import ERROR_EVALUATION
from contract.status import (
    APPROVAL_FAILED,
    APPROVAL_SUCCEEDED,
    APPROVAL_WAITING,
    ENDPOINT_FAILED,
    ENDPOINT_SUCCEEDED,
    STAGE_APPROVAL,
    STAGE_DEPLOYMENT,
    STAGE_TRAINING,
    STAGES,
    TRAINING_FAILED,
    TRAINING_SUCCEEDED,
    is_terminal,
)
from workflow import pipeline as p
from workflow import routing
from workflow.asl import StatesError

pytestmark = pytest.mark.properties

REPO = Path(__file__).resolve().parents[2]
MACHINE = p.build_pipeline()
FATAL = {"States.NoChoiceMatched", "States.Runtime"}


def _botocore_enum(shape: str) -> list[str]:
    model = botocore.session.get_session().get_service_model("sagemaker")
    return list(model.shape_for(shape).enum)


BOTOCORE_STATUSES = {
    STAGE_TRAINING: _botocore_enum("TrainingJobStatus"),
    STAGE_DEPLOYMENT: _botocore_enum("EndpointStatus"),
    STAGE_APPROVAL: _botocore_enum("ModelApprovalStatus"),
}
ALL_STATUSES = sorted({s for statuses in BOTOCORE_STATUSES.values() for s in statuses})

# What the Lambdas could put in a field: the real values, any text, and wrong types.
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
statuses = st.sampled_from(ALL_STATUSES) | st.text() | json_scalars
stages = st.sampled_from(STAGES) | st.text() | json_scalars
poll = st.fixed_dictionaries(
    {},
    optional={
        POLL_COUNT: st.integers(min_value=0, max_value=10_000) | json_scalars,
        POLL_TIMEOUT_SECONDS: st.integers(min_value=1, max_value=86_400) | json_scalars,
        POLL_DEADLINE_PASSED: st.booleans() | json_scalars,
    },
)
status_document = st.fixed_dictionaries(
    {},
    optional={
        STATUS_STAGE: stages,
        STATUS_STATUS: statuses,
        "name": st.text(min_size=1) | json_scalars,
        STATUS_SERVING: st.booleans() | json_scalars,
        STATUS_POLL: poll | json_scalars,
        "message": st.text() | json_scalars,
        STATUS_PACKAGE: st.fixed_dictionaries({"arn": st.text()}) | json_scalars,
    },
)
data_document = st.fixed_dictionaries(
    {},
    optional={
        DATA_DECISION: st.sampled_from(DECISIONS) | st.text() | json_scalars,
        "newestDate": st.text(),
    },
)
gate_decisions = st.sampled_from(GATE_DECISIONS) | st.text() | json_scalars
evaluation_document = st.fixed_dictionaries(
    {},
    optional={
        EVALUATION_DECISION: gate_decisions,
        "challenger": st.floats(allow_nan=False) | json_scalars,
        "champion": st.floats(allow_nan=False) | json_scalars,
    },
)
error_names = st.sampled_from([ERROR_EVALUATION, "MarkerWriteError"]) | st.text() | json_scalars
documents = st.fixed_dictionaries(
    {},
    optional={
        KEY_DATA: data_document | json_scalars,
        KEY_STATUS: status_document | json_scalars,
        KEY_ERROR: st.fixed_dictionaries({"Error": error_names, "Cause": st.text()}) | json_scalars,
        KEY_EVALUATION: evaluation_document | json_scalars,
        KEY_NOTIFICATION: st.dictionaries(st.text(), json_scalars, max_size=3),
        KEY_TRAINING: status_document | json_scalars,
        KEY_DEPLOYMENT: status_document | json_scalars,
    },
)


@pytest.mark.parametrize("state", p.CHOICE_STATES)
@given(document=documents)
def test_totality_every_choice_routes_every_document_to_a_state(state, document):
    try:
        target = MACHINE.route(state, document)
    except StatesError as error:  # pragma: no cover - the assertion message is the point
        pytest.fail(f"{state} raised {error.error} on {json.dumps(document)}")
    assert target in MACHINE.states


@pytest.mark.parametrize("state", [p.NOTIFY_SLACK_BRANCH, p.CHECK_STATUS_BRANCH])
@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("status", ALL_STATUSES)
def test_totality_over_every_botocore_status_of_every_stage(state, stage, status):
    for serving in (True, False):
        for count in (0, 1, 10_000):
            for passed in (True, False):
                doc = routing.status_document(
                    stage, status, serving=serving, poll_count=count, deadline_passed=passed
                )
                assert MACHINE.route(state, doc) in MACHINE.states


def expected_route(
    state: str, stage: str, status: str, *, serving: bool, count: int, deadline_passed: bool
) -> str:
    """The documented routing, stated from the classification (not from the rules)."""
    if state == p.CHECK_STATUS_BRANCH:
        return _expected_after_poll(stage, status, count=count, deadline_passed=deadline_passed)
    if stage == STAGE_TRAINING:
        if status in TRAINING_SUCCEEDED:
            return p.JOB_COMPLETED
        if status in TRAINING_FAILED:
            return FINAL_FAILURE
        return p.CHECK_STATUS_WAIT
    if stage == STAGE_APPROVAL:
        if status in APPROVAL_SUCCEEDED:
            return p.DEPLOY_MODEL
        if status in APPROVAL_FAILED:
            return FINAL_FAILURE
        return p.CHECK_STATUS_WAIT
    if status in ENDPOINT_SUCCEEDED:
        return p.DEPLOYMENT_COMPLETED if serving else FINAL_FAILURE
    if status in ENDPOINT_FAILED:
        return FINAL_FAILURE
    return p.CHECK_STATUS_WAIT


def _expected_after_poll(stage: str, status: str, *, count: int, deadline_passed: bool) -> str:
    """CheckStatusBranch: Approved deploys the package it carries; any other final status
    tells Slack; the deadline (time, GetStatus's verdict) or the poll cap (the last resort)
    ends the wait; otherwise it waits again."""
    if stage == STAGE_APPROVAL and status in APPROVAL_SUCCEEDED:
        return p.DEPLOY_MODEL
    if is_terminal(stage, status):
        return p.NOTIFY_SLACK
    options = p.PipelineOptions()
    cap = {
        STAGE_TRAINING: options.training_poll_cap,
        STAGE_DEPLOYMENT: options.deployment_poll_cap,
        STAGE_APPROVAL: options.approval_poll_cap,
    }[stage]
    used_up = deadline_passed or count >= cap
    return p.STATUS_CHECK_TIMED_OUT if used_up else p.CHECK_STATUS_WAIT


# A final failure passes through the run lock's release, then FailureBranch picks the Fail
# state by what the run reached.
FINAL_FAILURE = p.RELEASE_RUN_LOCK_AFTER_FAILURE


def through_release(target: str, stage: str, document: dict[str, Any]) -> str:
    """The Fail state a NotifySlackBranch target ends in (a deployment had $.training and the
    quality gate's deploy decision)."""
    if target != FINAL_FAILURE:
        return target
    deploying = {KEY_TRAINING: {}, KEY_EVALUATION: {EVALUATION_DECISION: GATE_DEPLOY}}
    reached = {**document, **deploying} if stage in (STAGE_DEPLOYMENT, STAGE_APPROVAL) else document
    return MACHINE.route(p.FAILURE_BRANCH, reached)


@pytest.mark.parametrize("state", [p.NOTIFY_SLACK_BRANCH, p.CHECK_STATUS_BRANCH])
@given(
    stage=st.sampled_from(STAGES),
    status=st.sampled_from(ALL_STATUSES) | st.text(),
    serving=st.booleans(),
    count=st.integers(min_value=0, max_value=500),
    deadline_passed=st.booleans(),
)
def test_correctness_routing_equals_the_documented_table(  # noqa: PLR0917 - hypothesis
    state, stage, status, serving, count, deadline_passed
):
    doc = routing.status_document(
        stage, status, serving=serving, poll_count=count, deadline_passed=deadline_passed
    )
    assert MACHINE.route(state, doc) == expected_route(
        state, stage, status, serving=serving, count=count, deadline_passed=deadline_passed
    )


# The routing decided for each SageMaker status, written out by hand from SageMaker's documented
# statuses and the README's design notes: an oracle that does not share the contract's status
# lists with the rules it checks. NotifySlackBranch's target; CheckStatusBranch sends every
# status that is not a wait to NotifySlack. A status botocore lists that is missing here fails
# the test below, so a new status gets a deliberate decision.
WAIT = p.CHECK_STATUS_WAIT
DECIDED_ROUTES = {
    ("training", "InProgress"): WAIT,
    ("training", "Stopping"): WAIT,  # stopping is still on its way to Stopped
    ("training", "Completed"): p.JOB_COMPLETED,
    ("training", "Failed"): p.JOB_FAILED,
    ("training", "Stopped"): p.JOB_FAILED,
    ("training", "Deleting"): p.JOB_FAILED,
    ("deployment", "Creating"): WAIT,
    ("deployment", "Updating"): WAIT,
    ("deployment", "SystemUpdating"): WAIT,  # AWS maintenance: the endpoint keeps serving
    ("deployment", "RollingBack"): WAIT,  # it ends InService (old config) or UpdateRollbackFailed
    ("deployment", "InService"): p.DEPLOYMENT_COMPLETED,  # when it serves this run's config
    ("deployment", "Failed"): p.DEPLOYMENT_FAILED,
    ("deployment", "OutOfService"): p.DEPLOYMENT_FAILED,
    ("deployment", "UpdateRollbackFailed"): p.DEPLOYMENT_FAILED,
    ("deployment", "Deleting"): p.DEPLOYMENT_FAILED,
    # A person (or the pipeline's approval deadline) decides in the registry.
    ("approval", "PendingManualApproval"): WAIT,
    ("approval", "Approved"): p.DEPLOY_MODEL,
    ("approval", "Rejected"): p.MODEL_NOT_APPROVED,
}


@pytest.mark.parametrize("stage", STAGES)
def test_every_botocore_status_has_a_decided_route(stage):
    undecided = [s for s in BOTOCORE_STATUSES[stage] if (stage, s) not in DECIDED_ROUTES]
    assert undecided == [], f"decide (and document) where {stage} status {undecided} goes"


@pytest.mark.parametrize(("stage", "status"), sorted(DECIDED_ROUTES))
def test_routing_equals_the_hand_written_decisions(stage, status):
    decided = DECIDED_ROUTES[(stage, status)]
    serving = routing.status_document(stage, status, serving=True, poll_count=0)
    assert through_release(MACHINE.route(p.NOTIFY_SLACK_BRANCH, serving), stage, serving) == decided
    after_poll = MACHINE.route(p.CHECK_STATUS_BRANCH, serving)
    # Approved deploys straight from the wait; every other final status tells Slack first.
    expected_after_poll = decided if decided in (WAIT, p.DEPLOY_MODEL) else p.NOTIFY_SLACK
    assert after_poll == expected_after_poll
    if decided == p.DEPLOYMENT_COMPLETED:
        # InService with the previous config: the update was rolled back.
        rolled_back = routing.status_document(stage, status, serving=False, poll_count=0)
        target = MACHINE.route(p.NOTIFY_SLACK_BRANCH, rolled_back)
        assert through_release(target, stage, rolled_back) == p.DEPLOYMENT_FAILED


@given(decision=st.sampled_from(DECISIONS) | st.text())
def test_check_data_branch_trains_only_on_a_train_decision(decision):
    target = MACHINE.route(p.CHECK_DATA_BRANCH, {KEY_DATA: {DATA_DECISION: decision}})
    expected = {
        DECISION_TRAIN: p.START_TRAINING_JOB,
        DECISION_RUN_IN_PROGRESS: p.NOTIFY_RUN_IN_PROGRESS,
        # A rollback decision without its package document cannot be deployed.
        DECISION_ROLLBACK: p.STATUS_UNREADABLE,
    }.get(decision, p.NO_NEW_DATA)
    assert target == expected


@given(
    decision=st.sampled_from(DECISIONS) | st.text(),
    rollback=st.none()
    | json_scalars
    | status_document
    | st.builds(lambda status: {**status, STATUS_PACKAGE: {"arn": "x"}}, status_document),
    present=st.booleans(),
)
@example(decision=DECISION_ROLLBACK, rollback={STATUS_PACKAGE: {"arn": "x"}}, present=True)
def test_check_data_branch_redeploys_only_a_rollback_with_its_package(decision, rollback, present):
    """CheckData's rollback decision goes to RollbackTarget (then DeployModel) only with the
    package DeployModel reads; without it the run fails as unreadable, never ends silently."""
    data: dict[str, Any] = {DATA_DECISION: decision}
    if present:
        data[DATA_ROLLBACK] = rollback
    target = MACHINE.route(p.CHECK_DATA_BRANCH, {KEY_DATA: data})
    with_package = present and isinstance(rollback, dict) and STATUS_PACKAGE in rollback
    if decision == DECISION_TRAIN:
        assert target == p.START_TRAINING_JOB
    elif decision == DECISION_RUN_IN_PROGRESS:
        assert target == p.NOTIFY_RUN_IN_PROGRESS
    elif decision == DECISION_ROLLBACK:
        assert target == (p.ROLLBACK_TARGET if with_package else p.STATUS_UNREADABLE)
    else:
        assert target == p.NO_NEW_DATA


def test_rollback_target_puts_the_package_in_status_for_deploy_model():
    """No training, no gate: the earlier package's status document is $.status, DeployModel's
    `package.$` input, and the deployment then runs the ordinary wait loop."""
    rendered = json.loads(MACHINE.to_json())["States"]
    rollback_target = rendered[p.ROLLBACK_TARGET]
    assert rollback_target["Type"] == "Pass"
    assert rollback_target["InputPath"] == f"$.{KEY_DATA}.{DATA_ROLLBACK}"
    assert rollback_target["ResultPath"] == f"$.{KEY_STATUS}"
    assert rollback_target["Next"] == p.DEPLOY_MODEL
    assert rendered[p.DEPLOY_MODEL]["Parameters"]["package.$"] == f"$.{KEY_STATUS}.{STATUS_PACKAGE}"


@given(
    decision=st.sampled_from(DECISIONS) | st.text(),
    ignored=st.integers(min_value=-1, max_value=5) | json_scalars,
)
def test_no_new_data_with_ignored_objects_tells_slack_first(decision, ignored):
    data = {DATA_DECISION: decision, DATA_IGNORED_COUNT: ignored}
    target = MACHINE.route(p.CHECK_DATA_BRANCH, {KEY_DATA: data})
    if decision == DECISION_TRAIN:
        assert target == p.START_TRAINING_JOB
    elif decision == DECISION_ROLLBACK:
        assert target == p.STATUS_UNREADABLE  # no package document
    elif decision == DECISION_RUN_IN_PROGRESS:
        assert target == p.NOTIFY_RUN_IN_PROGRESS
        rendered = json.loads(MACHINE.to_json())["States"][p.NOTIFY_RUN_IN_PROGRESS]
        assert rendered["Next"] == p.ANOTHER_RUN_IN_PROGRESS
    elif isinstance(ignored, int | float) and not isinstance(ignored, bool) and ignored > 0:
        assert target == p.NOTIFY_IGNORED_FILES
        rendered = json.loads(MACHINE.to_json())["States"][p.NOTIFY_IGNORED_FILES]
        assert rendered["Next"] == p.NO_NEW_DATA
    else:
        assert target == p.NO_NEW_DATA


@given(
    decision=st.sampled_from(DECISIONS) | st.text(),
    repaired=st.none() | json_scalars | st.dictionaries(st.text(max_size=5), json_scalars),
    present=st.booleans(),
)
def test_a_run_that_advanced_the_marker_tells_slack_before_it_ends(decision, repaired, present):
    """CheckData caught the marker up with the serving model ($.data.markerRepaired): even with
    nothing new to train, Slack hears it (through NotifyIgnoredFiles, then NoNewData)."""
    data: dict[str, object] = {DATA_DECISION: decision, DATA_IGNORED_COUNT: 0}
    if present:
        data[DATA_MARKER_REPAIRED] = repaired
    target = MACHINE.route(p.CHECK_DATA_BRANCH, {KEY_DATA: data})
    if decision == DECISION_TRAIN:
        assert target == p.START_TRAINING_JOB
    elif decision == DECISION_ROLLBACK:
        assert target == p.STATUS_UNREADABLE  # no package document
    elif decision == DECISION_RUN_IN_PROGRESS:
        assert target == p.NOTIFY_RUN_IN_PROGRESS
    elif present and repaired is not None:
        assert target == p.NOTIFY_IGNORED_FILES
    else:
        assert target == p.NO_NEW_DATA


@given(
    stage=stages,
    trained=st.booleans(),
    deployed=st.booleans(),
    gate=st.none() | gate_decisions,
    error=st.sampled_from(["MarkerWriteError", "Lambda.TooManyRequestsException", ERROR_EVALUATION])
    | st.text(),
    approval=st.sampled_from(BOTOCORE_STATUSES[STAGE_APPROVAL]) | st.text() | json_scalars,
    message=st.text() | json_scalars,
    decision=st.sampled_from(DECISIONS) | json_scalars,
)
@example(  # a rollback whose DeployModel failed: no training, no gate, approval Approved
    stage=STAGE_APPROVAL,
    trained=False,
    deployed=False,
    gate=None,
    error="ModelNotApprovedError",
    approval="Approved",
    message="rolling back to version 1",
    decision=DECISION_ROLLBACK,
)
def test_failure_branch_fails_by_what_the_run_reached(  # noqa: PLR0917 - hypothesis
    stage, trained, deployed, gate, error, approval, message, decision
):
    """Not by the stage watched last: once the deployment completed, only the marker can
    have failed and the new model serves; a model the quality gate rejected ends as
    ModelRejected; a gate that could not decide (CheckData's holdout or EvaluateModel
    raising EvaluationError, a trained run with no deploy decision) is an evaluation
    failure; a failure after the gate let the model through (DeployModel throttled, the
    endpoint never settling) is a deployment failure; a package the registry rejected (a
    person, the approval deadline) ends as ModelNotApproved; a rollback (it trains nothing)
    that fails after CheckData failed its deployment."""
    document: dict[str, Any] = {
        KEY_DATA: {DATA_DECISION: decision},
        KEY_STATUS: {STATUS_STAGE: stage, STATUS_STATUS: approval, "message": message},
        KEY_ERROR: {"Error": error, "Cause": ""},
    }
    if trained:
        document[KEY_TRAINING] = {STATUS_STAGE: STAGE_TRAINING}
    if deployed:
        document[KEY_DEPLOYMENT] = {STATUS_STAGE: STAGE_DEPLOYMENT}
    if gate is not None:
        document[KEY_EVALUATION] = {EVALUATION_DECISION: gate}
    target = MACHINE.route(p.FAILURE_BRANCH, document)
    if deployed:
        assert target == p.MARKER_NOT_ADVANCED
    elif gate == GATE_REJECT:
        assert target == p.MODEL_REJECTED
    elif error == ERROR_EVALUATION or (trained and gate != GATE_DEPLOY):
        assert target == p.EVALUATION_FAILED
    elif stage == STAGE_APPROVAL and approval in APPROVAL_FAILED and isinstance(message, str):
        # The registry said Rejected (a person, the deadline): the message says who and why.
        assert target == p.MODEL_NOT_APPROVED
    elif trained or decision == DECISION_ROLLBACK:
        assert target == p.DEPLOYMENT_FAILED
    else:
        assert target == p.JOB_FAILED


def test_a_rollback_whose_deployment_fails_is_a_deployment_failure():
    """DeployModel refusing the package (rejected since CheckData resolved it, the endpoint
    busy) leaves $.status at the rollback's approval document: no training, yet a deployment
    failure, not JobFailed (the data check passed)."""
    rollback = routing.status_document(STAGE_APPROVAL, "Approved", poll_count=0)
    document = {
        **rollback,
        KEY_DATA: {DATA_DECISION: DECISION_ROLLBACK, DATA_ROLLBACK: rollback[KEY_STATUS]},
        KEY_ERROR: {"Error": "ModelNotApprovedError", "Cause": ""},
    }
    assert MACHINE.route(p.FAILURE_BRANCH, document) == p.DEPLOYMENT_FAILED


def test_a_deploy_model_failure_after_training_is_a_deployment_failure():
    """The issue's case: DeployModel throttled leaves $.status at the completed training."""
    training = routing.status_document(STAGE_TRAINING, "Completed")
    document = {
        **training,
        KEY_TRAINING: training[KEY_STATUS],
        KEY_EVALUATION: {EVALUATION_DECISION: GATE_DEPLOY},
    }
    assert MACHINE.route(p.FAILURE_BRANCH, document) == p.DEPLOYMENT_FAILED


@given(
    evaluation=evaluation_document | json_scalars,
    present=st.booleans(),
    approval=st.sampled_from(BOTOCORE_STATUSES[STAGE_APPROVAL]) | st.text() | json_scalars,
    registered=st.booleans(),
    with_package=st.booleans(),
)
@example(
    evaluation={EVALUATION_DECISION: GATE_DEPLOY},
    present=True,
    approval="Approved",
    registered=True,
    with_package=True,
)
@example(
    evaluation={EVALUATION_DECISION: GATE_DEPLOY},
    present=True,
    approval="PendingManualApproval",
    registered=True,
    with_package=True,
)
def test_quality_gate_branch_deploys_what_the_gate_and_the_registry_let_through(
    evaluation, present, approval, registered, with_package
):
    """Reject: tell Slack, end in ModelRejected. Deploy: only a package RegisterModel left
    Approved (automatic approval) goes to DeployModel; PendingManualApproval asks a person
    (Slack) and waits; anything else (no evaluation, a malformed one, no or an unknown
    registration) is an unreadable evaluation: nothing deploys."""
    document: dict[str, Any] = {KEY_EVALUATION: evaluation} if present else {}
    if registered:
        document.update(routing.status_document(STAGE_APPROVAL, approval, poll_count=0))
        if not with_package:
            del document[KEY_STATUS][STATUS_PACKAGE]
    target = MACHINE.route(p.QUALITY_GATE_BRANCH, document)
    decision = (
        evaluation.get(EVALUATION_DECISION) if present and isinstance(evaluation, dict) else None
    )
    if decision == GATE_REJECT:
        expected = p.NOTIFY_MODEL_REJECTED
    elif decision == GATE_DEPLOY and registered and approval in APPROVAL_SUCCEEDED and with_package:
        expected = p.DEPLOY_MODEL
    elif decision == GATE_DEPLOY and registered and approval in APPROVAL_WAITING:
        expected = p.NOTIFY_APPROVAL_REQUESTED
    else:
        expected = p.EVALUATION_UNREADABLE
    assert target == expected


def test_an_approval_request_tells_slack_then_waits_once_for_the_whole_deadline():
    """NotifyApprovalRequested -> CheckStatusWait, whose first safety timeout RegisterModel
    sets to the approval deadline (one wait: no polling while a person decides)."""
    rendered = json.loads(MACHINE.to_json())["States"]
    assert rendered[p.NOTIFY_APPROVAL_REQUESTED]["Next"] == p.CHECK_STATUS_WAIT
    polling = rendered[p.REGISTER_MODEL]["Parameters"]["polling"]
    deadline = p.PipelineOptions().approval_timeout_seconds
    assert polling["initialSeconds"] == polling["maxSeconds"] == polling["deadlineSeconds"]
    assert polling["deadlineSeconds"] == deadline


def test_every_end_of_the_quality_gate_is_a_defined_fail_state():
    """Rejected: NotifyModelRejected -> ReleaseRunLockAfterFailure -> ModelRejected; an
    unreadable evaluation: NotifyFailure -> ... -> EvaluationFailed."""
    rendered = json.loads(MACHINE.to_json())["States"]
    assert rendered[p.NOTIFY_MODEL_REJECTED]["Next"] == p.RELEASE_RUN_LOCK_AFTER_FAILURE
    assert rendered[p.EVALUATION_UNREADABLE]["Next"] == p.NOTIFY_FAILURE
    assert rendered[p.MODEL_REJECTED]["Type"] == rendered[p.EVALUATION_FAILED]["Type"] == "Fail"
    rejected = {KEY_TRAINING: {}, KEY_EVALUATION: {EVALUATION_DECISION: GATE_REJECT}}
    assert MACHINE.route(p.FAILURE_BRANCH, rejected) == p.MODEL_REJECTED
    unreadable = {KEY_TRAINING: {}, KEY_EVALUATION: {EVALUATION_DECISION: "maybe"}}
    assert MACHINE.route(p.FAILURE_BRANCH, unreadable) == p.EVALUATION_FAILED


@given(stage=stages, name=st.text(min_size=1) | json_scalars)
def test_only_a_run_watching_its_training_job_stops_it(stage, name):
    target = MACHINE.route(
        p.STOP_TRAINING_BRANCH, {KEY_STATUS: {STATUS_STAGE: stage, "name": name}}
    )
    watching_training = stage == STAGE_TRAINING and isinstance(name, str)
    assert target == (p.STOP_TRAINING_JOB if watching_training else p.NOTIFY_FAILURE)


def test_the_original_routing_fails_where_ours_does_not():
    """The baseline (the sample's topology) crashes on statuses the sample never named."""
    from localcloud.bench.baseline import build_baseline

    baseline = build_baseline()
    crashes = []
    for state in (p.NOTIFY_SLACK_BRANCH, p.CHECK_STATUS_BRANCH):
        for stage, known in BOTOCORE_STATUSES.items():
            for status in [*known, routing.UNKNOWN_STATUS]:
                doc = routing.status_document(stage, status)
                assert routing.route(MACHINE, state, doc) not in FATAL
                if routing.route(baseline, state, doc) in FATAL:
                    crashes.append((state, stage, status))
    assert len(crashes) >= 18, crashes  # the issue measured 18 of 34 with an older enum


def test_route_cli_answers_for_every_choice_state():
    for state in p.CHOICE_STATES:
        result = subprocess.run(
            [sys.executable, "-m", "workflow", "route", state, json.dumps({})],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        )
        assert result.stdout.strip() in MACHINE.states


def test_route_cli_rejects_a_state_that_is_not_a_choice():
    result = subprocess.run(
        [sys.executable, "-m", "workflow", "route", "Nope", "{}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2 and re.search(r"invalid choice", result.stderr)
