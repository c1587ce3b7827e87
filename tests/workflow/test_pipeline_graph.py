"""Graph invariants of the pipeline's definition, checked on the rendered ASL document.

These read the JSON that is deployed (not the DSL objects), so they hold for what AWS runs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest
from statelint.linter import Linter  # type: ignore[import-untyped]

from contract import lambdas
from workflow import pipeline as p
from workflow.options import DAY, HOUR, PipelineOptions

pytestmark = [pytest.mark.unit, pytest.mark.properties]

REPO = Path(__file__).resolve().parents[2]
SEED_STATES = {
    "CheckData": "Task",
    "CheckDataBranch": "Choice",
    "NoNewData": "Succeed",
    "StartTrainingJob": "Task",
    "NotifySlack": "Task",
    "NotifySlackBranch": "Choice",
    "CheckStatusWait": "Task",  # was a 60 s Wait; now a callback wait (docs/design.md)
    "GetStatus": "Task",
    "CheckStatusBranch": "Choice",
    "JobCompleted": "Pass",
    "DeployModel": "Task",
    "DeploymentCompleted": "Pass",
    "UpdateParameters": "Task",
    "JobFailed": "Fail",
    "DeploymentFailed": "Fail",
}
TERMINAL_TYPES = {"Succeed", "Fail"}
STATUS_CHECKING = (p.NOTIFY_SLACK_BRANCH, p.CHECK_STATUS_WAIT, p.GET_STATUS, p.CHECK_STATUS_BRANCH)


def _definition(options: PipelineOptions | None = None) -> dict:
    return json.loads(p.build_pipeline(options).to_json())


def _edges(state: dict) -> list[str]:
    targets = [state["Next"]] if "Next" in state else []
    targets += [rule["Next"] for rule in state.get("Choices", [])]
    targets += [state["Default"]] if "Default" in state else []
    targets += [catcher["Next"] for catcher in state.get("Catch", [])]
    return targets


def _graph(definition: dict) -> dict[str, list[str]]:
    return {name: _edges(state) for name, state in definition["States"].items()}


def _reachable(graph: dict[str, list[str]], start: str, avoid: Iterable[str] = ()) -> set[str]:
    avoid = set(avoid)
    seen, stack = set(), [start]
    while stack:
        node = stack.pop()
        if node in seen or node in avoid:
            continue
        seen.add(node)
        stack.extend(graph[node])
    return seen


def _is_wait(state: dict) -> bool:
    resource = state.get("Resource", "")
    return state["Type"] == "Wait" or (
        state["Type"] == "Task" and resource.endswith(".waitForTaskToken")
    )


def test_the_rendered_definition_passes_statelint():
    problems = Linter.validate(p.build_pipeline().to_json())
    assert problems == []


def test_the_seed_states_keep_their_names_and_types():
    states = _definition()["States"]
    assert {name: states[name]["Type"] for name in SEED_STATES} == SEED_STATES


def test_every_state_reaches_a_terminal_state():
    definition = _definition()
    graph = _graph(definition)
    for name in graph:
        reached = _reachable(graph, name)
        terminal = [
            n
            for n in reached
            if definition["States"][n]["Type"] in TERMINAL_TYPES
            or definition["States"][n].get("End")
        ]
        assert terminal, f"{name} reaches no terminal state"


def test_every_state_is_reachable_from_start():
    definition = _definition()
    assert _reachable(_graph(definition), definition["StartAt"]) == set(definition["States"])


def test_every_cycle_passes_through_a_wait():
    """Remove the waiting states: what is left must be acyclic (no busy loop)."""
    definition = _definition()
    waiting = {n for n, s in definition["States"].items() if _is_wait(s)}
    assert waiting == {p.CHECK_STATUS_WAIT}
    graph = {n: [t for t in edges if t not in waiting] for n, edges in _graph(definition).items()}
    graph = {n: edges for n, edges in graph.items() if n not in waiting}
    visiting, done = set(), set()

    def visit(node: str, path: list[str]) -> None:
        if node in done:
            return
        assert node not in visiting, f"busy loop: {' -> '.join([*path, node])}"
        visiting.add(node)
        for target in graph[node]:
            visit(target, [*path, node])
        visiting.discard(node)
        done.add(node)

    for name in graph:
        visit(name, [])


def test_the_marker_is_written_only_after_the_deployment_was_seen_serving():
    definition = _definition()
    states = definition["States"]
    predecessors = {n for n, edges in _graph(definition).items() if p.UPDATE_PARAMETERS in edges}
    assert predecessors == {p.DEPLOYMENT_COMPLETED}
    into_completed = [
        rule
        for name, edges in _graph(definition).items()
        for rule in states[name].get("Choices", [])
        if rule["Next"] == p.DEPLOYMENT_COMPLETED
    ]
    other_edges = [
        n
        for n, s in states.items()
        if p.DEPLOYMENT_COMPLETED
        in ([s.get("Next"), s.get("Default")] + [c["Next"] for c in s.get("Catch", [])])
    ]
    assert other_edges == [], "DeploymentCompleted must be entered only through a Choice rule"
    assert len(into_completed) == 1
    rule = json.dumps(into_completed[0])
    for needed in (
        '"StringEquals": "deployment"',
        '"StringEquals": "InService"',
        '"BooleanEquals": true',
    ):
        assert needed in rule, f"the rule into DeploymentCompleted lacks {needed}: {rule}"
    # No other path to UpdateParameters once that rule is removed.
    graph = _graph(definition)
    graph[p.NOTIFY_SLACK_BRANCH] = [
        t for t in graph[p.NOTIFY_SLACK_BRANCH] if t != p.DEPLOYMENT_COMPLETED
    ]
    assert p.UPDATE_PARAMETERS not in _reachable(graph, definition["StartAt"])


@pytest.mark.parametrize("state", STATUS_CHECKING)
def test_both_failures_are_reachable_from_every_status_checking_state(state):
    reached = _reachable(_graph(_definition()), state)
    assert {p.JOB_FAILED, p.DEPLOYMENT_FAILED} <= reached


def test_every_choice_has_a_default():
    for name, state in _definition()["States"].items():
        if state["Type"] == "Choice":
            assert "Default" in state, name


def test_every_task_retries_transient_lambda_errors_and_catches_everything():
    for name, state in _definition()["States"].items():
        if state["Type"] != "Task":
            continue
        retried = {e for r in state.get("Retry", []) for e in r["ErrorEquals"]}
        assert set(p.TRANSIENT_LAMBDA_ERRORS) <= retried, name
        assert all(r.get("JitterStrategy") == "FULL" for r in state["Retry"]), name
        caught = [e for c in state.get("Catch", []) for e in c["ErrorEquals"]]
        assert caught and caught[-1] == "States.ALL", f"{name} does not catch States.ALL"
        assert "TimeoutSeconds" in state or "TimeoutSecondsPath" in state, name


def test_notifications_never_fail_the_run():
    states = _definition()["States"]
    for name in (p.NOTIFY_SLACK, p.NOTIFY_DEPLOYMENT_STARTED, p.NOTIFY_FAILURE):
        catch_all = next(c for c in states[name]["Catch"] if c["ErrorEquals"] == ["States.ALL"])
        assert catch_all["Next"] == states[name]["Next"], f"{name}'s failure must carry on"


def test_stopping_the_training_job_never_hides_the_original_error():
    """StopTrainingJob writes $.stop, never $.error; failing or not, the run goes on to tell
    Slack the error that failed it."""
    states = _definition()["States"]
    stop = states[p.STOP_TRAINING_JOB]
    assert stop["ResultPath"] == "$.stop"
    assert stop["Next"] == p.NOTIFY_FAILURE
    (catch_all,) = stop["Catch"]
    assert catch_all == {
        "ErrorEquals": ["States.ALL"],
        "Next": p.NOTIFY_FAILURE,
        "ResultPath": "$.stop",
    }
    # Every failure that can come while the job runs passes StopTrainingBranch.
    for name in (p.START_TRAINING_JOB, p.CHECK_STATUS_WAIT, p.GET_STATUS):
        assert states[name]["Catch"][-1]["Next"] == p.STOP_TRAINING_BRANCH, name
    for name in (p.STATUS_CHECK_TIMED_OUT, p.STATUS_UNREADABLE):
        assert states[name]["Next"] == p.STOP_TRAINING_BRANCH, name


def test_task_timeouts_follow_the_function_timeouts():
    states = _definition()["States"]
    assert states[p.CHECK_DATA]["TimeoutSeconds"] == lambdas.CHECK_DATA.timeout_seconds + 30
    assert states[p.CHECK_STATUS_WAIT]["TimeoutSecondsPath"] == "$.status.poll.timeoutSeconds"


@pytest.mark.parametrize(
    "options",
    [
        PipelineOptions(),
        PipelineOptions(training_max_runtime_seconds=28 * DAY),
        PipelineOptions(
            training_max_runtime_seconds=2 * DAY,
            training_max_wait_seconds=28 * DAY,
            poll_initial_seconds=60,
            poll_max_seconds=HOUR,
        ),
    ],
    ids=["default", "28-days", "spot-28-days-hourly"],
)
def test_every_loop_is_bounded_and_the_worst_case_history_fits(options):
    """The poll loop ends at the stage's deadline (GetStatus's `deadlinePassed`), and after
    a few spare polls past those covering it at the latest; the worst case (the longest
    training, then the longest deployment, every spare poll used) stays well below Step
    Functions' 25,000-event history limit, and within the machine's own timeout."""
    definition = _definition(options)
    assert definition["TimeoutSeconds"] == options.state_machine_timeout_seconds
    rules = json.dumps(definition["States"][p.CHECK_STATUS_BRANCH])
    assert '"Variable": "$.status.poll.deadlinePassed"' in rules
    assert f'"NumericGreaterThanEquals": {options.training_poll_cap}' in rules
    assert f'"NumericGreaterThanEquals": {options.deployment_poll_cap}' in rules
    # Events per poll: CheckStatusWait (entered, scheduled, started, submitted, timed out,
    # exited), GetStatus (entered, scheduled, started, succeeded, exited), the Choice
    # (entered, exited) = 13, plus up to 6 per retried Lambda attempt; we allow 20.
    polls = options.training_poll_cap + options.deployment_poll_cap
    fixed = 200  # every other state once, generously, with retries
    assert polls * 20 + fixed < 25_000
    covered = sum(options.poll_timeouts(options.training_deadline_seconds))
    assert covered >= options.training_deadline_seconds


def test_render_is_byte_stable_across_hash_seeds():
    script = "from workflow.pipeline import build_pipeline; print(build_pipeline().to_json())"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=REPO,
            env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outputs) == 1


def test_readme_diagram_and_routing_table_are_fresh():
    result = subprocess.run(
        [sys.executable, "-m", "workflow", "readme", "--check", "README.md"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_a_model_is_deployed_only_on_an_approval_the_registry_gave():
    """Every way into DeployModel is a Choice rule on the approval stage's `Approved` (with
    the package DeployModel reads), or a rollback's RollbackTarget, which carries the earlier
    package CheckData found Approved; DeployModel itself re-describes the package first."""
    definition = _definition()
    states = definition["States"]
    rules = [
        rule
        for state in states.values()
        for rule in state.get("Choices", [])
        if rule["Next"] == p.DEPLOY_MODEL
    ]
    assert rules, "no Choice rule leads to DeployModel"
    for rule in rules:
        text = json.dumps(rule)
        for needed in (
            '"StringEquals": "approval"',
            '"StringEquals": "Approved"',
            '"Variable": "$.status.package"',
        ):
            assert needed in text, f"a rule into DeployModel lacks {needed}: {text}"
    other_edges = {
        name
        for name, state in states.items()
        if p.DEPLOY_MODEL
        in ([state.get("Next"), state.get("Default")] + [c["Next"] for c in state.get("Catch", [])])
    }
    assert other_edges <= {p.ROLLBACK_TARGET}, other_edges
    parameters = states[p.DEPLOY_MODEL]["Parameters"]
    assert parameters["package.$"] == "$.status.package"
