"""`make demo` itself: the three runs end as the README says, and the report has its schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localcloud.demo import run_demo
from workflow import pipeline as p

pytestmark = pytest.mark.e2e

RUN_KEYS = {
    "name",
    "status",
    "states",
    "transitions",
    "history_events",
    "training_job",
    "metrics",
    "endpoint_config",
    "marker_before",
    "marker_after",
    "slack",
}


def test_the_demo_runs_the_three_scenarios_and_writes_its_report(tmp_path: Path) -> None:
    printed: list[str] = []
    report = run_demo("dev", tmp_path, write=printed.append)

    written = json.loads((tmp_path / "demo-report.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(report))
    assert {"runs", "prediction"} <= set(written)
    for run in written["runs"]:
        assert set(run) >= RUN_KEYS, run["name"]
        assert run["status"] == "SUCCEEDED"
        assert run["transitions"] == len(run["states"])

    endings = [run["states"][-1] for run in written["runs"]]
    trained = [run for run in written["runs"] if run["states"][-1] == p.RELEASE_RUN_LOCK]
    # 1: trains and creates the endpoint; 2: no new data; 3: retrains and updates it.
    assert endings.count(p.RELEASE_RUN_LOCK) == 2
    assert all(p.UPDATE_PARAMETERS in run["states"] for run in trained)
    assert p.NO_NEW_DATA in endings
    first, third = trained
    assert first["marker_before"] is None and first["marker_after"] is not None
    assert third["marker_before"] == first["marker_after"] < third["marker_after"]
    assert first["endpoint_config"] != third["endpoint_config"]
    assert all(run["slack"] for run in trained)

    probe = written["endpoint_probe_during_update"]
    assert probe["failed"] == 0 and probe["requests"] > 0
    assert probe["served_by_in_order"] == [first["endpoint_config"], third["endpoint_config"]]

    prediction = written["prediction"]
    for score, expected in zip(prediction["predictions"], prediction["expected"], strict=True):
        assert abs(score - expected) < 2.0
    text = "\n".join(printed)
    assert "Slack, as the local Slack API received it" in text
    assert p.CHECK_STATUS_WAIT in text  # the progress view printed the states as entered
