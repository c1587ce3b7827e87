"""Manual inputs and overlapping runs, on the deployed pipeline.

- `{}` is a manual run: it trains when there is new data, like the schedule does.
- `{"force": true}` retrains the whole window although nothing is new: a new model is
  deployed, the marker stays where it is (it already covers every file).
- An input outside the contract fails the run in CheckData, naming the field.
- Runs that overlap: the one that started first (ties broken by name) owns the data; any
  other ends in AnotherRunInProgress naming it, having read and written nothing.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from contract.document import (
    INPUT_FORCE,
    INPUT_SCHEDULED_TIME,
    KEY_DATA,
    KEY_DEPLOYMENT,
    KEY_MARKER,
    TRIGGER_MANUAL,
    TRIGGER_SCHEDULE,
)
from contract.errors import ERROR_INPUT_VALIDATION
from tests.e2e.conftest import Lab
from tests.e2e.runs import wait
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

STOOD_ASIDE = [
    p.CHECK_DATA,
    p.CHECK_DATA_BRANCH,
    p.NOTIFY_RUN_IN_PROGRESS,
    p.ANOTHER_RUN_IN_PROGRESS,
]


def test_empty_input_trains_the_new_day(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    jobs = lab.training_jobs()

    result = lab.run({})

    assert result.status == "SUCCEEDED"
    assert result.document[KEY_DATA]["trigger"] == TRIGGER_MANUAL
    assert result.document[KEY_DATA]["newFileCount"] == 1
    assert result.states[-1] == p.RELEASE_RUN_LOCK
    assert len(lab.training_jobs()) == len(jobs) + 1
    assert lab.marker() == day.isoformat()
    assert "deployment InService" in result.slack_text()


def test_force_retrains_the_window_without_new_data(lab: Lab, day: date) -> None:
    marker = lab.marker()
    old_config = lab.endpoint()["EndpointConfigName"]
    nothing_new = lab.run({})
    assert nothing_new.states == [p.WRAP_INPUT, p.CHECK_DATA, p.CHECK_DATA_BRANCH, p.NO_NEW_DATA]

    forced = lab.run({INPUT_FORCE: True})

    assert forced.status == "SUCCEEDED"
    trained = forced.document[KEY_DATA]
    assert trained["force"] is True
    assert trained["newFileCount"] == 0
    assert trained["fileCount"] >= 1
    assert trained["newestDate"] == marker
    new_config = forced.document[KEY_DEPLOYMENT]["endpointConfigName"]
    assert new_config != old_config
    assert lab.endpoint()["EndpointConfigName"] == new_config
    assert forced.document[KEY_MARKER] == {"before": marker, "after": marker, "advanced": False}
    assert lab.marker() == marker


@pytest.mark.parametrize(
    ("run_input", "named"),
    [
        pytest.param({INPUT_FORCE: "yes"}, "force", id="force-not-boolean"),
        pytest.param({"forse": True}, "'forse'", id="unknown-field"),
        pytest.param({INPUT_SCHEDULED_TIME: "tomorrow"}, "scheduledTime", id="bad-time"),
    ],
)
def test_input_outside_the_contract_fails_naming_the_field(
    lab: Lab, day: date, run_input: dict[str, object], named: str
) -> None:
    lab.upload_day(day)
    marker, jobs = lab.marker(), lab.training_jobs()

    result = lab.run(run_input)

    assert result.status == "FAILED"
    assert result.states == [
        p.WRAP_INPUT,
        p.CHECK_DATA,
        p.NOTIFY_FAILURE,
        p.RELEASE_RUN_LOCK_AFTER_FAILURE,
        p.FAILURE_BRANCH,
        p.JOB_FAILED,
    ]
    assert result.error_message().startswith(f"{ERROR_INPUT_VALIDATION}: ")
    assert named in result.error_message()
    assert named in result.slack_text()
    assert (lab.marker(), lab.training_jobs()) == (marker, jobs)


def test_two_runs_started_together_train_once(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    jobs = lab.training_jobs()

    with lab.cloud.lambdas.paused():  # both exist before either checks for the other
        runs = lab.start(), lab.start()
    results = wait(lab.cloud, *runs)

    trained = [r for r in results if p.START_TRAINING_JOB in r.states]
    aside = [r for r in results if r.states[-len(STOOD_ASIDE) :] == STOOD_ASIDE]
    assert (len(trained), len(aside)) == (1, 1), [r.states for r in results]
    # The run lock decides (not the names, not a listing): the other one names its owner.
    assert aside[0].status == "SUCCEEDED"
    assert aside[0].document[KEY_DATA]["runningExecution"] == trained[0].name
    assert f"stands aside: run {trained[0].name} trains" in aside[0].slack_text()
    assert trained[0].status == "SUCCEEDED"
    assert len(lab.training_jobs()) == len(jobs) + 1
    assert lab.marker() == day.isoformat()


def test_manual_run_during_the_scheduled_run_stands_aside(lab: Lab, day: date) -> None:
    lab.upload_day(day)
    jobs = lab.training_jobs()

    scheduled = lab.cloud.run_schedule(lab.model)
    lab.cloud.advance_to(lab.cloud.clock.utcnow() + timedelta(minutes=1))
    manual = lab.start({})
    by_schedule, by_hand = wait(lab.cloud, scheduled, manual)

    assert by_schedule.document[KEY_DATA]["trigger"] == TRIGGER_SCHEDULE
    assert by_schedule.status == "SUCCEEDED"
    assert by_schedule.states[-1] == p.RELEASE_RUN_LOCK
    assert by_hand.states[-len(STOOD_ASIDE) :] == STOOD_ASIDE
    assert by_hand.document[KEY_DATA]["runningExecution"] == scheduled.name
    assert len(lab.training_jobs()) == len(jobs) + 1
    assert lab.marker() == day.isoformat()


def test_every_models_schedule_fires_every_day(lab: Lab, day: date) -> None:
    # Two models on one cron are due at the same instant: each must start its own run.
    scheduler = lab.cloud.schedulers[lab.model.region]
    six = lab.local(day, time(6, 0))
    fired = {f.target_arn: f for f in scheduler.firings if f.scheduled_time == six}
    assert set(fired) == {m.state_machine_arn for m in lab.all_models}
    assert all(f.execution_arn and f.error is None for f in fired.values())
