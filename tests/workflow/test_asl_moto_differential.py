"""Differential test: our Choice evaluator against moto's ASL interpreter.

Hypothesis generates Choice rules over every comparison operator (nested in And/Or/Not) and
candidate inputs; each rule set becomes one state machine in moto (a Choice whose targets are
Succeed states T0..Tn, D for the Default) and the inputs that route differently become one
execution each. The Succeed state entered, or the error the execution failed with, must
equal what `next_state` says. One mock serves the whole module.

Timing (HYPOTHESIS_PROFILE=thorough, 500 examples, 2 executions each): 33-37 s on an
otherwise idle 2-core box (`ci`, 200 examples: ~15 s), ~85% of it in moto (an ANTLR parse
per machine and per execution).

moto is a stand-in for AWS, not AWS. Where the two differ we follow AWS (the States Language
spec and the Step Functions guide) and keep the differing cases out of the generated data;
each exclusion below says why, and test_asl_moto_differences.py pins them so a moto upgrade
that fixes one tells us to widen the strategy again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.workflow.moto_sfn import ROUTE_KEY, Moto, running_moto
from workflow.asl import UNSET, Choice, Condition, StateMachine, StatesError, Succeed, next_state
from workflow.asl.operators import OPERATORS, Kind, has_kind, is_number

pytestmark = [pytest.mark.unit, pytest.mark.properties]


@pytest.fixture(scope="module")
def moto_sfn() -> Iterator[Moto]:
    yield from running_moto()


DOCS_PER_MACHINE = 2
# Inputs drawn per machine; the DOCS_PER_MACHINE sent to moto are picked for distinct
# outcomes (by our evaluator, which costs microseconds), since an execution that routes like
# another one tells us little more.
CANDIDATES = 6

# Variables every generated input defines. A Variable that selects nothing is States.Runtime
# on AWS ("If the state input doesn't contain the field, the execution fails", Choice state
# guide) but simply false in moto, so only IsPresent may point at possibly-absent paths.
# "$" comes last: Hypothesis favours early elements, and every comparison on the root object
# is false.
PRESENT = ["$.a", "$.b", "$.c", "$.str", "$.num", "$.bool", "$.ts", "$.o.x", "$"]
MAYBE_ABSENT = ["$.missing", "$.a.x", "$.o.y", "$.str.deeper", "$.o"]
TYPED_KEYS: dict[Kind, str] = {
    "string": "str",
    "numeric": "num",
    "boolean": "bool",
    "timestamp": "ts",
}

# Timestamps moto parses (strptime "%Y-%m-%dT%H:%M:%SZ") the way AWS does.
TIMESTAMPS_Z = [
    "2020-01-01T00:00:00Z",
    "2020-01-01T00:00:01Z",
    "2019-12-31T23:59:59Z",
    "2024-02-29T12:00:00Z",
]
# RFC 3339 timestamps AWS accepts (spec, "Timestamps": fractional seconds and numeric
# offsets are RFC 3339) but moto does not: moto says IsTimestamp false, and a Timestamp*
# comparison against one raises in moto. They may appear where strings are compared.
TIMESTAMPS_EXTRA = [
    "2020-01-01T00:00:00.000Z",
    "2020-01-01T00:00:00.5Z",
    "2020-01-01T01:00:00+01:00",
    "2019-12-31T19:00:00-05:00",
    "2020-01-01T00:00:00.123456789+00:00",
]
# Strings both reject as timestamps.
NOT_TIMESTAMPS = [
    "2020-01-01",
    "2020-01-01 00:00:00Z",
    "2020-01-01T00:00:00",
    "2021-02-30T00:00:00Z",
]
# moto's strptime is case-insensitive and takes one-digit fields; the spec requires an
# uppercase T and Z and RFC 3339 two-digit fields, so AWS does not see timestamps here.
MOTO_ONLY_TIMESTAMPS = ["2020-01-01t00:00:00z", "2020-1-1T0:0:0Z"]

numbers = st.one_of(
    st.sampled_from([0, 1, -1, 2, 0.5, 1.0, -0.0, 2.5]),
    st.integers(-3, 3),
    # The spec promises sane comparisons only within IEEE binary64's exact-integer range.
    st.integers(-(2**53) + 1, 2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
)
# Only BMP characters: AWS orders strings like Java's compareTo (UTF-16 code units), moto
# like Python (code points); they disagree only for characters above U+FFFF.
short_text = st.text(alphabet="ab*?[]\\.-é\uff21", max_size=4)
strings = st.one_of(
    st.sampled_from(["", "a", "ab", "b", "Completed", "\uff21"]),
    short_text,
    st.sampled_from(TIMESTAMPS_Z + TIMESTAMPS_EXTRA + NOT_TIMESTAMPS + MOTO_ONLY_TIMESTAMPS),
)
strings_for_timestamp_ops = st.one_of(
    st.sampled_from(["", "a", "Completed"]),
    st.sampled_from(TIMESTAMPS_Z + NOT_TIMESTAMPS),
)
TYPE_EDGES: list[Any] = [True, False, 0, 1, 1.5, None, "", "1", TIMESTAMPS_Z[0], [], {}]
scalars = st.one_of(st.none(), st.booleans(), numbers)
containers = st.sampled_from([[], [1], {}, {"x": 1}, {"x": None}])


# Keyed by "is this value read by a Timestamp operator or IsTimestamp?". Built once:
# constructing strategies per draw costs more than the draws.
VALUES = {
    False: st.one_of(scalars, strings, containers),
    True: st.one_of(scalars, strings_for_timestamp_ops, containers),
}


# StringMatches: moto uses fnmatch, where `?` and `[...]` are wildcards and `\` escapes
# nothing; the spec makes `*` the only wildcard with `\*`/`\\` escapes. Patterns therefore
# avoid `?[]\` here; escapes are covered against the spec in test_asl_evaluate.
LITERALS: dict[str, st.SearchStrategy[Any]] = {
    "string": st.one_of(st.sampled_from(["", "a", "ab", "b", "Completed"]), short_text),
    # A fixed pool, unlike the inputs: moto's ANTLR parser is ~2x slower on definitions with
    # long novel float literals (7.0935119992867304e+16), and arbitrary numbers on the input
    # side exercise the comparisons as well.
    "numeric": st.one_of(
        st.integers(-3, 3),
        st.sampled_from([0.5, 1.0, -0.0, 2.5, -1.5, 1e300, 5e-324, 2**53 - 1, -(2**53) + 1]),
    ),
    "boolean": st.booleans(),
    "timestamp": st.sampled_from(TIMESTAMPS_Z),  # moto raises on any other literal
    "matches": st.text(alphabet="ab*.-", max_size=5),
    "test": st.booleans(),
}
TYPED_VALUES: dict[str, st.SearchStrategy[Any]] = {
    # A `...Path` operand of the wrong type is false on AWS (spec: "if the values are not
    # both of the appropriate type ... the comparison will return false"); moto raises a
    # TypeError for ordering comparisons. Operand paths therefore hold the right type.
    "str": strings,
    "num": numbers,
    "bool": st.booleans(),
    "ts": st.sampled_from(TIMESTAMPS_Z),
}


@st.composite
def leaf_conditions(draw: st.DrawFn) -> Condition:
    name = draw(st.sampled_from(sorted(OPERATORS)))
    operator = OPERATORS[name]
    variable = draw(st.sampled_from(PRESENT + MAYBE_ABSENT if name == "IsPresent" else PRESENT))
    operand = f"$.{TYPED_KEYS[operator.kind]}" if operator.path else draw(LITERALS[operator.kind])
    return Condition(name, variable=variable, value=operand)


conditions = st.recursive(
    leaf_conditions(),
    lambda children: st.one_of(
        st.lists(children, min_size=1, max_size=3).map(lambda c: Condition.and_(*c)),
        st.lists(children, min_size=1, max_size=3).map(lambda c: Condition.or_(*c)),
        children.map(Condition.not_),
    ),
    max_leaves=4,
)


def leaves(rule: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for key in ("And", "Or"):
        for child in rule.get(key, []):
            yield from leaves(child)
    if "Not" in rule:
        yield from leaves(rule["Not"])
    if "Variable" in rule:
        yield rule


def near(value: Any) -> list[Any]:
    """A literal and its neighbours: equal values are where off-by-one bugs (< vs <=, 1 vs
    1.0) live, and independently drawn values rarely collide."""
    if is_number(value):
        around = [value, value + 1, value - 1, value + 0.5]
        if float(value).is_integer() and abs(value) < 2**53:
            around += [int(value), float(value)]
        return around
    if value in TIMESTAMPS_Z:
        return TIMESTAMPS_Z
    if isinstance(value, str):
        return [value, value + "a", value[:-1], "a" + value]
    return [value]


def allowed(value: Any, timestamp_op_reads_it: bool) -> bool:
    return not (timestamp_op_reads_it and value in TIMESTAMPS_EXTRA + MOTO_ONLY_TIMESTAMPS)


@st.composite
def documents(draw: st.DrawFn, rules: list[Condition]) -> dict[str, Any]:
    used = [leaf for rule in rules for leaf in leaves(rule.to_dict())]
    required = {leaf["Variable"] for leaf in used if "IsPresent" not in leaf}
    timestamp_vars = {
        leaf["Variable"]
        for leaf in used
        if any(key.startswith(("Timestamp", "IsTimestamp")) for key in leaf)
    }
    # Variables often take a value next to a literal they are compared with; type tests get
    # the values on type boundaries (bool vs number, null, timestamp-looking strings).
    hints: dict[str, list[Any]] = {}
    for leaf in used:
        name = next(key for key in leaf if key in OPERATORS)
        if OPERATORS[name].kind == "test":
            hints.setdefault(leaf["Variable"], []).extend(TYPE_EDGES)
        elif not OPERATORS[name].path:
            hints.setdefault(leaf["Variable"], []).extend(near(leaf[name]))

    def value(variable: str, strategy: st.SearchStrategy[Any], kind: Kind | None = None) -> Any:
        options = [
            v
            for v in hints.get(variable, [])
            if (kind is None or has_kind(v, kind)) and allowed(v, variable in timestamp_vars)
        ]
        if kind == "timestamp":
            options = [v for v in options if v in TIMESTAMPS_Z]
        if options and draw(st.integers(0, 2)) > 0:
            return draw(st.sampled_from(options))
        return draw(strategy)

    document: dict[str, Any] = {}
    for key in ("a", "b", "c"):
        document[key] = value(f"$.{key}", VALUES[f"$.{key}" in timestamp_vars])
    document["o"] = {"x": value("$.o.x", VALUES["$.o.x" in timestamp_vars])}
    for kind, key in TYPED_KEYS.items():
        if f"$.{key}" in required or draw(st.integers(0, 3)) > 0:
            strategy = TYPED_VALUES[key]
            if key == "str" and "$.str" in timestamp_vars:
                strategy = strings_for_timestamp_ops
            document[key] = value(f"$.{key}", strategy, kind)
    # `...Path` comparisons: often make the operand equal to the Variable's value.
    for leaf in used:
        name = next(key for key in leaf if key in OPERATORS)
        operator, variable = OPERATORS[name], leaf["Variable"]
        operand_key = leaf[name][2:] if operator.path else None
        if operand_key is None or operand_key not in document or variable == "$":
            continue
        current = document["o"]["x"] if variable == "$.o.x" else document.get(variable[2:])
        fits = has_kind(current, operator.kind) and (
            operator.kind != "timestamp" or current in TIMESTAMPS_Z
        )
        if fits and allowed(current, leaf[name] in timestamp_vars) and draw(st.booleans()):
            document[operand_key] = current
    return document


@st.composite
def cases(draw: st.DrawFn) -> tuple[list[Condition], bool, bool, list[dict[str, Any]]]:
    rules = draw(st.lists(conditions, min_size=1, max_size=3))
    has_default = draw(st.integers(0, 4)) > 0
    wrapped = draw(st.booleans())  # exercise InputPath, applied before the rules
    docs = draw(
        st.lists(documents(rules), min_size=CANDIDATES, max_size=CANDIDATES, unique_by=json.dumps)
    )
    return rules, has_default, wrapped, docs


def target(name: str) -> Succeed:
    return Succeed(name, output_path=f"$.{ROUTE_KEY}.{name}")


def build_choice(rules: list[Condition], has_default: bool, wrapped: bool) -> Choice:
    choice = Choice("C", input_path="$.inner" if wrapped else UNSET, allow_no_default=True)
    for index, rule in enumerate(rules):
        choice.when(rule, target(f"T{index}"))
    if has_default:
        choice.otherwise(target("D"))
    return choice


def pick(outcomes: list[str], count: int) -> list[int]:
    """Indexes of up to `count` inputs, distinct outcomes first, in a fixed order."""
    chosen: list[int] = []
    for index, outcome in enumerate(outcomes):
        if outcome not in (outcomes[i] for i in chosen):
            chosen.append(index)
    chosen += [i for i in range(len(outcomes)) if i not in chosen]
    return sorted(chosen[:count])


def ours(choice: Choice, raw_input: Any) -> str:
    try:
        return next_state(choice, raw_input)
    except StatesError as error:
        return error.error


@given(case=cases())
def test_evaluator_agrees_with_moto(moto_sfn: Moto, case: Any) -> None:
    rules, has_default, wrapped, docs = case
    choice = build_choice(rules, has_default, wrapped)
    definition = StateMachine(choice).to_json()
    routes = {name: {"entered": name} for name in [*(f"T{i}" for i in range(len(rules))), "D"]}
    docs = [{**doc, ROUTE_KEY: routes} for doc in docs]
    candidates = [{"inner": doc, "noise": 1} if wrapped else doc for doc in docs]
    predicted = [ours(choice, raw) for raw in candidates]
    chosen = pick(predicted, DOCS_PER_MACHINE)
    inputs = [candidates[i] for i in chosen]
    expected = [predicted[i] for i in chosen]
    actual = moto_sfn.outcomes(definition, inputs)
    for outcome in expected:
        event(f"outcome: {outcome if outcome.startswith('States.') else outcome[0]}")
    assert actual == expected, f"definition {definition}\ninputs {json.dumps(inputs)}"
