"""Lambda, Slack and S3 failing under a run: retried, reported, or failing cleanly.

- Lambda throttling (TooManyRequestsException) is a transient service error: the task's
  Retry absorbs it; the run succeeds and the failed attempts stay visible in the history.
- Slack failing (HTTP 500, rate limited, a rejected token) never fails a run: NotifySlack
  reports it in `$.notification` and the run goes on.
- The manifest cannot be written (a bucket policy denies it): CheckData fails before any
  training job exists; the run ends in JobFailed, the marker untouched, Slack told.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from contract.document import KEY_NOTIFICATION
from tests.e2e.conftest import Lab
from tests.e2e.runs import states_so_far
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

THROTTLED = "Lambda.TooManyRequestsException"


def test_throttled_lambdas_are_retried_and_the_run_succeeds(lab: Lab, day: date) -> None:
    throttles = {
        ("lambda-throttled-check-data", p.CHECK_DATA): 1,
        ("lambda-throttled-deploy-model", p.DEPLOY_MODEL): 2,
        ("lambda-throttled-update-parameters", p.UPDATE_PARAMETERS): 1,
    }
    lab.upload_day(day)
    for (fault, _), times in throttles.items():
        lab.inject(fault, times)

    result = lab.run()

    assert result.status == "SUCCEEDED", result.error_message()
    assert result.states[-1] == p.RELEASE_RUN_LOCK
    assert lab.marker() == day.isoformat()
    for (_, state), times in throttles.items():
        assert result.task_failures.count((state, THROTTLED)) == times, result.task_failures
        # The retries happen inside the state: it is entered once.
        assert result.states.count(state) == 1
    assert {error for _, error in result.task_failures} == {THROTTLED}
    assert "deployment InService" in result.slack_text()


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        # The catalogue's Slack faults fail both attempts slack_sdk makes of a 5xx or a 429.
        pytest.param("slack-500", "http_500", id="http-500"),
        pytest.param("slack-rate-limited", "ratelimited", id="ratelimited"),
        pytest.param("slack-invalid-auth", "invalid_auth", id="invalid-auth"),
    ],
)
def test_slack_failing_never_fails_the_run(lab: Lab, day: date, fault: str, reason: str) -> None:
    lab.upload_day(day)
    run = lab.start()
    injected = False

    def fail_the_last_post() -> None:
        # The last post is the deployment's outcome, after NotifyDeploymentStarted.
        nonlocal injected
        if not injected and p.NOTIFY_DEPLOYMENT_STARTED in states_so_far(lab.cloud, run):
            lab.inject(fault)
            injected = True

    lab.cloud.wait(run, on_idle=fail_the_last_post)
    result = lab.finished(run)

    assert injected
    assert result.status == "SUCCEEDED"
    assert result.states[-3:] == [
        p.DEPLOYMENT_COMPLETED,
        p.UPDATE_PARAMETERS,
        p.RELEASE_RUN_LOCK,
    ]
    notification = result.document[KEY_NOTIFICATION]
    assert notification["posted"] is False
    assert notification["reason"] == reason
    assert lab.marker() == day.isoformat()
    # What was posted before the fault arrived; the outcome was not.
    told = result.slack_text()
    assert "deployment Updating" in told
    assert "deployment InService" not in told


@pytest.fixture
def manifests_denied(lab: Lab) -> str:
    """S3 denies the run's manifest write (localcloud's `manifest-write-refused`)."""
    lab.inject("manifest-write-refused")
    return lab.manifest_prefix()


def test_manifest_write_failure_fails_the_run_before_training(
    lab: Lab, day: date, manifests_denied: str
) -> None:
    key = lab.upload_day(day)
    marker, jobs = lab.marker(), lab.training_jobs()

    result = lab.run()

    assert result.status == "FAILED"
    assert result.states == [
        p.WRAP_INPUT,
        p.CHECK_DATA,
        p.NOTIFY_FAILURE,
        p.RELEASE_RUN_LOCK_AFTER_FAILURE,
        p.FAILURE_BRANCH,
        p.JOB_FAILED,
    ]
    assert lab.training_jobs() == jobs
    assert lab.marker() == marker
    assert key in lab.objects()
    assert not [m for m in lab.manifests() if result.name in m]
    error = result.error_message()
    assert "PutObject" in error
    assert f"{manifests_denied}{result.name}.manifest" in error
    assert "run failed" in result.slack_text()
    assert f"{manifests_denied}{result.name}.manifest" in result.slack_text()


def test_a_run_failed_by_a_throttled_wait_stops_its_training_job(lab: Lab, day: date) -> None:
    """CheckStatusWait throttled past its retries fails the run while SageMaker trains: the
    failure path stops the job (no longer billed), then tells Slack the original error."""
    lab.upload_day(day)
    jobs, marker = lab.training_jobs(), lab.marker()
    sfn = lab.cloud.client("stepfunctions", lab.model.region)
    definition = json.loads(
        sfn.describe_state_machine(stateMachineArn=lab.model.state_machine_arn)["definition"]
    )
    retries = definition["States"][p.CHECK_STATUS_WAIT]["Retry"][0]["MaxAttempts"]
    # The first wait is the training's: every attempt of it is throttled.
    lab.inject("lambda-throttled-await-status", retries + 1)

    result = lab.run()

    assert result.status == "FAILED"
    after_wait = result.states[result.states.index(p.CHECK_STATUS_WAIT) :]
    assert after_wait[:4] == [
        p.CHECK_STATUS_WAIT,
        p.STOP_TRAINING_BRANCH,
        p.STOP_TRAINING_JOB,
        p.NOTIFY_FAILURE,
    ]
    assert result.task_failures.count((p.CHECK_STATUS_WAIT, THROTTLED)) == retries + 1
    assert p.DEPLOY_MODEL not in result.states
    (job,) = set(lab.training_jobs()) - set(jobs)
    stop = result.left(p.STOP_TRAINING_JOB)["stop"]
    assert (stop["trainingJobName"], stop["statusBefore"], stop["stopped"]) == (
        job,
        "InProgress",
        True,
    )
    # The original error is what the run reports, not the stop.
    assert result.document["error"]["Error"] == THROTTLED
    assert result.states[-1] == p.JOB_FAILED
    # SageMaker takes its time to stop (Stopping, then Stopped).
    lab.cloud.advance_to(lab.cloud.clock.utcnow() + timedelta(minutes=5))
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    assert sagemaker.describe_training_job(TrainingJobName=job)["TrainingJobStatus"] == "Stopped"
    assert lab.marker() == marker
