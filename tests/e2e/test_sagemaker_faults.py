"""SageMaker failing under a run: each run ends where the routing table says it must.

The expected terminal states are read from `workflow.routing` (the Choice rules evaluated on
status documents), not re-typed: these tests prove the deployed pipeline, on a SageMaker that
really fails, stops or rolls back, does what the table promises. In every case the marker is
untouched (the day is retried next run), Slack was told, and the endpoint keeps serving the
model it served before.
"""

from __future__ import annotations

from datetime import date

import pytest

from contract.document import KEY_STATUS
from contract.status import STAGE_DEPLOYMENT, STAGE_TRAINING
from localcloud import data, faults
from tests.e2e.conftest import Lab
from workflow import pipeline as p
from workflow.routing import routing_table

pytestmark = pytest.mark.e2e


def _designed_end(stage: str, status: str, *, serving: bool = True) -> str:
    """Where NotifySlackBranch sends a final `status` of `stage` (the README's table)."""
    rolled_back = not serving
    for row in routing_table():
        if row.stage == stage and row.status == status and bool(row.note) == rolled_back:
            return row.notify_slack_branch
    raise AssertionError(f"no routing row for {stage} {status}")


@pytest.mark.parametrize(
    ("inject", "final_status"),
    [
        pytest.param("fail", "Failed", id="training-failed"),
        pytest.param("stop", "Stopped", id="training-stopped"),
    ],
)
def test_training_that_does_not_complete_fails_the_run(
    lab: Lab, day: date, inject: str, final_status: str
) -> None:
    lab.upload_day(day)
    marker, jobs = lab.marker(), lab.training_jobs()
    config = lab.endpoint()["EndpointConfigName"]
    reason = faults.TRAINING_FAILURE_REASON
    lab.inject("training-fails" if inject == "fail" else "training-stopped")

    result = lab.run()

    # NotifySlackBranch sends a final failure through the lock's release; FailureBranch then
    # picks the Fail state by what the run reached.
    assert _designed_end(STAGE_TRAINING, final_status) == p.RELEASE_RUN_LOCK_AFTER_FAILURE
    assert result.status == "FAILED"
    assert result.states[-3:] == [p.RELEASE_RUN_LOCK_AFTER_FAILURE, p.FAILURE_BRANCH, p.JOB_FAILED]
    assert p.DEPLOY_MODEL not in result.states
    assert result.document[KEY_STATUS]["status"] == final_status
    (job,) = set(lab.training_jobs()) - set(jobs)
    assert result.document[KEY_STATUS]["name"] == job
    assert lab.marker() == marker
    assert lab.endpoint()["EndpointConfigName"] == config
    # Slack heard about it, naming the job and (for a failure) SageMaker's reason.
    told = result.slack_text()
    assert f"training {final_status}" in told and job in told
    if inject == "fail":
        assert reason in told
    # The previous model still answers.
    assert lab.predict(data.feature_rows(day, 1))[1] == config


@pytest.mark.parametrize("outcome", ["rollback", "rollback-failed"])
def test_failed_endpoint_update_keeps_the_old_model_serving(
    lab: Lab, day: date, outcome: str
) -> None:
    lab.upload_day(day)
    marker = lab.marker()
    old_config = lab.endpoint()["EndpointConfigName"]
    lab.inject(
        "endpoint-update-rolled-back" if outcome == "rollback" else "endpoint-update-rollback-fails"
    )
    calls_before = len(lab.cloud.sagemaker.invocations)
    rows = data.feature_rows(day, 2)

    def client_keeps_calling() -> None:
        lab.predict(rows)

    try:
        run = lab.start()
        lab.cloud.wait(run, on_idle=client_keeps_calling)
        result = lab.finished(run)

        if outcome == "rollback":
            # InService again, on the old configuration: Slack says it was rolled back.
            final, serving, told = "InService", False, "deployment InService (rolled back)"
        else:
            final, serving, told = "UpdateRollbackFailed", True, "deployment UpdateRollbackFailed"
        designed = _designed_end(STAGE_DEPLOYMENT, final, serving=serving)
        assert designed == p.RELEASE_RUN_LOCK_AFTER_FAILURE
        assert result.status == "FAILED"
        assert result.states[-3:] == [designed, p.FAILURE_BRANCH, p.DEPLOYMENT_FAILED]
        assert p.UPDATE_PARAMETERS not in result.states
        new_config = result.left(p.DEPLOY_MODEL)[KEY_STATUS]["endpointConfigName"]
        assert new_config != old_config
        assert result.document[KEY_STATUS]["status"] == final
        assert lab.marker() == marker
        endpoint = lab.endpoint()
        assert (endpoint["EndpointStatus"], endpoint["EndpointConfigName"]) == (final, old_config)
        # Every call during the failed update was answered, by the old model only.
        calls = [
            call
            for call in lab.cloud.sagemaker.invocations[calls_before:]
            if call.endpoint_name == lab.model.endpoint_name
        ]
        assert calls and all(call.ok for call in calls)
        assert {call.endpoint_config_name for call in calls} == {old_config}
        assert lab.predict(rows)[1] == old_config
        assert told in result.slack_text()
        assert faults.ENDPOINT_FAILURE_REASON in result.slack_text()
    finally:
        # Left UpdateRollbackFailed, the endpoint would stop every later run in CheckData
        # (EndpointNotReadyError): repaired as an operator would, whatever was asserted.
        if outcome == "rollback-failed":
            _repair(lab, old_config)


def _repair(lab: Lab, config: str) -> None:
    """What an operator does after UpdateRollbackFailed: redeploy the serving config."""
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    sagemaker.update_endpoint(EndpointName=lab.model.endpoint_name, EndpointConfigName=config)
    lab.cloud.clock.run_until(lambda: lab.endpoint()["EndpointStatus"] == "InService")
