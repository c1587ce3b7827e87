"""Whole-machine sequences on moto's interpreter: random SageMaker status sequences end in
the designed terminal state, with bounded transitions and the marker written only on success.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract.errors import ERROR_DEPLOYMENT_FAILED, ERROR_TRAINING_FAILED
from contract.status import (
    ENDPOINT_SUCCEEDED,
    ENDPOINT_WAITING,
    STAGE_DEPLOYMENT,
    STAGE_TRAINING,
    TERMINAL_STATUSES,
    TRAINING_SUCCEEDED,
    TRAINING_WAITING,
)
from tests.workflow.stubbed_pipeline import Script, StubbedPipeline
from workflow import pipeline as p
from workflow.options import PipelineOptions

pytestmark = pytest.mark.properties

OPTIONS = PipelineOptions(
    training_max_runtime_seconds=6 * 3600, deployment_timeout_seconds=3600, poll_initial_seconds=600
)
UNKNOWN = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij", min_size=3, max_size=12).filter(
    lambda s: s not in TERMINAL_STATUSES[STAGE_TRAINING] + TERMINAL_STATUSES[STAGE_DEPLOYMENT]
)


def _waiting(stage: str) -> st.SearchStrategy[str]:
    known = TRAINING_WAITING if stage == STAGE_TRAINING else ENDPOINT_WAITING
    return st.sampled_from(known) | UNKNOWN


def _sequence(stage: str, max_polls: int) -> st.SearchStrategy[list[str]]:
    # Up to two polls past the bound, to exercise StatusCheckTimedOut.
    waiting = st.lists(_waiting(stage), max_size=max_polls + 1)
    return st.tuples(waiting, st.sampled_from(TERMINAL_STATUSES[stage])).map(
        lambda pair: [*pair[0], pair[1]]
    )


@pytest.fixture(scope="module")
def machine():
    with StubbedPipeline(OPTIONS) as stubbed:
        yield stubbed


def _bound(script: Script, max_polls: int) -> int:
    """The polls a stage may take. Every wait times out: the safety timeouts, capped by the
    deadline, reach it on exactly the polls covering it. Every wait answered by an event:
    no time passes, so only the last-resort poll cap ends the wait."""
    return max_polls + OPTIONS.SPARE_POLLS if script.events else max_polls


def expected(script: Script) -> tuple[str, str | None, int]:
    """(execution status, Fail error or None, GetStatus calls) by the documented routing."""
    training_bound = _bound(script, OPTIONS.training_max_polls)
    polls_training = _polls_until_terminal(script.training, training_bound)
    if polls_training is None:
        return "FAILED", ERROR_TRAINING_FAILED, training_bound
    if script.training[polls_training - 1] not in TRAINING_SUCCEEDED:
        return "FAILED", ERROR_TRAINING_FAILED, polls_training
    deployment_bound = _bound(script, OPTIONS.deployment_max_polls)
    polls_deploy = _polls_until_terminal(script.deployment, deployment_bound)
    if polls_deploy is None:
        return "FAILED", ERROR_DEPLOYMENT_FAILED, polls_training + deployment_bound
    final = script.deployment[polls_deploy - 1]
    calls = polls_training + polls_deploy
    if final in ENDPOINT_SUCCEEDED and script.serving:
        return "SUCCEEDED", None, calls
    return "FAILED", ERROR_DEPLOYMENT_FAILED, calls


def _polls_until_terminal(statuses: list[str], max_polls: int) -> int | None:
    """GetStatus calls until a terminal status, or None when the bound ends the wait first
    (past the script, the stub reports a status that is not final)."""
    for index, status in enumerate(statuses, start=1):
        if status in TERMINAL_STATUSES[STAGE_TRAINING] + TERMINAL_STATUSES[STAGE_DEPLOYMENT]:
            return index
        if index >= max_polls:
            return None
    return None


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    training=_sequence(STAGE_TRAINING, OPTIONS.training_max_polls),
    deployment=_sequence(STAGE_DEPLOYMENT, OPTIONS.deployment_max_polls),
    serving=st.booleans(),
    events=st.booleans(),
)
def test_status_sequences_end_in_the_designed_state(machine, training, deployment, serving, events):
    script = Script(training=training, deployment=deployment, serving=serving, events=events)
    outcome = machine.run(script)
    status, error, get_status_calls = expected(script)
    assert (outcome.status, outcome.error) == (status, error), outcome.states
    assert outcome.invoked.get("get_status", 0) == get_status_calls
    # The marker is written exactly when the run succeeds.
    assert outcome.invoked.get("update_parameters", 0) == (1 if status == "SUCCEEDED" else 0)
    assert (p.UPDATE_PARAMETERS in outcome.states) == (status == "SUCCEEDED")
    # Cost is bounded by the polls: ~4 transitions per poll plus a fixed path.
    assert outcome.transitions <= 20 + 4 * get_status_calls
    assert outcome.history_events < 25_000


def test_a_clean_run_takes_the_seed_path(machine):
    outcome = machine.run(Script(["InProgress", "Completed"], ["Creating", "InService"]))
    assert outcome.status == "SUCCEEDED"
    assert outcome.states == [
        p.WRAP_INPUT,
        p.CHECK_DATA,
        p.CHECK_DATA_BRANCH,
        p.START_TRAINING_JOB,
        p.NOTIFY_SLACK,
        p.NOTIFY_SLACK_BRANCH,
        p.CHECK_STATUS_WAIT,
        p.GET_STATUS,
        p.CHECK_STATUS_BRANCH,
        p.CHECK_STATUS_WAIT,
        p.GET_STATUS,
        p.CHECK_STATUS_BRANCH,
        p.NOTIFY_SLACK,
        p.NOTIFY_SLACK_BRANCH,
        p.JOB_COMPLETED,
        # The quality gate and the registry (automatic approval): three transitions on the
        # way to a deployment.
        p.EVALUATE_MODEL,
        p.REGISTER_MODEL,
        p.QUALITY_GATE_BRANCH,
        p.DEPLOY_MODEL,
        p.NOTIFY_DEPLOYMENT_STARTED,
        p.CHECK_STATUS_WAIT,
        p.GET_STATUS,
        p.CHECK_STATUS_BRANCH,
        p.CHECK_STATUS_WAIT,
        p.GET_STATUS,
        p.CHECK_STATUS_BRANCH,
        p.NOTIFY_SLACK,
        p.NOTIFY_SLACK_BRANCH,
        p.DEPLOYMENT_COMPLETED,
        p.UPDATE_PARAMETERS,
        p.RELEASE_RUN_LOCK,
    ]
