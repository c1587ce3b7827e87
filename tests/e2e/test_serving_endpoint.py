"""What the serving endpoint tells the next run (functions.serving_endpoint), end to end.

- A broken endpoint stops the next runs before they train: nothing billed, nothing written,
  the lock given back, Slack names the endpoint's status and the remedy.
- A run whose model went into service but whose marker write failed for good leaves the next
  scheduled run to advance the marker from the serving EndpointConfig's tags, not to train
  the same data again.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from botocore.exceptions import ClientError

from contract import lambdas
from contract.document import DATA_MARKER_REPAIRED, KEY_DATA
from contract.errors import ERROR_ENDPOINT_NOT_READY
from localcloud.runtime import Run
from tests.e2e.conftest import Lab
from tests.e2e.runs import Finished, finished
from workflow import pipeline as p

pytestmark = pytest.mark.e2e


def _run_lock_held(lab: Lab) -> bool:
    """Whether the model's run lock object exists (its key: CheckData's deployed environment)."""
    function = lab.model.function_arns[lambdas.CHECK_DATA.key]
    configuration = lab.cloud.client("lambda", lab.model.region).get_function_configuration(
        FunctionName=function
    )
    key = configuration["Environment"]["Variables"][lambdas.RUN_LOCK_KEY.name]
    try:
        lab.cloud.client("s3", lab.model.region).head_object(Bucket=lab.model.bucket, Key=key)
    except ClientError:
        return False
    return True


def _break_endpoint(lab: Lab, reason: str) -> str:
    """Someone's update of the endpoint fails and its rollback too: UpdateRollbackFailed."""
    config = str(lab.endpoint()["EndpointConfigName"])
    lab.cloud.sagemaker.fail_next_endpoint_update("rollback-failed", reason)
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    sagemaker.update_endpoint(EndpointName=lab.model.endpoint_name, EndpointConfigName=config)
    lab.cloud.clock.run_until(lambda: lab.endpoint()["EndpointStatus"] == "UpdateRollbackFailed")
    return config


def repair_endpoint(lab: Lab, config: str) -> None:
    """What the failure message tells the operator: redeploy a known config, wait for it."""
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    sagemaker.update_endpoint(EndpointName=lab.model.endpoint_name, EndpointConfigName=config)
    lab.cloud.clock.run_until(lambda: lab.endpoint()["EndpointStatus"] == "InService")


def test_a_broken_endpoint_stops_the_next_runs_before_they_train(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    marker, jobs, manifests = lab.marker(), lab.training_jobs(), lab.manifests()
    config = _break_endpoint(lab, "injected: new instances failed health checks")
    try:
        for run_input in ({}, {"force": True}):  # force does not bypass it
            result = lab.run(run_input)

            assert result.status == "FAILED"
            assert p.START_TRAINING_JOB not in result.states
            assert result.states[-3:] == [
                p.RELEASE_RUN_LOCK_AFTER_FAILURE,
                p.FAILURE_BRANCH,
                p.JOB_FAILED,
            ]
            assert result.document["error"]["Error"] == ERROR_ENDPOINT_NOT_READY
            told = result.slack_text()
            assert f"Endpoint {lab.model.endpoint_name} is UpdateRollbackFailed" in told
            assert "injected: new instances failed health checks" in told
            assert "aws sagemaker update-endpoint" in told
            # Nothing trained, written or held: the day waits for a run after the repair.
            assert lab.training_jobs() == jobs
            assert lab.manifests() == manifests
            assert lab.marker() == marker
            assert not _run_lock_held(lab)
    finally:
        repair_endpoint(lab, config)
    assert lab.endpoint()["EndpointConfigName"] == config


def _latest_execution(lab: Lab) -> Finished:
    listed = lab.cloud.client("stepfunctions", lab.model.region).list_executions(
        stateMachineArn=lab.model.state_machine_arn
    )["executions"]
    newest = max(listed, key=lambda e: e["startDate"])
    return finished(lab.cloud, Run(newest["executionArn"], newest["name"], lab.model))


def test_after_a_lasting_marker_write_failure_the_next_run_does_not_train_again(
    lab: Lab, day: date
) -> None:
    lab.upload_day(day)
    marker = lab.marker()
    lab.inject("marker-write-denied")  # every PutParameter on the marker, until cleared
    try:
        failed = lab.run()
    finally:
        lab.leftover_faults()
    assert failed.status == "FAILED"
    assert failed.states[-1] == p.MARKER_NOT_ADVANCED
    assert lab.marker() == marker
    serving = str(lab.endpoint()["EndpointConfigName"])
    assert serving == failed.left(p.DEPLOY_MODEL)["status"]["endpointConfigName"]
    jobs = lab.training_jobs()

    # The next day's 06:00 schedule: nothing new since `day`, which the serving model covers.
    lab.next_day(at=time(7, 0))
    scheduled = _latest_execution(lab)

    assert scheduled.name != failed.name
    assert scheduled.status == "SUCCEEDED"
    assert scheduled.states[-1] == p.NO_NEW_DATA
    assert p.START_TRAINING_JOB not in scheduled.states
    assert lab.training_jobs() == jobs
    assert lab.marker() == day.isoformat()
    repaired = scheduled.document[KEY_DATA][DATA_MARKER_REPAIRED]
    assert (repaired["before"], repaired["after"]) == (marker, day.isoformat())
    assert repaired["servingRun"] == failed.name
    assert repaired["endpointConfigName"] == serving
    told = scheduled.slack_text()
    assert "behind the serving model" in told and f"advanced to {day.isoformat()}" in told
    assert scheduled.document[KEY_DATA]["changedHistoryCount"] == 0
    assert day + timedelta(days=1) == lab.today()
