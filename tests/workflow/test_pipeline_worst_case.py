"""The worst case, measured: no state-change event ever arrives, every wait times out.

Run on moto's interpreter with the real definition for dev's and prod's settings and for
SageMaker's longest training; counted, not estimated (test_pipeline_graph estimates).
"""

from __future__ import annotations

import pytest

from infra.config import parse_settings, pipeline_options
from infra.stack_file import load_stack_config
from tests.workflow.stubbed_pipeline import Script, StubbedPipeline
from workflow.options import PipelineOptions

pytestmark = pytest.mark.properties


def _stack_options(stack: str) -> PipelineOptions:
    settings = parse_settings(load_stack_config(stack).values, stack=stack)
    return pipeline_options(settings.models[0])


@pytest.mark.parametrize(
    "options",
    [
        pytest.param(_stack_options("dev"), id="dev"),
        pytest.param(_stack_options("prod"), id="prod"),
        pytest.param(
            # SageMaker's longest training; `make bench` runs it with half-hourly polls too.
            PipelineOptions(training_max_runtime_seconds=28 * 86_400, poll_max_seconds=4 * 3600),
            id="28-days-four-hourly",
        ),
    ],
)
def test_the_worst_case_history_measured_stays_under_the_limit(options):
    """No state-change event ever arrives: every wait times out, training finishes on its last
    allowed poll, deployment on its last one. Counted on moto, not estimated."""
    with StubbedPipeline(options) as stubbed:
        outcome = stubbed.run(
            Script(
                training=["InProgress"] * (options.training_max_polls - 1) + ["Completed"],
                deployment=["Creating"] * (options.deployment_max_polls - 1) + ["InService"],
            )
        )
    assert outcome.status == "SUCCEEDED", outcome.states[-5:]
    polls = options.training_max_polls + options.deployment_max_polls
    assert outcome.invoked["get_status"] == polls
    assert outcome.history_events < 25_000
    # The estimate the graph test relies on (20 events per poll + 200) is an upper bound.
    assert outcome.history_events <= polls * 20 + 200
