"""Validation: every problem is found, reported together, and names the state at fault."""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflow.samples import build_sample
from workflow.asl import (
    Chain,
    Choice,
    Condition,
    Fail,
    Map,
    Parallel,
    Pass,
    Placeholder,
    Problem,
    Retrier,
    StateMachine,
    Succeed,
    Task,
    ValidationError,
    Wait,
    validate_definition,
)
from workflow.asl.validate_flow import is_waiting_resource

pytestmark = pytest.mark.unit
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def problems_of(machine: StateMachine) -> list[Problem]:
    with pytest.raises(ValidationError) as caught:
        machine.validate()
    assert caught.value.problems == machine.problems()
    return caught.value.problems


def the_problem(problems: list[Problem], code: str) -> Problem:
    matching = [p for p in problems if p.code == code]
    assert len(matching) == 1, problems
    return matching[0]


def assert_reports(machine: StateMachine, code: str, state: str | None, *fragments: str) -> None:
    problem = the_problem(problems_of(machine), code)
    assert problem.state == state
    text = str(problem)
    if state is not None:
        assert repr(state) in text
    for fragment in fragments:
        assert fragment in text


def test_the_sample_is_valid():
    build_sample().validate()
    assert validate_definition(build_sample().to_dict()) == []


# --- names ---------------------------------------------------------------------------------
def test_two_states_with_one_name():
    start = Pass("Step")
    start.next(Pass("Step"))
    assert_reports(StateMachine(start), "duplicate-name", "Step", "two different states")


def test_duplicate_name_across_a_parallel_branch():
    parallel = Parallel("Fan").branch(Pass("Same"))
    Pass("Start").next(parallel).next(Succeed("Same"))
    machine = StateMachine(parallel)
    assert_reports(machine, "duplicate-name", "Same", "whole machine")


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("x" * 81, "81 characters"), ("", "must not be empty"), ("tab\there", "control")],
)
def test_bad_state_names(name, fragment):
    assert_reports(StateMachine(Pass(name)), "name", name, fragment)


def test_an_80_character_name_is_fine():
    StateMachine(Pass("x" * 80)).validate()


# --- transitions and scopes ----------------------------------------------------------------
def test_a_branch_cannot_jump_out_of_its_parallel():
    after = Succeed("After")
    inside = Pass("Inside")
    inside.next(after)  # leaves the branch
    parallel = Parallel("Fan").branch(inside)
    parallel.next(after)
    assert_reports(
        StateMachine(parallel), "cross-scope", "Inside", "'After', which belongs to the top level"
    )


def test_choice_without_rules():
    choice = Choice("Empty").otherwise(Succeed("End"))
    assert_reports(StateMachine(choice), "choice-rules", "Empty", "at least one rule")


def test_choice_without_default_unless_allowed():
    rule = Condition.is_present("$.x")
    strict = Choice("Route").when(rule, Succeed("Yes"))
    assert_reports(StateMachine(strict), "no-default", "Route", "States.NoChoiceMatched")
    StateMachine(Choice("Route", allow_no_default=True).when(rule, Succeed("Yes"))).validate()


def test_a_state_without_next_ends_the_machine():
    task = Task("Work", LAMBDA)
    assert StateMachine(task).to_dict()["States"]["Work"]["End"] is True


# --- paths ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("state", "fragment"),
    [
        (Pass("P", input_path="a.b"), "InputPath"),
        (Pass("P", output_path="$.a[?(@.x"), "OutputPath"),
        (Pass("P", result_path="$$.Execution"), "ResultPath"),
        (Pass("P", result_path="$.a[*]"), "not a Reference Path"),
        (Pass("P", parameters={"x.$": "a.b"}), "Parameters.x.$"),
        (Pass("P", parameters={"x.$": "States.Nope($.a)"}), "unknown intrinsic"),
        (Pass("P", parameters={"x.$": "States.Format('{}', $.a"}), "Parameters.x.$"),
        (Pass("P", parameters={"x.$": 5}), "Parameters.x.$"),
        (Pass("P", parameters={"deep": [{"x.$": "oops"}]}), "Parameters.deep[0].x.$"),
        (Pass("P", parameters={"x": 1, "x.$": "$.a"}), "clashes"),
        (Task("P", LAMBDA, result_selector={"r.$": "nope"}), "ResultSelector.r.$"),
        (Task("P", LAMBDA, timeout_seconds_path="$$.Task.Timeout"), "TimeoutSecondsPath"),
        (Task("P", LAMBDA, heartbeat_seconds_path="x"), "HeartbeatSecondsPath"),
        (Wait("P", seconds_path="seconds"), "SecondsPath"),
        (Wait("P", timestamp_path="$.a..b"), "TimestampPath"),
        (Map("P", Pass("Item"), items_path="items"), "ItemsPath"),
        (Map("P", Pass("Item"), item_selector={"v.$": "x"}), "ItemSelector.v.$"),
        (Fail("P", error_path="error"), "ErrorPath"),
        (Fail("P", cause_path="States.Unknown($.x)"), "CausePath"),
    ],
)
def test_invalid_paths_are_reported_on_their_state(state, fragment):
    problems = problems_of(StateMachine(state))
    assert [p.state for p in problems] == ["P"], problems
    assert fragment in str(problems[0])


def test_valid_paths_and_intrinsics_pass():
    task = Task(
        "T",
        LAMBDA,
        parameters={
            "token.$": "$$.Task.Token",
            "all.$": "$",
            "last.$": "$.vals[-3:]",
            "text.$": "States.Format('Hi {} \\{x\\}', $.name)",
            "parts.$": "States.Array(1, 'two', null, States.UUID(), $['odd key'])",
            "nested": {"deep.$": "$.a.b[0]"},
        },
        result_path=None,
        input_path="$..items",
        output_path=None,
    )
    StateMachine(task).validate()


# --- busy loops ----------------------------------------------------------------------------
def loop(through: Any) -> StateMachine:
    check = Choice("Check").when(Condition.is_present("$.done"), Succeed("Done"))
    start = Pass("Prepare")
    start.next(through).next(check)
    check.otherwise(start)
    return StateMachine(start)


def test_a_loop_without_a_wait_is_a_busy_loop():
    machine = loop(Task("Poll", LAMBDA))
    problem = the_problem(problems_of(machine), "busy-loop")
    assert problem.state == "Prepare"
    assert "Prepare -> Poll -> Check -> Prepare" in problem.message


def test_a_wait_or_a_waiting_task_makes_the_loop_fine():
    loop(Wait("Pause", seconds=30)).validate()
    loop(Task("Callback", "arn:aws:states:::lambda:invoke.waitForTaskToken")).validate()
    loop(Task("Job", "arn:aws:states:::glue:startJobRun.sync")).validate()
    loop(Task("Human", "arn:aws:states:us-east-1:123456789012:activity:approve")).validate()
    loop(Parallel("Both").branch(Wait("Inner", seconds=1))).validate()


def test_busy_loops_can_be_allowed():
    machine = loop(Task("Poll", LAMBDA))
    machine.allow_busy_loops = True
    machine.validate()


def test_a_self_loop_through_a_catch_is_a_busy_loop():
    task = Task("Flaky", LAMBDA)
    task.catch(["States.ALL"], task)
    assert_reports(StateMachine(task), "busy-loop", "Flaky", "Flaky -> Flaky")


@pytest.mark.parametrize(
    ("resource", "waits"),
    [
        ("arn:aws:states:::lambda:invoke.waitForTaskToken", True),
        ("arn:aws:states:::ecs:runTask.sync", True),
        ("arn:aws:states:::states:startExecution.sync:2", True),
        ("arn:aws:states:eu-west-1:123456789012:activity:review", True),
        ("arn:aws:states:::lambda:invoke", False),
        (LAMBDA, False),
        ("arn:aws:lambda:eu-west-1:1:function:my.sync.fn", False),
    ],
)
def test_which_task_resources_wait(resource, waits):
    assert is_waiting_resource(resource) is waits


# --- Retry / Catch -------------------------------------------------------------------------
def test_states_all_must_be_alone_and_last():
    task = Task("Work", LAMBDA)
    task.retry(Retrier(["States.ALL", "Lambda.ServiceException"]))
    task.retry(Retrier(["States.Timeout"]))
    task.catch(["States.ALL"], Fail("Oops"))
    task.catch(["States.Timeout"], Fail("Late"))
    problems = problems_of(StateMachine(task))
    messages = [str(p) for p in problems if p.code == "states-all"]
    assert len(messages) == 2
    assert any("Retry[0]" in m and "alone" in m for m in messages)
    assert any("Catch[0]" in m and "last" in m for m in messages)
    assert all(p.state == "Work" for p in problems)


@pytest.mark.parametrize(
    ("settings", "fragment"),
    [
        ({"max_attempts": -1}, "MaxAttempts"),
        ({"interval_seconds": 0}, "IntervalSeconds"),
        ({"backoff_rate": 0.5}, "BackoffRate"),
        ({"max_delay_seconds": 0}, "MaxDelaySeconds"),
        ({"jitter_strategy": "SOMETIMES"}, "JitterStrategy"),
        ({"max_attempts": True}, "MaxAttempts"),
    ],
)
def test_retry_ranges(settings, fragment):
    task = Task("Work", LAMBDA).retry(Retrier(["Lambda.ServiceException"], **settings))
    assert_reports(StateMachine(task), "range", "Work", f"Retry[0].{fragment}")


def test_retry_bounds_that_are_allowed():
    retrier = Retrier(["X"], max_attempts=0, interval_seconds=1, backoff_rate=1.0)
    task = Task("Work", LAMBDA).retry(retrier)
    StateMachine(task).validate()


def test_unknown_predefined_error_names_are_typos():
    task = Task("Work", LAMBDA).retry(Retrier(["States.Timout"]))
    assert_reports(StateMachine(task), "error-equals", "Work", "States.Timout")


def test_catch_result_path_must_be_a_reference_path():
    task = Task("Work", LAMBDA).catch(["States.ALL"], Fail("Oops"), result_path="$$.error")
    assert_reports(StateMachine(task), "path", "Work", "Catch[0].ResultPath")


def test_retry_and_catch_take_lists_of_names():
    with pytest.raises(TypeError, match="list of error names"):
        Retrier("States.ALL")
    with pytest.raises(TypeError, match="list of error names"):
        Task("Work", LAMBDA).catch("States.ALL", Fail("Oops"))
    with pytest.raises(TypeError, match="takes a Retrier"):
        Task("Work", LAMBDA).retry(["States.ALL"])  # type: ignore[arg-type]


# --- timeouts, waits, fails ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "code", "fragment"),
    [
        ({"timeout_seconds": 0}, "range", "TimeoutSeconds must be a positive integer"),
        ({"heartbeat_seconds": -5}, "range", "HeartbeatSeconds"),
        ({"timeout_seconds": 10, "heartbeat_seconds": 10}, "range", "smaller than"),
        ({"timeout_seconds": 10, "timeout_seconds_path": "$.t"}, "exclusive", "together"),
        ({"heartbeat_seconds": 1, "heartbeat_seconds_path": "$.h"}, "exclusive", "together"),
    ],
)
def test_task_timeouts(kwargs, code, fragment):
    assert_reports(StateMachine(Task("Work", LAMBDA, **kwargs)), code, "Work", fragment)


def test_machine_timeout_must_be_positive():
    problems = problems_of(StateMachine(Pass("Only"), timeout_seconds=0))
    assert [(p.state, p.code) for p in problems] == [(None, "range")]
    assert "TimeoutSeconds" in str(problems[0])


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"seconds": 5, "timestamp_path": "$.t"}, {"seconds": 1, "seconds_path": "$.s"}],
)
def test_wait_needs_exactly_one_duration(kwargs):
    assert_reports(StateMachine(Wait("Pause", **kwargs)), "wait-duration", "Pause", "exactly one")


def test_wait_values():
    assert_reports(StateMachine(Wait("Pause", seconds=-1)), "range", "Pause", "Seconds")
    assert_reports(
        StateMachine(Wait("Pause", timestamp="2024-01-01 00:00")), "timestamp", "Pause", "RFC 3339"
    )


def test_fail_with_both_error_and_error_path():
    fail = Fail("Stop", error="Boom", error_path="$.error", cause="x", cause_path="$.cause")
    problems = problems_of(StateMachine(fail))
    assert [(p.state, p.code) for p in problems] == [("Stop", "exclusive"), ("Stop", "exclusive")]
    assert "Error and ErrorPath" in str(problems[0])
    assert "Cause and CausePath" in str(problems[1])


def test_parallel_needs_branches_and_map_concurrency_is_not_negative():
    assert_reports(StateMachine(Parallel("Fan")), "structure", "Fan", "Branches")
    assert_reports(StateMachine(Map("Each", Pass("Item"), max_concurrency=-1)), "range", "Each")


def test_task_resource_type_is_checked_at_once():
    with pytest.raises(TypeError, match="resource"):
        Task("Work", 42)  # type: ignore[arg-type]


# --- all together --------------------------------------------------------------------------
def test_every_problem_is_reported_at_once_and_str_lists_them():
    task = Task("Work", LAMBDA, timeout_seconds=0).retry(Retrier(["X"], backoff_rate=0.1))
    task.next(Wait("Pause"))
    with pytest.raises(ValidationError) as caught:
        StateMachine(task).to_json()
    problems = caught.value.problems
    assert {(p.state, p.code) for p in problems} == {
        ("Work", "range"),
        ("Pause", "wait-duration"),
    }
    assert len(problems) == 3
    text = str(caught.value)
    assert text.startswith("3 problems in the state machine definition:")
    assert all(f"- {p}" in text for p in problems)


def test_placeholders_do_not_hide_problems():
    task = Task("Work", Placeholder("fn"), parameters={"x.$": "$.a["})
    assert_reports(StateMachine(task), "path", "Work", "Parameters.x.$")


def test_chain_to_a_choice_cannot_continue():
    with pytest.raises(TypeError, match="Choice"):
        Chain.start(Pass("A")).next(Choice("B")).next(Pass("C"))
