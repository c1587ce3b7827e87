"""Rendering: the exact ASL document, placeholders, and bytes that never drift."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflow.samples import PLACEHOLDERS, build_sample
from workflow.asl import (
    UNSET,
    Chain,
    Choice,
    Condition,
    Fail,
    Map,
    Parallel,
    Pass,
    Placeholder,
    Retrier,
    StateMachine,
    Succeed,
    Task,
    ValidationError,
    Wait,
)

pytestmark = pytest.mark.unit
REPO = Path(__file__).resolve().parents[2]
RENDER = "from tests.workflow.samples import build_sample; print(build_sample().to_json(), end='')"


# --- determinism ---------------------------------------------------------------------------
def test_the_same_machine_built_twice_renders_the_same_bytes():
    assert build_sample().to_json() == build_sample().to_json()
    assert build_sample().to_mermaid() == build_sample().to_mermaid()


def test_to_json_is_the_canonical_encoding_of_to_dict():
    machine = build_sample()
    expected = json.dumps(
        machine.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    assert machine.to_json() == expected
    assert json.loads(machine.to_json()) == machine.to_dict()


def test_bytes_do_not_depend_on_the_hash_seed():
    """Set/dict ordering must never leak into the output: render in fresh interpreters."""
    outputs = set()
    for seed in ("0", "1", "4242"):
        environment = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", RENDER],
            cwd=REPO,
            env=environment,
            capture_output=True,
            check=True,
        )
        outputs.add(result.stdout)
    assert outputs == {build_sample().to_json().encode()}


def test_unicode_is_kept_and_nan_is_refused():
    machine = StateMachine(Pass("Grüße", result={"text": "naïve \u2013 ok"}))
    assert "Grüße" in machine.to_json() and "naïve \u2013 ok" in machine.to_json()
    with pytest.raises(ValueError, match="JSON"):
        StateMachine(Pass("Bad", result={"x": float("nan")})).to_json()


# --- exact documents -----------------------------------------------------------------------
def test_a_task_renders_every_field():
    handler = Fail("Handle")
    task = Task(
        "Work",
        "arn:aws:states:::lambda:invoke",
        parameters={"FunctionName": Placeholder("fn", example="arn:fn"), "Payload.$": "$"},
        result_selector={"body.$": "$.Payload"},
        result_path="$.result",
        timeout_seconds=30,
        heartbeat_seconds=10,
        comment="does the work",
        input_path="$.in",
        output_path="$.out",
    )
    task.retry(Retrier(["A", "B"], interval_seconds=2, max_attempts=5, backoff_rate=1.5))
    task.retry(Retrier(["States.ALL"], max_delay_seconds=60, jitter_strategy="FULL"))
    task.catch(["States.ALL"], handler, result_path=None)
    task.next(Succeed("Done"))
    assert StateMachine(task).to_dict()["States"]["Work"] == {
        "Type": "Task",
        "Comment": "does the work",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "arn:fn", "Payload.$": "$"},
        "ResultSelector": {"body.$": "$.Payload"},
        "ResultPath": "$.result",
        "InputPath": "$.in",
        "OutputPath": "$.out",
        "TimeoutSeconds": 30,
        "HeartbeatSeconds": 10,
        "Retry": [
            {"ErrorEquals": ["A", "B"], "IntervalSeconds": 2, "MaxAttempts": 5, "BackoffRate": 1.5},
            {
                "ErrorEquals": ["States.ALL"],
                "IntervalSeconds": 1,
                "MaxAttempts": 3,
                "BackoffRate": 2.0,
                "MaxDelaySeconds": 60,
                "JitterStrategy": "FULL",
            },
        ],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handle", "ResultPath": None}],
        "Next": "Done",
    }


def test_path_fields_distinguish_not_given_from_null():
    given_null = Pass("Null", input_path=None, output_path=None, result_path=None)
    not_given = Pass("Unset", input_path=UNSET, output_path=UNSET, result_path=UNSET)
    given_null.next(not_given)
    states = StateMachine(given_null).to_dict()["States"]
    assert states["Null"] == {
        "Type": "Pass",
        "InputPath": None,
        "OutputPath": None,
        "ResultPath": None,
        "Next": "Unset",
    }
    assert states["Unset"] == {"Type": "Pass", "End": True}
    assert '"InputPath":null' in StateMachine(given_null).to_json()
    catch_default = Task("T", "arn:x").catch(["States.ALL"], Succeed("S"), result_path=UNSET)
    assert StateMachine(catch_default).to_dict()["States"]["T"]["Catch"] == [
        {"ErrorEquals": ["States.ALL"], "Next": "S"}
    ]
    with pytest.raises(TypeError, match="input_path"):
        Pass("Bad", input_path=3)  # type: ignore[arg-type]


def test_pass_result_may_be_any_json_including_null():
    states = StateMachine(Pass("A", result=None).next(Pass("B", result=[1, "x"]))).to_dict()
    assert "Result" in StateMachine(Pass("A", result=None)).to_dict()["States"]["A"]
    assert states == {
        "StartAt": "B",
        "States": {"B": {"Type": "Pass", "Result": [1, "x"], "End": True}},
    }


def test_waits_fails_and_choices_render_their_fields():
    wait = Wait("Pause", timestamp="2030-01-01T00:00:00Z")
    fail = Fail("Stop", error_path="$.e", cause="because")
    choice = (
        Choice("Route", input_path="$.x", comment="c")
        .when(Condition.numeric_greater_than("$.n", 1), wait)
        .otherwise(fail)
    )
    wait.next(Succeed("Done", output_path="$.result"))
    states = StateMachine(choice).to_dict()["States"]
    assert states["Route"] == {
        "Type": "Choice",
        "Comment": "c",
        "InputPath": "$.x",
        "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Pause"}],
        "Default": "Stop",
    }
    assert states["Pause"] == {"Type": "Wait", "Timestamp": "2030-01-01T00:00:00Z", "Next": "Done"}
    assert states["Stop"] == {"Type": "Fail", "ErrorPath": "$.e", "Cause": "because"}
    assert states["Done"] == {"Type": "Succeed", "OutputPath": "$.result"}


def test_parallel_and_map_render_their_sub_machines():
    branch = Chain.start(Pass("One")).next(Succeed("Two"))
    parallel = Parallel("Fan", result_path="$.both").branch(branch).branch(Pass("Three"))
    each = Map("Each", Task("Item", "arn:x"), items_path="$.items", max_concurrency=2)
    parallel.next(each)
    document = StateMachine(parallel).to_dict()
    assert set(document["States"]) == {"Fan", "Each"}
    assert document["States"]["Fan"]["Branches"] == [
        {
            "StartAt": "One",
            "States": {"One": {"Type": "Pass", "Next": "Two"}, "Two": {"Type": "Succeed"}},
        },
        {"StartAt": "Three", "States": {"Three": {"Type": "Pass", "End": True}}},
    ]
    assert document["States"]["Each"]["ItemProcessor"] == {
        "ProcessorConfig": {"Mode": "INLINE"},
        "StartAt": "Item",
        "States": {"Item": {"Type": "Task", "Resource": "arn:x", "End": True}},
    }
    assert document["States"]["Each"]["MaxConcurrency"] == 2
    assert set(StateMachine(parallel).states) == {"Fan", "Each", "One", "Two", "Three", "Item"}


def test_machine_level_fields():
    document = StateMachine(Pass("Only"), comment="hello", timeout_seconds=60).to_dict()
    assert document == {
        "Comment": "hello",
        "TimeoutSeconds": 60,
        "StartAt": "Only",
        "States": {"Only": {"Type": "Pass", "End": True}},
    }


def test_rendering_validates_first():
    with pytest.raises(ValidationError):
        StateMachine(Wait("NoDuration")).to_dict()
    with pytest.raises(ValidationError):
        StateMachine(Wait("NoDuration")).to_json()
    with pytest.raises(ValidationError):
        StateMachine(Wait("NoDuration")).to_mermaid()


# --- placeholders --------------------------------------------------------------------------
def test_placeholders_render_as_examples_without_a_mapping():
    machine = build_sample()
    assert machine.placeholders() == PLACEHOLDERS
    states = machine.to_dict()["States"]
    assert (
        states["Summarize"]["Resource"]
        == "arn:aws:lambda:us-east-1:123456789012:function:summarize"
    )
    charge = states["EachOrder"]["ItemProcessor"]["States"]["Charge"]
    assert charge["Parameters"]["FunctionName"] == "arn:aws:lambda:eu-west-1:1:function:c"


def test_placeholders_resolve_anywhere_in_payloads():
    task = Task(
        "Work",
        Placeholder("main"),
        parameters={"list": [Placeholder("a"), {"deep": Placeholder("b")}], "keep": "x"},
        result_selector={"tuple": (Placeholder("a"), 1)},
    )
    task.next(Pass("Note", result={"who": Placeholder("c")}))
    machine = StateMachine(task)
    assert machine.placeholders() == {"main", "a", "b", "c"}
    resolved = machine.to_dict(resolve={"main": "M", "a": "A", "b": "B", "c": "C", "extra": "E"})
    assert resolved["States"]["Work"]["Resource"] == "M"
    assert resolved["States"]["Work"]["Parameters"] == {"list": ["A", {"deep": "B"}], "keep": "x"}
    assert resolved["States"]["Work"]["ResultSelector"] == {"tuple": ["A", 1]}
    assert resolved["States"]["Note"]["Result"] == {"who": "C"}


def test_a_missing_placeholder_value_names_it_and_its_states():
    machine = build_sample()
    with pytest.raises(ValueError) as caught:
        machine.to_json(resolve={"summarize": "s", "charge": "c"})
    message = str(caught.value)
    assert "'history' (used by FetchHistory)" in message
    assert "'profile' (used by FetchProfile)" in message
    assert "summarize" not in message


def test_placeholder_needs_a_name():
    with pytest.raises(ValueError):
        Placeholder("")
    assert Placeholder("x") == Placeholder("x")
    assert Placeholder("x", example="arn:e").example_value == "arn:e"


# --- the DSL's wiring ----------------------------------------------------------------------
def test_next_returns_its_argument_so_chains_read_in_order():
    first, second, third = Pass("First"), Pass("Second"), Succeed("Third")
    assert first.next(second) is second
    assert second.next(third) is third
    assert list(StateMachine(first).to_dict()["States"]) == ["First", "Second", "Third"]


def test_next_twice_is_a_mistake():
    step = Pass("Step")
    step.next(Succeed("A"))
    with pytest.raises(ValueError, match="already continues with A"):
        step.next(Succeed("B"))
    choice = Choice("C").otherwise(Succeed("A"))
    with pytest.raises(ValueError, match="already defaults"):
        choice.otherwise(Succeed("B"))


def test_chain_start_end_and_use_as_a_start_state():
    chain = Chain.start(Pass("A")).next(Pass("B")).next(Chain.start(Pass("C")).next(Pass("D")))
    assert (chain.start_state.name, chain.end_state.name) == ("A", "D")
    assert Pass("Z").next(chain) is chain
    machine = StateMachine(chain)
    assert machine.start.name == "A"
    assert list(machine.states) == ["A", "B", "C", "D"]
    assert StateMachine(Choice("X").when(Condition.is_null("$"), chain).otherwise(chain))


def test_state_lookup():
    machine = build_sample()
    assert machine.state("Charge").name == "Charge"  # nested in the Map
    with pytest.raises(KeyError, match="Nope"):
        machine.state("Nope")


def test_choice_when_takes_conditions_only():
    with pytest.raises(TypeError, match="Condition"):
        Choice("C").when({"Variable": "$.x", "IsNull": True}, Succeed("S"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="State or a Chain"):
        Choice("C").otherwise("S")  # type: ignore[arg-type]
