"""`make demo` itself: the four stories end as the README says, and the report has its schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contract.document import GATE_REJECT
from localcloud.demo import gate_story_held, run_demo
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


def test_the_demo_runs_the_four_stories_and_writes_its_report(tmp_path: Path) -> None:
    printed: list[str] = []
    report = run_demo("dev", tmp_path, write=printed.append)

    written = json.loads((tmp_path / "demo-report.json").read_text(encoding="utf-8"))
    assert written == json.loads(json.dumps(report))
    assert {"runs", "prediction"} <= set(written)
    gate = written["quality_gate"]
    for run in written["runs"]:
        assert set(run) >= RUN_KEYS, run["name"]
        # The one run meant to fail: story 4's, whose model the quality gate rejected.
        assert run["status"] == ("FAILED" if run["name"] == gate["run"] else "SUCCEEDED"), run
        assert run["transitions"] == len(run["states"])

    endings = [run["states"][-1] for run in written["runs"]]
    assert endings.count(p.MODEL_REJECTED) == 1
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

    # 4: a shuffled day in training; the gate rejects the model, the old one keeps serving.
    (rejected,) = [run for run in written["runs"] if run["name"] == gate["run"]]
    gate_states = (p.EVALUATE_MODEL, p.QUALITY_GATE_BRANCH, p.NOTIFY_MODEL_REJECTED)
    assert [s for s in rejected["states"] if s in gate_states] == list(gate_states)
    assert rejected["states"][-1] == p.MODEL_REJECTED
    assert p.DEPLOY_MODEL not in rejected["states"]
    evaluation = gate["evaluation"]
    assert evaluation["decision"] == GATE_REJECT
    # The rejected model's job, as the run's own Slack messages name it.
    assert any(evaluation["trainingJobName"] in text for text in rejected["slack"])
    assert (evaluation["holdout"]["start"], evaluation["holdout"]["end"]) == (
        gate["holdout_day"],
        gate["holdout_day"],
    )
    assert gate["shuffled_day"] < gate["holdout_day"]
    limit = evaluation["champion"] * (1 + evaluation["bounds"]["maxRegressionPercent"] / 100)
    # Unambiguous, not a borderline call: far beyond the bound.
    assert evaluation["challenger"] > 1.5 * limit, evaluation
    assert gate["before"] == gate["after"]  # same serving config, same answers, same marker
    assert gate["before"]["endpoint_config"] == third["endpoint_config"]
    assert gate["before"]["marker"] == third["marker_after"]
    during = gate["endpoint_probe_during_run"]
    assert during["failed"] == 0 and during["requests"] > 0
    assert during["served_by_in_order"] == [third["endpoint_config"]]
    assert gate_story_held(gate)
    assert any(
        f"{evaluation['challenger']:.6g}" in text and f"{evaluation['champion']:.6g}" in text
        for text in rejected["slack"]
    ), rejected["slack"]

    prediction = written["prediction"]
    for score, expected in zip(prediction["predictions"], prediction["expected"], strict=True):
        assert abs(score - expected) < 2.0
    text = "\n".join(printed)
    assert "Slack, as the local Slack API received it" in text
    assert p.CHECK_STATUS_WAIT in text  # the progress view printed the states as entered
    summary = text[text.index("The quality gate, run") :]
    for shown in (
        f"challenger {evaluation['challenger']:.4g}",
        f"champion {evaluation['champion']:.4g}",
        f"({evaluation['metric']})",
        f"+{evaluation['bounds']['maxRegressionPercent']:.4g}%",
        "the model from before the run keeps serving",
        "(identical)",
        f"marker {gate['before']['marker']} -> {gate['after']['marker']} (untouched)",
    ):
        assert shown in summary, shown
