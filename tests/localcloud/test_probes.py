"""The probe runner (`python -m localcloud probes`): the judge's verdicts on hand-built run
records, and one short probe of each kind end to end on a deployed stack."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from localcloud import faults
from localcloud.probes import catalogue, cli, judge
from localcloud.probes.judge import Evidence, RunRecord, TrainingRecord
from localcloud.probes.lab import ProbeStack, deploy, new_cloud

T0 = datetime(2026, 3, 5, 6, 0, tzinfo=UTC)


def _clean(**changes: object) -> Evidence:
    evidence = Evidence(
        model="lab",
        runs=[RunRecord("run-a", "SUCCEEDED")],
        training=[TrainingRecord("job-a", "Completed", T0, T0 + timedelta(minutes=5))],
        lock_holder=None,
        marker="2026-03-04",
        serving_covers="2026-03-04",
        endpoint_status="InService",
    )
    for name, value in changes.items():
        setattr(evidence, name, value)
    return evidence


def _failed(error: str, slack: list[str], caught: str | None = None) -> RunRecord:
    return RunRecord("run-b", "FAILED", error=error, caught_error=caught, slack=slack)


def test_a_clean_run_is_clean() -> None:
    assert judge.judge([_clean()]).clean


def test_a_failure_named_in_slack_is_clean() -> None:
    named = _failed(
        "JobFailed", ["run-b :rotating_light: InputValidationError: got []"], "InputValidationError"
    )
    spelled = _failed("TrainingFailed", ["run-b training Failed: run failed"])
    rolled_back = _failed("DeploymentFailed", ["run-b deployment InService (rolled back)"])
    rolled_back.final_status = "deployment InService"
    assert judge.judge([_clean(runs=[named, spelled, rolled_back])]).clean


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        pytest.param(
            {"runs": [RunRecord("run-a", "TIMED_OUT")]}, "ended TIMED_OUT", id="timed-out"
        ),
        pytest.param({"runs": [RunRecord("run-a", "ABORTED")]}, "ended ABORTED", id="aborted"),
        pytest.param({"runs": [RunRecord("run-a", "RUNNING")]}, "ended RUNNING", id="running"),
        pytest.param(
            {"runs": [_failed("States.Runtime", ["run-b States.Runtime"])]},
            "unnamed error: States.Runtime",
            id="states-runtime",
        ),
        pytest.param(
            {"runs": [_failed("JobFailed", ["run-b"], "States.Runtime")]},
            "unnamed error",
            id="caught-states-runtime",
        ),
        pytest.param({"runs": [_failed("JobFailed", [])]}, "Slack heard nothing", id="no-slack"),
        pytest.param(
            {"runs": [_failed("JobFailed", ["run-b unknown error"], "MarkerError")]},
            "no Slack message names the error",
            id="slack-unnamed",
        ),
        pytest.param(
            {"training": [TrainingRecord("job-a", "InProgress", T0, None)]},
            "left InProgress",
            id="billed",
        ),
        pytest.param(
            {
                "training": [
                    TrainingRecord("job-a", "Completed", T0, T0 + timedelta(minutes=5)),
                    TrainingRecord(
                        "job-b", "Completed", T0 + timedelta(minutes=1), T0 + timedelta(minutes=6)
                    ),
                ]
            },
            "two training jobs at once: job-a and job-b",
            id="overlap",
        ),
        pytest.param({"lock_holder": "run-a"}, "run lock still held by run-a", id="lock"),
        pytest.param({"marker": "2026-03-05"}, "newer than the data the serving", id="marker"),
        pytest.param({"serving_covers": None}, "coverage is unknown", id="coverage"),
        pytest.param({"endpoint_status": "Failed"}, "endpoint Failed", id="endpoint"),
    ],
)
def test_each_unclean_ending_is_named(changes: dict[str, object], reason: str) -> None:
    verdict = judge.judge([_clean(**changes)])
    assert not verdict.clean
    assert any(reason in why and why.startswith("lab: ") for why in verdict.reasons), verdict


def test_what_the_probe_caused_or_excused_is_clean() -> None:
    aborted = RunRecord("run-a", "ABORTED", aborted_by_probe=True)
    excused = _clean(runs=[aborted], endpoint_status="Failed", endpoint_excuse="injected")
    assert judge.judge([excused]).clean


def test_every_catalogue_fault_is_probed_and_the_kinds_are_full() -> None:
    assert set(faults.CATALOGUE) == catalogue.PROBED_FAULTS
    assert len(catalogue.BAD_INPUTS) >= 27
    assert len(catalogue.FAULTS) >= 26
    assert len(catalogue.RACES) >= 5


# --- end to end -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack() -> Iterator[ProbeStack]:
    with new_cloud() as cloud:
        yield deploy(cloud)


@pytest.mark.e2e
@pytest.mark.parametrize(
    "name", ["input []", "S3 refuses the manifest write", "two starts in the same instant"]
)
def test_one_probe_of_each_kind_ends_cleanly(stack: ProbeStack, name: str) -> None:
    result = cli.run_probe(stack, catalogue.by_name(name))
    assert (result.clean, result.why_not) == (True, []), result
    assert result.ended != "no run"
    assert faults.pending_total(stack.cloud) == 0  # consumed, or cleared by the tidy


@pytest.mark.e2e
def test_a_probe_that_breaks_is_reported_unclean(stack: ProbeStack) -> None:
    def broken(lab: ProbeStack, day: object) -> catalogue.Act:
        raise RuntimeError("the probe itself failed")

    result = cli.run_probe(stack, catalogue.Probe(catalogue.KIND_RACE, "broken", broken))
    assert not result.clean
    assert result.why_not == ["probe broke: RuntimeError: the probe itself failed"]
    assert json.dumps(cli.counts([result])) == json.dumps(
        {catalogue.KIND_RACE: {"tried": 1, "endedCleanly": 0}}
    )
