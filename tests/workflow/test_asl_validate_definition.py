"""validate_definition on raw ASL: what catches hand-edited JSON."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.workflow.samples import build_sample
from workflow.asl import validate_definition

pytestmark = pytest.mark.unit
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:f"


def raw(**states: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def codes(definition: Any, **options: Any) -> list[tuple[str | None, str]]:
    return [(p.state, p.code) for p in validate_definition(definition, **options)]


def test_raw_structure_problems():
    assert codes([]) == [(None, "structure")]
    assert codes({"States": {"A": {"Type": "Succeed"}}}) == [(None, "start-at")]
    assert codes({"StartAt": "B", "States": {"A": {"Type": "Succeed"}}}) == [(None, "start-at")]
    assert (None, "structure") in codes({"StartAt": "A", "States": {}})
    assert codes({**raw(A={"Type": "Succeed"}), "Extra": 1}) == [(None, "unknown-field")]
    assert codes({**raw(A={"Type": "Succeed"}), "QueryLanguage": "JSONata"}) == [
        (None, "query-language")
    ]


def test_raw_dangling_targets():
    definition = raw(
        A={"Type": "Task", "Resource": LAMBDA, "Next": "Nowhere"},
        B={"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "Gone"}]},
    )
    definition["States"]["A"]["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": "Lost"}]
    problems = validate_definition(definition, allow_no_default=True)
    dangling = [str(p) for p in problems if p.code == "dangling"]
    assert dangling == [
        "state 'A': Next targets 'Nowhere', which does not exist",
        "state 'A': Catch[0].Next targets 'Lost', which does not exist",
        "state 'B': Choices[0].Next targets 'Gone', which does not exist",
    ]
    default = raw(
        C={"Type": "Choice", "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "C"}]}
    )
    default["States"]["C"]["Default"] = "Void"
    assert ("C", "dangling") in codes(default)


def test_raw_unreachable_and_never_ending():
    definition = raw(
        Spin={"Type": "Wait", "Seconds": 1, "Next": "Again"},
        Again={"Type": "Pass", "Next": "Spin"},
        Island={"Type": "Succeed"},
    )
    problems = validate_definition(definition)
    assert [(p.state, p.code) for p in problems] == [
        ("Island", "unreachable"),
        ("Spin", "no-terminal"),
    ]
    assert "'Spin', 'Again'" in problems[1].message


def test_raw_transition_fields():
    assert codes(raw(A={"Type": "Pass"})) == [("A", "transition")]
    both = raw(A={"Type": "Pass", "End": True, "Next": "B"}, B={"Type": "Succeed"})
    assert codes(both) == [("A", "transition")]
    assert ("A", "transition") in codes(raw(A={"Type": "Succeed", "Next": "A"}))
    assert ("A", "transition") in codes(
        raw(
            A={
                "Type": "Choice",
                "End": True,
                "Choices": [{"Variable": "$", "IsNull": True, "Next": "A"}],
            }
        ),
        allow_no_default=True,
        allow_busy_loops=True,
    )


def test_raw_state_type_and_fields():
    assert codes(raw(A={"Type": "Sleep"})) == [("A", "type")]
    assert codes(raw(A={"Type": "Succeed", "Resource": LAMBDA})) == [("A", "unknown-field")]
    assert codes(raw(A={"Type": "Fail", "InputPath": "$"})) == [("A", "unknown-field")]
    assert codes(raw(A={"Type": "Task", "End": True})) == [("A", "resource")]


@pytest.mark.parametrize(
    ("rule", "fragment"),
    [
        ({"Variable": "$.x", "StringEquals": "a"}, "needs a Next"),
        ({"Variable": "$.x", "StringEquals": "a", "IsNull": True, "Next": "T"}, "exactly one"),
        ({"Variable": "$.x", "Next": "T"}, "exactly one"),
        ({"StringEquals": "a", "Next": "T"}, "needs a Variable"),
        ({"And": [], "Next": "T"}, "non-empty list"),
        (
            {"And": [{"Variable": "$.x", "IsNull": True, "Next": "T"}], "Next": "T"},
            "only top-level",
        ),
        (
            {"Not": {"Variable": "$.x", "IsNull": True}, "Variable": "$.x", "Next": "T"},
            "only field",
        ),
        ({"Variable": "$.x", "NumericEquals": "1", "Next": "T"}, "finite int or float"),
        ({"Variable": "$.x", "NumericEquals": True, "Next": "T"}, "not a bool"),
        ({"Variable": "$.x", "TimestampEquals": "2020-01-01", "Next": "T"}, "RFC 3339"),
        ({"Variable": "$.x", "StringMatches": "a\\b", "Next": "T"}, "open escape"),
        ({"Variable": "x", "IsNull": True, "Next": "T"}, "does not start with '$'"),
        ({"Variable": "$.x", "StringEqualsPath": "$$.y", "Next": "T"}, "Context Object"),
        ({"Variable": "$.x", "IsNull": "yes", "Next": "T"}, "true or false"),
        ({"Variable": "$.x", "Bogus": 1, "IsNull": True, "Next": "T"}, "unknown field 'Bogus'"),
    ],
)
def test_raw_choice_rules(rule, fragment):
    definition = raw(C={"Type": "Choice", "Choices": [rule], "Default": "T"}, T={"Type": "Succeed"})
    problems = validate_definition(definition, allow_busy_loops=True)
    assert problems, rule
    assert all(p.state == "C" for p in problems)
    assert any(fragment in str(p) for p in problems), problems


def test_raw_names_unique_across_branches_and_branches_stay_inside():
    branch = raw(Same={"Type": "Pass", "Next": "Out"})
    definition = raw(
        Fan={"Type": "Parallel", "Branches": [branch], "Next": "Out"},
        Out={"Type": "Succeed"},
    )
    assert codes(definition) == [("Same", "cross-scope")]
    definition["States"]["Fan"]["Branches"][0]["States"]["Out"] = {"Type": "Succeed"}
    definition["States"]["Fan"]["Branches"][0]["States"]["Same"]["Next"] = "Out"
    assert codes(definition) == [("Out", "duplicate-name")]


def test_raw_map_needs_an_item_processor():
    assert ("Each", "structure") in codes(raw(Each={"Type": "Map", "End": True}))


def test_hand_edits_to_a_rendered_machine_are_caught():
    document = build_sample().to_dict()
    broken = copy.deepcopy(document)
    broken["States"]["Route"]["Default"] = "Failedd"
    broken["States"]["Summarize"]["Retry"][0]["MaxAttempts"] = -2
    del broken["States"]["Done"]
    found = codes(broken)
    assert ("Route", "dangling") in found
    assert ("Summarize", "range") in found
    assert ("Summarize", "dangling") in found
    assert ("Failed", "unreachable") not in found  # still reached through Enrich's Catch
