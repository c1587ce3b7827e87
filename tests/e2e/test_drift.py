"""The drift report on the embedded runtime, with dev's defaults (`driftAction: warn`).

A day whose humidity arrives with an offset (+40 points: a sensor recalibrated upstream) is
reported in the run output and in Slack, naming the column, the statistic and the threshold;
under `warn` the gate decides on the scores alone. (`driftAction: reject` is held by
tests/e2e/test_real_data.py.)
"""

from __future__ import annotations

from datetime import date

import pytest

from contract.document import KEY_DATA, KEY_EVALUATION
from localcloud import data
from tests.e2e.conftest import Lab

pytestmark = pytest.mark.e2e

HUMIDITY = 1 + data.FEATURES.index("humidity_pct")  # 0-based in a row: the label is first


def test_a_shifted_feature_is_reported_and_only_warns_on_dev_defaults(lab: Lab, day: date) -> None:
    rows = [
        [*row[:HUMIDITY], row[HUMIDITY] + 40, *row[HUMIDITY + 1 :]] for row in data.daily_rows(day)
    ]
    lab.cloud.upload_csv(lab.model, day.isoformat(), rows)
    try:
        result = lab.run()

        drift = result.document[KEY_DATA]["drift"]
        assert drift["threshold"] == 3.0 and drift["newCount"] == 1
        assert drift["baselineCount"] >= 3 and drift["withoutStatsCount"] == 0
        (shift,) = drift["shifted"]
        assert (shift["column"], shift["name"], shift["statistic"]) == (
            HUMIDITY + 1,
            f"feature {HUMIDITY}",
            "meanShift",
        )
        assert shift["value"] > 3.0
        assert shift["newMean"] - shift["baselineMean"] == pytest.approx(40, abs=3)
        assert "Data drift" in result.slack_text()
        assert f"feature {HUMIDITY} mean" in result.slack_text()
        evaluation = result.document[KEY_EVALUATION]
        assert evaluation["drift"] == {
            "action": "warn",
            "rejects": False,
            "summary": drift["summary"],
        }
        assert "data drift" not in evaluation["reason"]
    finally:
        # The real day again: the next run retrains the clean window.
        lab.upload_day(day)
