"""One training per model at a time: the run lock, end to end (functions.run_lock).

Runs that overlap one that trains stand aside naming it (and Slack hears it); the lock is
released on every terminal path, reclaimed from an owner that was aborted, and a run that
stood aside with new data gets a follow-up run as soon as the owner ends.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from contract.document import (
    DECISION_RUN_IN_PROGRESS,
    KEY_DATA,
    KEY_LOCK,
    KEY_NOTIFICATION,
    TRIGGER_FOLLOW_UP,
    TRIGGER_UPLOAD,
)
from contract.errors import ERROR_ORPHANED_TRAINING_STOPPING
from localcloud.internals.moto_private import StepFunctionsParserBackend
from localcloud.runtime import Run
from tests.e2e.conftest import Lab
from tests.e2e.runs import Finished, states_so_far, wait
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

BACK_TO_BACK = 50


def start_named(lab: Lab, name: str, run_input: dict[str, Any] | None = None) -> Run:
    sfn = lab.cloud.client("stepfunctions", lab.model.region)
    arn = sfn.start_execution(
        stateMachineArn=lab.model.state_machine_arn,
        name=name,
        input=json.dumps(run_input or {}),
    )["executionArn"]
    return Run(arn, name, lab.model)


def run_until_state(lab: Lab, run: Run, state: str) -> None:
    lab.cloud.clock.run_until(lambda: state in states_so_far(lab.cloud, run))


def stood_aside_for(result: Finished, owner: str) -> bool:
    return (
        result.status == "SUCCEEDED"
        and result.states[-2:] == [p.NOTIFY_RUN_IN_PROGRESS, p.ANOTHER_RUN_IN_PROGRESS]
        and result.document[KEY_DATA]["decision"] == DECISION_RUN_IN_PROGRESS
        and result.document[KEY_DATA]["runningExecution"] == owner
        and f"stands aside: run {owner} trains model" in result.slack_text()
    )


@pytest.fixture
def stale_listing() -> Iterator[None]:
    """ListExecutions answers nothing, as an eventually consistent listing may."""
    original = StepFunctionsParserBackend.list_executions

    def empty(backend: Any, *args: Any, **kwargs: Any) -> Any:
        listed, next_token = original(backend, *args, **kwargs)  # moto's paginated answer
        filtered = kwargs.get("status_filter") or args[1:2]
        return ([], None) if filtered else (listed, next_token)

    StepFunctionsParserBackend.list_executions = empty
    yield
    StepFunctionsParserBackend.list_executions = original


def test_a_smaller_name_starting_in_the_owners_instant_stands_aside(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    jobs = lab.training_jobs()
    suffix = uuid.uuid4().hex[:8]

    owner = start_named(lab, f"z-owner-{suffix}")
    run_until_state(lab, owner, p.START_TRAINING_JOB)  # past CheckData, clock not moved
    challenger = start_named(lab, f"a-challenger-{suffix}")
    owner_run, challenger_run = wait(lab.cloud, owner, challenger)

    assert lab.cloud.describe(owner)["startDate"] == lab.cloud.describe(challenger)["startDate"]
    assert len(lab.training_jobs()) == len(jobs) + 1
    assert owner_run.status == "SUCCEEDED", owner_run.states
    assert owner_run.states[-1] == p.RELEASE_RUN_LOCK
    assert stood_aside_for(challenger_run, owner.name), challenger_run.states


def test_back_to_back_starts_train_once_whatever_the_listing_says(
    lab: Lab, day: date, stale_listing: None
) -> None:
    lab.upload_day(day)
    jobs = lab.training_jobs()

    runs = [lab.start() for _ in range(BACK_TO_BACK)]
    lab.cloud.wait(*runs)
    results = wait(lab.cloud, *runs)

    # The embedded runtime's verdict agrees with each history's last event (defect 12).
    for run in runs:
        last = lab.cloud.history(run)[-1]["type"]
        expected = {"ExecutionSucceeded": "SUCCEEDED", "ExecutionFailed": "FAILED"}[last]
        assert lab.cloud.describe(run)["status"] == expected, (run.name, last)
    trained = [r for r in results if p.START_TRAINING_JOB in r.states]
    assert len(trained) == 1, [r.states for r in results]
    assert len(lab.training_jobs()) == len(jobs) + 1
    owner = trained[0]
    assert owner.status == "SUCCEEDED"
    others = [r for r in results if r is not owner]
    assert all(stood_aside_for(r, owner.name) for r in others), [
        (r.name, r.status, r.states, r.document.get(KEY_DATA), r.document.get(KEY_NOTIFICATION))
        for r in others
        if not stood_aside_for(r, owner.name)
    ]
    assert lab.marker() == day.isoformat()


def test_a_failed_owner_releases_the_lock_and_the_next_run_trains(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    jobs = lab.training_jobs()
    lab.cloud.sagemaker.fail_next_training()

    failed = lab.run()
    assert failed.status == "FAILED"
    assert failed.states[-3:] == [p.RELEASE_RUN_LOCK_AFTER_FAILURE, p.FAILURE_BRANCH, p.JOB_FAILED]
    assert failed.document[KEY_LOCK]["released"] is True

    retried = lab.run()
    assert retried.status == "SUCCEEDED", retried.states
    assert p.START_TRAINING_JOB in retried.states
    assert len(lab.training_jobs()) == len(jobs) + 2
    assert lab.marker() == day.isoformat()


def test_the_lock_of_an_aborted_owner_is_reclaimed_by_the_next_run(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    jobs = lab.training_jobs()
    sfn = lab.cloud.client("stepfunctions", lab.model.region)

    aborted = lab.start()
    run_until_state(lab, aborted, p.CHECK_STATUS_WAIT)
    sfn.stop_execution(executionArn=aborted.execution_arn)  # never reaches a release state
    (orphan,) = set(lab.training_jobs()) - set(jobs)  # no Catch ran: it still trains
    sagemaker = lab.cloud.client("sagemaker", lab.model.region)
    assert sagemaker.describe_training_job(TrainingJobName=orphan)["TrainingJobStatus"] == (
        "InProgress"
    )
    next_run = lab.run()

    assert lab.cloud.describe(aborted)["status"] == "ABORTED"
    assert next_run.status == "SUCCEEDED", next_run.states
    assert p.START_TRAINING_JOB in next_run.states
    assert len(lab.training_jobs()) == len(jobs) + 2
    assert lab.marker() == day.isoformat()
    # The reclaiming run stopped the orphan and waited while it was Stopping (CheckData is
    # retried on OrphanedTrainingStoppingError) before it trained: never two at once.
    assert (p.CHECK_DATA, ERROR_ORPHANED_TRAINING_STOPPING) in next_run.task_failures
    orphan_job = sagemaker.describe_training_job(TrainingJobName=orphan)
    assert orphan_job["TrainingJobStatus"] == "Stopped"
    (successor,) = set(lab.training_jobs()) - set(jobs) - {orphan}
    successor_job = sagemaker.describe_training_job(TrainingJobName=successor)
    assert orphan_job["TrainingEndTime"] <= successor_job["CreationTime"], orphan_job


def test_an_upload_during_training_is_trained_the_same_day_by_a_follow_up_run(
    lab: Lab, day: date
) -> None:
    jobs = lab.training_jobs()
    owner = lab.start({"force": True})  # retrains the window; today's file is not there yet
    run_until_state(lab, owner, p.CHECK_STATUS_WAIT)
    lab.upload_day(day)
    upload = lab.start({"trigger": TRIGGER_UPLOAD})  # what the debounced upload starts
    owner_run, upload_run = wait(lab.cloud, owner, upload)

    assert stood_aside_for(upload_run, owner.name), upload_run.states
    assert upload_run.document[KEY_DATA]["followUpRequested"] is True
    assert f"follow-up run when {owner.name} ends" in upload_run.slack_text()
    assert owner_run.status == "SUCCEEDED", owner_run.states
    follow_up = owner_run.document[KEY_LOCK]["followUp"]
    assert follow_up["requestedBy"] == [upload.name]

    (follow_up_run,) = wait(lab.cloud, Run(follow_up["arn"], follow_up["name"], lab.model))
    assert follow_up_run.status == "SUCCEEDED", follow_up_run.states
    assert follow_up_run.document[KEY_DATA]["trigger"] == TRIGGER_FOLLOW_UP
    assert follow_up_run.document[KEY_DATA]["newestDate"] == day.isoformat()
    assert "training Completed" in follow_up_run.slack_text()
    assert lab.marker() == day.isoformat()
    assert lab.today() == day  # the same day, not the next schedule's
    assert len(lab.training_jobs()) == len(jobs) + 2
