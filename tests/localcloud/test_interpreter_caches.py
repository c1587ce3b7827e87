"""The interpreter caches (localcloud/stepfunctions/interpreter.py) really cache.

Every Lambda task of moto's interpreter asks `lambda_eval_utils.boto_client_for` for a client,
always passing the execution role's StateCredentials. Building a boto3 client costs ~10 ms;
a cache that let every call with credentials through built one per task, which was a third of
the whole-machine property tests' time.
"""

from __future__ import annotations

from typing import Any

import pytest

from localcloud.internals.moto_private import lambda_eval_utils
from tests.workflow.stubbed_pipeline import Script, StubbedPipeline
from workflow.options import PipelineOptions

pytestmark = pytest.mark.unit


def test_one_lambda_client_serves_every_task_of_every_execution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built: list[tuple[str, str, Any]] = []
    original = lambda_eval_utils.boto_client_for

    def counting(region: str, service: str, state_credentials: Any = None) -> Any:
        built.append((region, service, state_credentials))
        return original(region, service, state_credentials)

    # Installed before the caches, so they wrap the counting builder.
    monkeypatch.setattr(lambda_eval_utils, "boto_client_for", counting)
    with StubbedPipeline(PipelineOptions()) as machine:
        for _ in range(2):
            outcome = machine.run(Script(["InProgress", "Completed"], ["Creating", "InService"]))
            assert outcome.status == "SUCCEEDED", outcome.states
            assert sum(outcome.invoked.values()) > 5  # many Lambda tasks per execution
    # moto passes the role's credentials every time; one client per region and role.
    assert len(built) == 1, built
    assert getattr(built[0][2], "role_arn", None), "moto passed no role credentials"
