"""The quality gate on a real public data set: scikit-learn's diabetes regression data.

442 patients (Efron et al., "Least Angle Regression", 2004), ten baseline measurements and a
disease-progression score a year later, shipped inside scikit-learn (nothing is downloaded
or generated here). Split in its own order into 13 daily files of 34 rows, the label first
as Linear Learner reads it. One day arrives with its labels shuffled: a broken upstream
export whose columns are individually intact (so no drift statistic can see it), but whose
labels no longer belong to their rows.

The model here: a 3-day window (2 days trained, the newest held out), dev's gate (rmse,
at most 10 % worse than the serving model) and `driftAction: reject`. The pipeline runs day
by day on its own embedded cloud, its 06:00 schedule firing. What must hold:

- no model whose training data includes the shuffled day ever serves (read from the serving
  model's own training job: its training channel's manifest);
- clean days keep deploying: before the bad day, and again once it left the window;
- a day whose feature arrives in other units (x10) is rejected for its drift.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sklearn.datasets import load_diabetes

from contract.document import KEY_EVALUATION
from localcloud.runtime import LocalCloud, ModelStack
from tests.e2e.runs import Finished, finished
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

ZONE = ZoneInfo("Europe/Paris")  # Pulumi.dev.yaml's scheduleTimeZone
FIRST_DAY = date(2026, 5, 4)
ROWS_PER_DAY = 34  # 442 = 13 x 34
WINDOW_DAYS = 3  # 2 days trained (68 rows), the newest held out (34 rows)
STORY_DAYS = 10  # days 0-9; day 10 is the drift test's
SHUFFLED = 5  # the sixth day's labels are shuffled
MODEL = "diabetes"


def daily_files() -> list[np.ndarray]:
    """The data set's rows in its own order, [label, *features], one array per day."""
    features, target = load_diabetes(return_X_y=True)
    table = np.column_stack([target, features])
    days = np.split(table, len(table) // ROWS_PER_DAY)
    broken = days[SHUFFLED].copy()
    broken[:, 0] = np.random.default_rng(0).permutation(broken[:, 0])
    assert not np.array_equal(broken[:, 0], days[SHUFFLED][:, 0])
    days[SHUFFLED] = broken
    return days


@dataclass
class Real:
    cloud: LocalCloud
    model: ModelStack

    def day(self, index: int) -> date:
        return FIRST_DAY + timedelta(days=index)

    def upload(self, index: int, rows: np.ndarray) -> None:
        self.cloud.upload_csv(self.model, self.day(index).isoformat(), rows.tolist())

    def scheduled_run(self, index: int) -> Finished:
        """The 06:00 schedule of day `index`, run to its end."""
        before = {run.execution_arn for run in self.cloud.runs(self.model)}
        self.cloud.advance_to(datetime.combine(self.day(index), time(6, 30), tzinfo=ZONE))
        (run,) = [r for r in self.cloud.runs(self.model) if r.execution_arn not in before]
        self.cloud.wait(run)
        return finished(self.cloud, run)

    def serving_training_days(self) -> list[str]:
        """The days the serving model trained on: its training job's `train` manifest."""
        sagemaker = self.cloud.client("sagemaker", self.model.region)
        config = sagemaker.describe_endpoint(EndpointName=self.model.endpoint_name)
        variant = sagemaker.describe_endpoint_config(
            EndpointConfigName=config["EndpointConfigName"]
        )["ProductionVariants"][0]
        # The Model is created from the registry's package, which names the artefact.
        container = sagemaker.describe_model(ModelName=variant["ModelName"])["PrimaryContainer"]
        package = sagemaker.describe_model_package(ModelPackageName=container["ModelPackageName"])
        artifact = package["InferenceSpecification"]["Containers"][0]["ModelDataUrl"]
        (job,) = [
            described
            for summary in sagemaker.list_training_jobs(MaxResults=100)["TrainingJobSummaries"]
            if (
                described := sagemaker.describe_training_job(
                    TrainingJobName=summary["TrainingJobName"]
                )
            )["ModelArtifacts"]["S3ModelArtifacts"]
            == artifact
        ]
        (train,) = [c for c in job["InputDataConfig"] if c["ChannelName"] == "train"]
        uri = train["DataSource"]["S3DataSource"]["S3Uri"]
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        s3 = self.cloud.client("s3", self.model.region)
        manifest = json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        return sorted(name.removesuffix(".csv") for name in manifest[1:])


@pytest.fixture(scope="module")
def real() -> Iterator[Real]:
    models = [
        {
            "name": MODEL,
            "uploadTriggerEnabled": False,
            "trainingWindowDays": WINDOW_DAYS,
            "driftAction": "reject",
        }
    ]
    start = datetime.combine(FIRST_DAY + timedelta(days=WINDOW_DAYS - 1), time(5, 0), tzinfo=ZONE)
    with LocalCloud(start=start, training_duration=lambda request: 300.0) as cloud:
        (model,) = cloud.deploy("dev", config_overrides={"retraining:models": json.dumps(models)})
        yield Real(cloud, model)


def _scores(result: Finished) -> dict[str, Any]:
    evaluation = result.document.get(KEY_EVALUATION) or {}
    return {k: evaluation.get(k) for k in ("challenger", "champion", "decision", "reason")}


def test_no_model_trained_on_the_shuffled_day_ever_serves_and_clean_days_keep_deploying(
    real: Real,
) -> None:
    files = daily_files()
    bad_day = real.day(SHUFFLED).isoformat()
    for index in range(WINDOW_DAYS - 1):
        real.upload(index, files[index])
    outcomes: dict[int, tuple[str, dict[str, Any]]] = {}
    for index in range(WINDOW_DAYS - 1, STORY_DAYS):
        real.upload(index, files[index])
        result = real.scheduled_run(index)
        outcomes[index] = (result.status, _scores(result))
        served = real.serving_training_days()
        assert bad_day not in served, (index, served, outcomes[index])
        trains_on_bad_day = index - (WINDOW_DAYS - 1) <= SHUFFLED < index
        if trains_on_bad_day:
            assert result.status == "FAILED" and result.states[-1] == p.MODEL_REJECTED, outcomes
            assert _scores(result)["challenger"] > _scores(result)["champion"]
        else:
            assert result.status == "SUCCEEDED", outcomes
            served_days = range(index - WINDOW_DAYS + 1, index)
            assert served == [real.day(i).isoformat() for i in served_days]
    # Deployed before the bad day (and with it as the holdout, never trained on), rejected
    # while it was trained on, deployed again once it left the window.
    statuses = [outcomes[i][0] for i in sorted(outcomes)]
    assert statuses == ["SUCCEEDED"] * 4 + ["FAILED"] * 2 + ["SUCCEEDED"] * 2, outcomes


def test_a_feature_in_other_units_is_rejected_for_its_drift(real: Real) -> None:
    """driftAction reject: the gate rejects the run's model, naming the drift."""
    index = STORY_DAYS
    rows = daily_files()[index].copy()
    rows[:, 3] *= 10  # bmi, feature 3 (column 4), exported in other units
    served = real.serving_training_days()
    real.upload(index, rows)

    result = real.scheduled_run(index)

    drift = result.document["data"]["drift"]
    assert drift["shiftedCount"] >= 1
    assert any(s["column"] == 4 and s["statistic"] == "sdRatio" for s in drift["shifted"])
    assert result.status == "FAILED" and result.states[-1] == p.MODEL_REJECTED
    evaluation = result.document[KEY_EVALUATION]
    assert evaluation["decision"] == "reject" and evaluation["drift"]["rejects"] is True
    assert evaluation["reason"].startswith("rejected: data drift (driftAction reject)")
    assert "feature 3 sd" in evaluation["reason"]
    assert "data drift" in result.slack_text() and "Data drift" in result.slack_text()
    assert real.serving_training_days() == served  # the previous model keeps serving
