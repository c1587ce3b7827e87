"""The moto-vs-AWS differences the differential test works around, pinned.

Each case is a Choice state and an input where moto's interpreter and AWS disagree; we
assert both what AWS does (per the States Language spec and the Step Functions guide, which
`next_state` follows) and what moto does today. If moto changes, this fails and the exclusion
in test_asl_moto_differential.py can go.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.workflow.moto_sfn import ROUTE_KEY, Moto, running_moto
from workflow.asl import StatesError, next_state

pytestmark = [pytest.mark.unit, pytest.mark.properties]


@pytest.fixture(scope="module")
def moto_sfn() -> Iterator[Moto]:
    yield from running_moto()


def _choice(rule: dict[str, Any], default: bool = True) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Choice", "Choices": [{**rule, "Next": "T0"}]}
    if default:
        state["Default"] = "D"
    return state


KNOWN_DIFFERENCES = [
    # (why, choice state, input, AWS outcome per spec/guide, moto's raw outcome)
    (
        "a missing Variable is States.Runtime on AWS, false in moto",
        _choice({"Variable": "$.x", "StringEquals": "a"}),
        {},
        "States.Runtime",
        "D",
    ),
    (
        "no rule matched and no Default: AWS says States.NoChoiceMatched",
        _choice({"Variable": "$.x", "StringEquals": "a"}, default=False),
        {"x": "b"},
        "States.NoChoiceMatched",
        "States.Runtime",
    ),
    (
        "StringMatches: '\\*' is a literal star on AWS; fnmatch has no escapes",
        _choice({"Variable": "$.x", "StringMatches": "a\\*b"}),
        {"x": "a*b"},
        "T0",
        "D",
    ),
    (
        "StringMatches: '?' is an ordinary character on AWS, a wildcard in fnmatch",
        _choice({"Variable": "$.x", "StringMatches": "a?c"}),
        {"x": "abc"},
        "D",
        "T0",
    ),
    (
        "IsTimestamp: RFC 3339 allows fractional seconds; moto wants exactly ...SSZ",
        _choice({"Variable": "$.x", "IsTimestamp": True}),
        {"x": "2020-01-01T00:00:00.5Z"},
        "T0",
        "D",
    ),
    (
        "IsTimestamp: the spec requires uppercase T and Z; moto's strptime ignores case",
        _choice({"Variable": "$.x", "IsTimestamp": True}),
        {"x": "2020-01-01t00:00:00z"},
        "D",
        "T0",
    ),
    (
        "TimestampEquals with an offset literal: the same instant on AWS, unparsed in moto",
        _choice({"Variable": "$.x", "TimestampEquals": "2020-01-01T01:00:00+01:00"}),
        {"x": "2020-01-01T00:00:00Z"},
        "T0",
        "D",
    ),
    (
        "a ...Path operand of the wrong type is false on AWS; moto raises a TypeError",
        _choice({"Variable": "$.x", "NumericLessThanPath": "$.y"}),
        {"x": 1, "y": "2"},
        "D",
        "States.Runtime",
    ),
    (
        "string order is Java's compareTo (UTF-16 units) on AWS; moto uses code points",
        _choice({"Variable": "$.x", "StringLessThan": "\uffff"}),
        {"x": "\U0001f600"},
        "T0",
        "D",
    ),
]


@pytest.mark.parametrize("case", KNOWN_DIFFERENCES, ids=[c[0] for c in KNOWN_DIFFERENCES])
def test_known_moto_differences_still_hold(moto_sfn: Moto, case: tuple[Any, ...]) -> None:
    """We follow AWS; if moto starts agreeing, widen the differential strategy."""
    why, state, raw_input, aws, moto_says = case
    try:
        ours_says = next_state(state, raw_input)
    except StatesError as error:
        ours_says = error.error
    assert ours_says == aws, why
    definition = {
        "StartAt": "C",
        "States": {
            "C": state,
            "T0": {"Type": "Succeed", "OutputPath": f"$.{ROUTE_KEY}.T0"},
            "D": {"Type": "Succeed", "OutputPath": f"$.{ROUTE_KEY}.D"},
        },
    }
    routed = {**raw_input, ROUTE_KEY: {"T0": {"entered": "T0"}, "D": {"entered": "D"}}}
    [(moto_outcome, _)] = moto_sfn.raw_outcomes(json.dumps(definition), [routed])
    assert moto_outcome == moto_says, why
