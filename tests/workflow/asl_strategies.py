"""Hypothesis strategies for anything the DSL accepts, with no interpreter's restrictions
(unlike the moto differential, which must stay inside what moto gets right)."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from hypothesis import strategies as st

from workflow.asl import Condition
from workflow.asl.operators import OPERATORS

ZONES = [
    dt.UTC,
    dt.timezone(dt.timedelta(hours=1)),
    dt.timezone(dt.timedelta(hours=-5, minutes=-30)),
    dt.timezone(dt.timedelta(hours=14)),
]


def rfc3339(moment: dt.datetime) -> str:
    """ASL's timestamp form: uppercase T, Z for UTC, microseconds only when non-zero."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


moments = st.datetimes(
    min_value=dt.datetime(1900, 1, 1),
    max_value=dt.datetime(2200, 12, 31),
    timezones=st.sampled_from(ZONES),
)
timestamps = moments.map(rfc3339)
numbers = st.one_of(
    st.integers(-(2**53) + 1, 2**53 - 1), st.floats(allow_nan=False, allow_infinity=False)
)
# A StringMatches pattern: literal runs (no backslash), wildcards, and the two escapes.
patterns = st.lists(
    st.one_of(
        st.text(alphabet="ab.-?[]", min_size=1, max_size=3), st.sampled_from(["*", "\\*", "\\\\"])
    ),
    max_size=5,
).map("".join)
json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=6), timestamps),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from("abxy"), inner, max_size=3)
    ),
    max_leaves=8,
)
LITERALS: dict[str, st.SearchStrategy[Any]] = {
    "string": st.text(max_size=8),
    "numeric": numbers,
    "boolean": st.booleans(),
    "timestamp": timestamps,
    "matches": patterns,
    "test": st.booleans(),
}


# Strategies are built once per set of arguments (functools.cache) and drawn from many times:
# Hypothesis validates a strategy on its first draw, which for the recursive `conditions` costs
# more than the draw, so one built per example (`data.draw(conditions())`) spent ~90% of a
# test's time validating.
@functools.cache
def variables(context: bool, odd_names: bool) -> st.SearchStrategy[str]:
    """Reference paths. statelint only takes identifier-like field names (the spec also
    allows e.g. `$.error-info` or `$['odd key']`), hence `odd_names`."""
    paths = ["$", "$.a", "$.a.b", "$.x", "$['a']", "$.a[0]", "$.y.x"]
    paths += ["$$.Execution.Input.a"] if context else []
    paths += ["$['odd key']", "$.odd-key"] if odd_names else []
    return st.sampled_from(paths)


OPERATOR_NAMES = st.sampled_from(sorted(OPERATORS))


@st.composite
def leaf_conditions(draw: st.DrawFn, context: bool = False, odd_names: bool = True) -> Condition:
    name = draw(OPERATOR_NAMES)
    operator = OPERATORS[name]
    # The Context Object may be read by Variable, not by a `...Path` operand.
    operand = draw(variables(False, odd_names)) if operator.path else draw(LITERALS[operator.kind])
    return Condition(name, variable=draw(variables(context, odd_names)), value=operand)


@functools.cache
def conditions(context: bool = False, odd_names: bool = True) -> st.SearchStrategy[Condition]:
    return st.recursive(
        leaf_conditions(context, odd_names),
        lambda children: st.one_of(
            st.lists(children, min_size=1, max_size=3).map(lambda c: Condition.and_(*c)),
            st.lists(children, min_size=1, max_size=3).map(lambda c: Condition.or_(*c)),
            children.map(Condition.not_),
        ),
        max_leaves=6,
    )


documents = st.dictionaries(
    st.sampled_from(["a", "x", "y", "odd key", "odd-key"]), json_values, max_size=4
)
