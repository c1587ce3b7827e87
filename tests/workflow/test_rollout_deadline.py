"""A guarded (canary / linear) rollout's deadline: the deployment's timeout plus the rollout's
MaximumExecutionTimeout, measured like test_pipeline_deadlines (moto's interpreter, virtual
time, SageMaker never settling)."""

from __future__ import annotations

import pytest

from contract.errors import ERROR_DEPLOYMENT_FAILED
from tests.workflow.stubbed_pipeline import Script, StubbedPipeline
from workflow import pipeline as p
from workflow.options import HOUR, PipelineOptions

pytestmark = pytest.mark.properties


def test_a_guarded_rollouts_deployment_waits_for_its_whole_rollout():
    """A canary's MaximumExecutionTimeout (1 h) comes on top of the deployment's timeout:
    the run gives up only after both, never while SageMaker may still be shifting."""
    guarded = PipelineOptions(
        training_max_runtime_seconds=2 * HOUR,
        training_overhead_seconds=HOUR,
        deployment_timeout_seconds=HOUR,
        rollout_timeout_seconds=HOUR,
        poll_initial_seconds=600,
        poll_max_seconds=4 * HOUR,
    )
    assert guarded.deployment_deadline_seconds == 2 * HOUR
    all_at_once = PipelineOptions(deployment_timeout_seconds=HOUR)
    assert guarded.state_machine_timeout_seconds > all_at_once.state_machine_timeout_seconds
    with StubbedPipeline(guarded) as stubbed:
        outcome = stubbed.run(Script(training=["Completed"], deployment=[]))
    assert (outcome.status, outcome.error) == ("FAILED", ERROR_DEPLOYMENT_FAILED)
    assert p.STATUS_CHECK_TIMED_OUT in outcome.states
    deployment_seconds = outcome.seconds - guarded.poll_initial_seconds
    assert deployment_seconds >= 2 * HOUR
    assert deployment_seconds <= 2 * HOUR + guarded.poll_initial_seconds
