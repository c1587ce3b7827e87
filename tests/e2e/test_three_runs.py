"""The three-run scenario on dev's own model, as the schedule and the upload trigger run it.

1. Three days of data arrive just before the 06:00 schedule. The scheduled run trains,
   creates the endpoint and advances the marker; the upload trigger's debounced run starts
   while it trains and stands aside (AnotherRunInProgress): only one run trains.
2. The next day's scheduled run finds nothing newer than the marker: NoNewData, nothing
   trained, nothing posted, the marker as it was.
3. A new day's file arrives; its upload run retrains on the whole window and updates the
   endpoint in place while a client keeps calling it: every call is answered, by the old
   configuration until the new one is InService, then by the new one.
"""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest

from contract.document import (
    DECISION_NO_NEW_DATA,
    KEY_DATA,
    KEY_DEPLOYMENT,
    KEY_MARKER,
    KEY_STATUS,
    TRIGGER_SCHEDULE,
    TRIGGER_UPLOAD,
)
from localcloud import data
from localcloud.runtime import Run
from localcloud.watch import EndpointProbe
from tests.e2e.conftest import Lab, Stack
from tests.e2e.runs import Finished, finished, wait
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

HISTORY_DAYS = 3
# How far the learned model may be from the data's true expectation (rentals per hour):
# the noise has a standard deviation of 4, and the model saw thousands of rows.
PREDICTION_TOLERANCE = 2.0


def _new_runs(lab: Lab, known: set[str]) -> list[Run]:
    fresh = [r for r in lab.cloud.runs(lab.model) if r.execution_arn not in known]
    known.update(r.execution_arn for r in fresh)
    return fresh


def _trigger(result: Finished) -> str:
    return str(result.document[KEY_DATA]["trigger"])


def _manifest_files(lab: Lab, uri: str) -> list[str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    body = lab.cloud.client("s3", lab.model.region).get_object(Bucket=bucket, Key=key)["Body"]
    entries = json.loads(body.read())
    return [e for e in entries if isinstance(e, str)]


@pytest.fixture(scope="module")
def scenario(stack: Stack) -> Lab:
    lab = Lab(stack, stack.scenario)
    assert lab.marker() is None, "the scenario model must never have trained"
    return lab


def test_three_runs(scenario: Lab) -> None:
    lab, cloud = scenario, scenario.cloud
    # A Monday: the history (Fri, Sat, Sun) then holds weekdays and weekend days, so the
    # models can learn the weekend column whichever day the shared clock shows now (the
    # quality gate holds the newest day out of each training).
    day = lab.today() + timedelta(days=1)
    while day.weekday() != 0:
        day += timedelta(days=1)
    history = [day - timedelta(days=n) for n in range(HISTORY_DAYS, 0, -1)]

    # --- 1: first scheduled run: trains, CreateEndpoint, marker advanced -----------------
    cloud.advance_to(lab.local(day, time(5, 57)))
    lab.settle()
    known = {r.execution_arn for r in cloud.runs(lab.model)}
    for past in history:
        lab.upload_day(past)
    scheduled = cloud.run_schedule(lab.model)
    lab.settle()
    first = finished(cloud, scheduled)
    runs = {r.name: finished(cloud, r) for r in _new_runs(lab, known)}
    assert scheduled.name in runs
    assert len(runs) == 2, "the schedule and the upload trigger each start one run"
    (upload_run,) = (r for name, r in runs.items() if name != scheduled.name)

    assert first.status == "SUCCEEDED"
    assert _trigger(first) == TRIGGER_SCHEDULE
    assert first.states[-3:] == [p.DEPLOYMENT_COMPLETED, p.UPDATE_PARAMETERS, p.RELEASE_RUN_LOCK]
    assert first.document["lock"] == {"released": True, "heldBy": None, "followUp": None}
    assert first.left(p.DEPLOY_MODEL)[KEY_STATUS]["status"] == "Creating"
    assert first.left(p.DEPLOY_MODEL)[KEY_STATUS]["previousEndpointConfigName"] is None
    # No champion yet: the quality gate has no serving model to compare with, and dev sets no
    # absolute bound (qualityMaxScore), so the new model deploys on its real test score.
    gate = first.document["evaluation"]
    assert (gate["champion"], gate["decision"], gate["overridden"]) == (None, "deploy", False)
    assert "does not exist yet" in gate["championNote"]
    # A real test:rmse on the held-out newest day: the training job's own final metric.
    sagemaker = cloud.client("sagemaker", lab.model.region)
    (job,) = lab.training_jobs()
    metrics = {
        m["MetricName"]: m["Value"]
        for m in sagemaker.describe_training_job(TrainingJobName=job)["FinalMetricDataList"]
    }
    assert gate["challenger"] == pytest.approx(metrics["test:rmse"])
    assert gate["challenger"] > 0
    first_config = first.document[KEY_DEPLOYMENT]["endpointConfigName"]
    assert lab.endpoint()["EndpointStatus"] == "InService"
    assert lab.endpoint()["EndpointConfigName"] == first_config
    assert first.document[KEY_DATA]["fileCount"] == HISTORY_DAYS
    assert first.document[KEY_MARKER] == {
        "before": None,
        "after": history[-1].isoformat(),
        "advanced": True,
    }
    assert lab.marker() == history[-1].isoformat()
    assert len(lab.training_jobs()) == 1
    assert "deployment InService" in first.slack_text()
    assert "training Completed" in first.slack_text()

    assert upload_run.status == "SUCCEEDED"
    assert _trigger(upload_run) == TRIGGER_UPLOAD
    assert upload_run.states[-3:] == [
        p.CHECK_DATA_BRANCH,
        p.NOTIFY_RUN_IN_PROGRESS,
        p.ANOTHER_RUN_IN_PROGRESS,
    ]
    assert upload_run.document[KEY_DATA]["runningExecution"] == scheduled.name
    # The same files as the scheduled run's: it trains them, no follow-up is needed.
    assert upload_run.document[KEY_DATA]["followUpRequested"] is False
    assert f"stands aside: run {scheduled.name} trains model" in upload_run.slack_text()

    # --- 2: next day's schedule: NoNewData ---------------------------------------------------
    second = wait(cloud, cloud.run_schedule(lab.model))[0]
    known.add(second.run.execution_arn)
    assert second.status == "SUCCEEDED"
    assert second.states == [p.WRAP_INPUT, p.CHECK_DATA, p.CHECK_DATA_BRANCH, p.NO_NEW_DATA]
    assert second.document[KEY_DATA]["decision"] == DECISION_NO_NEW_DATA
    assert lab.marker() == history[-1].isoformat()
    assert len(lab.training_jobs()) == 1
    assert second.slack == []

    # --- 3: a new day's file: retrain on the window, UpdateEndpoint with zero downtime ----
    next_day = day + timedelta(days=1)
    cloud.advance_to(lab.local(next_day, time(9, 0)))
    probe = EndpointProbe(cloud, lab.model, data.feature_rows(day, 2))
    calls_before = len(cloud.sagemaker.invocations)
    probe.start()
    lab.upload_day(day)
    cloud.advance_to(lab.local(next_day, time(9, 10)))
    (update_run,) = _new_runs(lab, known)
    third = wait(cloud, update_run)[0]
    probe.stop()
    calls = [
        i
        for i in cloud.sagemaker.invocations[calls_before:]
        if i.endpoint_name == lab.model.endpoint_name
    ]

    assert third.status == "SUCCEEDED"
    assert _trigger(third) == TRIGGER_UPLOAD
    window = third.document[KEY_DATA]
    assert (window["fileCount"], window["newFileCount"]) == (HISTORY_DAYS + 1, 1)
    # The whole window but its newest day, which is the quality gate's holdout (the first
    # run's holdout day is trained on now).
    assert _manifest_files(lab, window["manifestUri"]) == [f"{d.isoformat()}.csv" for d in history]
    assert _manifest_files(lab, window["holdoutManifestUri"]) == [f"{day.isoformat()}.csv"]
    deploying = third.left(p.DEPLOY_MODEL)[KEY_STATUS]
    assert deploying["status"] == "Updating"
    assert deploying["previousEndpointConfigName"] == first_config
    new_config = third.document[KEY_DEPLOYMENT]["endpointConfigName"]
    assert new_config != first_config
    assert lab.endpoint()["EndpointConfigName"] == new_config
    assert third.document[KEY_MARKER]["after"] == day.isoformat()
    assert lab.marker() == day.isoformat()
    assert len(lab.training_jobs()) == 2
    assert "deployment Updating" in third.slack_text()
    assert "deployment InService" in third.slack_text()

    # Zero downtime: every call answered; while Updating, by the old configuration.
    assert calls and all(call.ok for call in calls), [call.error for call in calls]
    during_update = [call for call in calls if call.endpoint_status == "Updating"]
    assert len(during_update) >= 5  # 480 s of update, a call a minute
    assert {call.endpoint_config_name for call in during_update} == {first_config}
    assert probe.report()["served_by_in_order"] == [first_config, new_config]
    assert probe.report()["failed"] == 0

    # The model really learned the data: predictions near the true expectation.
    rows = data.feature_rows(next_day, 3)
    scores, served_by = lab.predict(rows)
    assert served_by == new_config
    for score, row in zip(scores, rows, strict=True):
        assert score == pytest.approx(data.expected_rentals(row), abs=PREDICTION_TOLERANCE)
