"""Choice states as a whole: rule order, Default, InputPath, and evaluator properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.workflow.asl_strategies import conditions, documents
from workflow.asl import (
    UNSET,
    Choice,
    Condition,
    Pass,
    StateMachine,
    StatesError,
    Succeed,
    evaluate_condition,
    next_state,
)

pytestmark = pytest.mark.unit
C = Condition


def holds(condition: Condition | dict, document: object) -> bool:
    return evaluate_condition(condition, document)


def routing_choice(**kwargs) -> Choice:
    status = "$.status"
    return (
        Choice("Route", **kwargs)
        .when(C.is_present(status, False), Succeed("NoStatus"))
        .when(C.string_equals(status, "Completed"), Succeed("Done"))
        .when(C.string_equals(status, "Failed"), Succeed("Broken"))
    )


def test_the_first_matching_rule_wins():
    assert next_state(routing_choice(), {"status": "Completed"}) == "Done"
    assert next_state(routing_choice(), {"status": "Failed"}) == "Broken"
    assert next_state(routing_choice(), {}) == "NoStatus"


def test_default_then_no_choice_matched():
    with_default = routing_choice().otherwise(Succeed("Other"))
    assert next_state(with_default, {"status": "InProgress"}) == "Other"
    assert next_state(with_default, {"status": 7}) == "Other"
    with pytest.raises(StatesError) as caught:
        next_state(routing_choice(), {"status": "InProgress"})
    assert caught.value.error == "States.NoChoiceMatched"


def test_without_a_guard_a_missing_variable_fails_the_choice():
    unguarded = Choice("Route").when(C.string_equals("$.status", "Done"), Succeed("Done"))
    with pytest.raises(StatesError) as caught:
        next_state(unguarded.otherwise(Succeed("Other")), {})
    assert caught.value.error == "States.Runtime"


def test_input_path_is_applied_before_the_rules():
    choice = routing_choice(input_path="$.job").otherwise(Succeed("Other"))
    assert next_state(choice, {"job": {"status": "Completed"}, "status": "Failed"}) == "Done"
    discarding = routing_choice(input_path=None).otherwise(Succeed("Other"))
    assert next_state(discarding, {"status": "Completed"}) == "NoStatus"  # input became {}
    with pytest.raises(StatesError) as caught:
        next_state(choice, {"status": "Completed"})
    assert caught.value.error == "States.Runtime"
    assert next_state(routing_choice(input_path=UNSET), {"status": "Failed"}) == "Broken"


def test_next_state_takes_a_hand_written_choice_state():
    state = {
        "Type": "Choice",
        "InputPath": "$.inner",
        "Choices": [{"Variable": "$.n", "NumericGreaterThan": 1, "Next": "Big"}],
        "Default": "Small",
    }
    assert next_state(state, {"inner": {"n": 2}}) == "Big"
    assert next_state(state, {"inner": {"n": 1}}) == "Small"


def test_machine_route_finds_the_choice_by_name():
    start = Pass("Start")
    start.next(routing_choice().otherwise(Succeed("Other")))
    machine = StateMachine(start)
    assert machine.route("Route", {"status": "Completed"}) == "Done"
    with pytest.raises(TypeError, match="Pass"):
        machine.route("Start", {})
    with pytest.raises(KeyError, match="Nowhere"):
        machine.route("Nowhere", {})


def test_context_object_paths_need_the_context():
    rule = C.string_equals("$$.Execution.Name", "run-1")
    assert evaluate_condition(rule, {}, context={"Execution": {"Name": "run-1"}})
    with pytest.raises(ValueError, match="Context Object"):
        evaluate_condition(rule, {})


@given(condition=conditions(), document=documents)
def test_evaluation_is_a_bool_or_a_states_error(condition, document):
    """No rule the DSL accepts crashes the evaluator on any JSON input."""
    try:
        result = evaluate_condition(condition, document)
    except StatesError as error:
        assert error.error == "States.Runtime"
    else:
        assert isinstance(result, bool)
        assert evaluate_condition(condition.to_dict(), document) is result


@given(condition=conditions(), document=documents)
def test_not_inverts_and_double_not_is_identity(condition, document):
    try:
        result = evaluate_condition(condition, document)
    except StatesError:
        return
    assert evaluate_condition(C.not_(condition), document) is not result
    assert evaluate_condition(C.and_(condition, condition), document) is result
    assert evaluate_condition(C.or_(condition, C.not_(condition)), document)


@given(st.data())
def test_a_rule_order_swap_only_matters_when_both_match(data):
    first = data.draw(conditions())
    second = data.draw(conditions())
    document = data.draw(documents)
    forward = (
        Choice("F").when(first, Succeed("A")).when(second, Succeed("B")).otherwise(Succeed("D"))
    )
    backward = (
        Choice("R").when(second, Succeed("B")).when(first, Succeed("A")).otherwise(Succeed("D"))
    )
    try:
        there = next_state(forward, document)
        back = next_state(backward, document)
    except StatesError:
        return
    if there != back:
        assert holds(first, document)
        assert holds(second, document)
