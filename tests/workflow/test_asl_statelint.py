"""Everything the DSL renders is valid ASL by AWS's own linter (statelint, run in process)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statelint.linter import Linter

from tests.workflow.asl_strategies import conditions
from tests.workflow.samples import build_sample
from workflow.asl import Choice, Condition, StateMachine, Succeed, validate_definition

pytestmark = pytest.mark.unit


def lint(document: dict) -> list[str]:
    return Linter.validate(document)


def test_sample_machine_with_every_state_type_and_field_passes_statelint():
    document = build_sample().to_dict()
    kinds = {state["Type"] for state in _all_states(document)}
    assert kinds == {"Task", "Pass", "Wait", "Choice", "Succeed", "Fail", "Parallel", "Map"}
    assert lint(document) == []


def test_sample_passes_statelint_with_deploy_time_values_too():
    resolved = build_sample().to_dict(
        resolve={
            name: f"arn:aws:lambda:eu-west-1:210987654321:function:{name}-prod"
            for name in ("summarize", "charge", "profile", "history")
        }
    )
    assert lint(resolved) == []


def test_statelint_is_really_checking():
    """Guards the tests above against a linter that accepts anything."""
    document = build_sample().to_dict()
    del document["StartAt"]
    document["States"]["Backoff"]["Seconds"] = -1
    problems = lint(document)
    assert any("StartAt" in problem for problem in problems)
    assert any("Seconds" in problem for problem in problems)


@given(
    rules=st.lists(conditions(context=True, odd_names=False), min_size=1, max_size=4),
    default=st.booleans(),
)
def test_any_choice_the_dsl_builds_passes_statelint_and_our_validator(rules, default):
    choice = Choice("Decide", allow_no_default=not default)
    for index, rule in enumerate(rules):
        choice.when(rule, Succeed(f"Target{index}"))
    if default:
        choice.otherwise(Succeed("Otherwise"))
    document = StateMachine(choice).to_dict()
    assert lint(document) == [], json.dumps(document)
    assert validate_definition(document, allow_no_default=not default) == []


def test_timestamp_forms_the_spec_allows_pass_statelint():
    choice = (
        Choice("Decide")
        .when(Condition.timestamp_equals("$.t", "2016-03-14T01:59:00Z"), Succeed("A"))
        .when(Condition.timestamp_less_than("$.t", "2016-03-14T01:59:00.123456789Z"), Succeed("B"))
        .when(Condition.timestamp_greater_than("$.t", "2016-03-14T01:59:00+05:30"), Succeed("C"))
        .otherwise(Succeed("D"))
    )
    assert lint(StateMachine(choice).to_dict()) == []


def _all_states(machine: dict):
    for state in machine["States"].values():
        yield state
        for branch in state.get("Branches", []):
            yield from _all_states(branch)
        if "ItemProcessor" in state:
            yield from _all_states(state["ItemProcessor"])
