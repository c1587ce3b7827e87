"""A stage gives up at its deadline plus at most one poll, however the safety timeouts grew.

The issue measured training configured for 180 minutes failing after 315 (the loop counted
polls whose timeouts double, so their sum overshot) and deployment 60 → 75. Measured here in
virtual time on moto's interpreter with the real definition and the real poll arithmetic
(`functions.polling`), SageMaker never reaching a final status and no event ever arriving.
"""

from __future__ import annotations

import pytest

from contract.errors import ERROR_DEPLOYMENT_FAILED, ERROR_TRAINING_FAILED
from tests.workflow.stubbed_pipeline import Script, StubbedPipeline
from workflow import pipeline as p
from workflow.options import HOUR, PipelineOptions

pytestmark = pytest.mark.properties

# 2 h of MaxRuntime + 1 h of overhead: a 180-minute training deadline, and 60 minutes for
# the deployment, with the dev stack's doubling timeouts (10 min, up to 4 h).
OPTIONS = PipelineOptions(
    training_max_runtime_seconds=2 * HOUR,
    training_overhead_seconds=HOUR,
    deployment_timeout_seconds=HOUR,
    poll_initial_seconds=600,
    poll_max_seconds=4 * HOUR,
)


@pytest.fixture(scope="module")
def machine():
    with StubbedPipeline(OPTIONS) as stubbed:
        yield stubbed


def test_training_that_never_ends_fails_at_its_deadline_and_is_stopped(machine):
    assert OPTIONS.training_deadline_seconds == 180 * 60
    outcome = machine.run(Script(training=[]))  # InProgress for ever

    assert (outcome.status, outcome.error) == ("FAILED", ERROR_TRAINING_FAILED)
    assert p.STATUS_CHECK_TIMED_OUT in outcome.states
    assert outcome.seconds >= OPTIONS.training_deadline_seconds
    assert outcome.seconds <= OPTIONS.training_deadline_seconds + OPTIONS.poll_initial_seconds
    # The job it gave up on is stopped before Slack hears of the failure.
    assert outcome.invoked["stop_training_job"] == 1
    stop = outcome.states.index(p.STOP_TRAINING_JOB)
    assert (
        outcome.states.index(p.STATUS_CHECK_TIMED_OUT)
        < stop
        < outcome.states.index(p.NOTIFY_FAILURE)
    )


def test_deployment_that_never_settles_fails_at_its_deadline(machine):
    outcome = machine.run(Script(training=["Completed"], deployment=[]))  # Creating for ever

    assert (outcome.status, outcome.error) == ("FAILED", ERROR_DEPLOYMENT_FAILED)
    assert p.STATUS_CHECK_TIMED_OUT in outcome.states
    # Training took one 10-minute poll; the deployment then waits its 60 minutes.
    deployment_seconds = outcome.seconds - OPTIONS.poll_initial_seconds
    assert deployment_seconds >= OPTIONS.deployment_timeout_seconds
    assert deployment_seconds <= OPTIONS.deployment_timeout_seconds + OPTIONS.poll_initial_seconds
    # Training had completed: nothing to stop.
    assert p.STOP_TRAINING_JOB not in outcome.states
