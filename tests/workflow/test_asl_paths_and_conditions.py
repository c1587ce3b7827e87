"""Reference paths, intrinsic-function syntax, and Condition construction."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from tests.workflow.asl_strategies import conditions
from workflow.asl import Condition, PathNotFound, resolve_path
from workflow.asl.jsonpath import intrinsic_problem, is_reference_path, parse_path, path_problem
from workflow.asl.operators import OPERATORS

pytestmark = pytest.mark.unit
DOCUMENT = {"a": {"b": [10, {"c": None}]}, "a b": 1, "x.y": 2, "": 3, "list": []}


# --- resolve_path --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("$", DOCUMENT),
        ("$.a", DOCUMENT["a"]),
        ("$.a.b[0]", 10),
        ("$.a.b[1].c", None),
        ("$['a b']", 1),
        ("$['a']['b'][0]", 10),
        ('$["a b"]', 1),
        ("$.x\\.y", 2),
        ("$['x.y']", 2),
        ("$['']", 3),
        ("$.list", []),
    ],
)
def test_resolve_path(path, value):
    assert resolve_path(path, DOCUMENT) == value


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("$.missing", "$ has no field 'missing'"),
        ("$.a.b[2]", "$.a.b has no index 2"),
        ("$.a.b.c", "$.a.b is not an object"),
        ("$.a[0]", "$.a is not an array"),
        ("$.a.b[1].c.d", "$.a.b[1].c is not an object"),
        ("$['a b'].x", "is not an object"),
    ],
)
def test_resolve_path_says_where_it_stopped(path, reason):
    with pytest.raises(PathNotFound) as caught:
        resolve_path(path, DOCUMENT)
    assert caught.value.path == path
    assert reason in caught.value.reason


def test_resolve_path_on_non_objects():
    assert resolve_path("$", "text") == "text"
    with pytest.raises(PathNotFound):
        resolve_path("$.a", "text")
    with pytest.raises(PathNotFound):
        resolve_path("$[0]", {"0": 1})  # an index is not a key


@pytest.mark.parametrize(
    "path", ["$.a[*]", "$..a", "$.a[0:1]", "$.a[?(@.b)]", "$.a[-1]", "$['a','b']"]
)
def test_resolve_path_refuses_multi_node_paths(path):
    assert not is_reference_path(path)
    assert path_problem(path) is None  # still a valid Path (e.g. for InputPath)
    with pytest.raises(ValueError, match="not a Reference Path"):
        resolve_path(path, DOCUMENT)


@pytest.mark.parametrize(
    "path",
    ["", "a.b", "$a", "$.", "$.a..", "$.a b", "$[", "$['a'", "$.a\\", "$[]", 5, None],
)
def test_malformed_paths(path):
    assert path_problem(path) is not None
    assert not is_reference_path(path)


def test_spec_reference_path_examples_parse():
    """The "acceptable Reference Path syntax" examples of the States Language spec."""
    examples = [
        "$.store.book",
        "$.store\\.book",
        "$.\\stor\\e.boo\\k",
        "$.store.book.title",
        "$.foo.\\.bar",
        "$.foo\\@bar.baz\\[\\[.\\?pretty",
        "$.&Ж中.\\uD800\\uDF46",
        "$.ledgers.branch[0].pending.count",
        "$.ledgers.branch[0]",
        "$.ledgers[0][22][315].foo",
        "$['store']['book']",
        "$['store'][0]['book']",
    ]
    for example in examples:
        assert is_reference_path(example), example
    assert parse_path("$.foo\\@bar.baz").segments == ("foo@bar", "baz")


def test_context_paths():
    assert parse_path("$$.Execution.Id").context
    assert is_reference_path("$$.Task.Token")
    assert not is_reference_path("$$.Task.Token", allow_context=False)
    assert resolve_path("$$.Map.Item.Index", {}, context={"Map": {"Item": {"Index": 2}}}) == 2


# --- intrinsic functions -------------------------------------------------------------------
@pytest.mark.parametrize(
    "expression",
    [
        "States.UUID()",
        "States.Format('Hello {}', $.name)",
        # The decoded JSON value: \{ \} \' \\ are the spec's four escapes.
        "States.Format('a \\{literal\\} and \\' quote \\\\ end', $.x)",
        "States.Array(1, -2.5, null, 'x', $['odd key'], $$.Execution.Id)",
        "States.JsonToString(States.StringToJson($.s))",
        "States.ArrayGetItem($.items, States.MathAdd($.index, 1))",
        "States.Hash($.data, 'SHA-256')",
    ],
)
def test_valid_intrinsics(expression):
    assert intrinsic_problem(expression) is None


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("States.Nope()", "unknown intrinsic function"),
        ("Format('x')", "unknown intrinsic function"),
        ("States.Format('x'", "unclosed"),
        ("States.Format('x)", "unclosed string"),
        ("States.Format('a \\q')", "open escape"),
        ("States.Format('x') trailing", "unexpected text"),
        ("States.Array(1 2)", "bad number"),
        ("States.Array('a' 'b')", "expected ','"),
        ("States.Array(a)", "unknown intrinsic function"),
        ("States.Array(1.2.3)", "bad number"),
        ("States.Array($.a b)", "whitespace"),
        (5, "must be a string"),
    ],
)
def test_invalid_intrinsics(expression, fragment):
    problem = intrinsic_problem(expression)
    assert problem is not None and fragment in problem


# --- Condition construction ----------------------------------------------------------------
SNAKE = {
    name: "".join(f"_{c.lower()}" if c.isupper() else c for c in name).lstrip("_")
    for name in OPERATORS
}


@pytest.mark.parametrize("operator", sorted(OPERATORS))
def test_one_snake_case_constructor_per_operator(operator):
    spec = OPERATORS[operator]
    operand: object
    if spec.path:
        operand = "$.other"
    else:
        operand = {
            "string": "x",
            "numeric": 1.5,
            "boolean": True,
            "timestamp": "2024-01-01T00:00:00Z",
            "matches": "x*",
            "test": False,
        }[spec.kind]
    condition = getattr(Condition, SNAKE[operator])("$.value", operand)
    assert condition.to_dict() == {"Variable": "$.value", operator: operand}
    assert Condition.from_dict(condition.to_dict()) == condition


def test_type_tests_default_to_true():
    assert Condition.is_present("$.x").to_dict() == {"Variable": "$.x", "IsPresent": True}
    assert Condition.is_null("$.x").to_dict()["IsNull"] is True


def test_boolean_expressions():
    a, b = Condition.is_null("$.a"), Condition.is_null("$.b")
    assert Condition.and_(a, b).to_dict() == {"And": [a.to_dict(), b.to_dict()]}
    assert Condition.or_(a).to_dict() == {"Or": [a.to_dict()]}
    assert Condition.not_(a).to_dict() == {"Not": a.to_dict()}
    with pytest.raises(ValueError, match="at least one"):
        Condition.and_()
    with pytest.raises(ValueError, match="at least one"):
        Condition.or_()
    with pytest.raises(TypeError, match="Conditions"):
        Condition.and_(a, {"Variable": "$.x", "IsNull": True})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda: Condition.numeric_equals("$.n", True), "not a bool"),
        (lambda: Condition.numeric_equals("$.n", "1"), "finite int or float"),  # type: ignore[arg-type]
        (lambda: Condition.numeric_less_than("$.n", math.nan), "finite"),
        (lambda: Condition.numeric_greater_than("$.n", math.inf), "finite"),
        (lambda: Condition.string_equals("$.s", 1), "a string"),  # type: ignore[arg-type]
        (lambda: Condition.boolean_equals("$.b", 1), "a bool"),  # type: ignore[arg-type]
        (lambda: Condition.timestamp_equals("$.t", "2024-01-01"), "RFC 3339"),
        (lambda: Condition.timestamp_less_than("$.t", "2024-01-01T00:00:00z"), "RFC 3339"),
        (lambda: Condition.timestamp_greater_than("$.t", 1704067200), "RFC 3339"),  # type: ignore[arg-type]
        (lambda: Condition.string_matches("$.s", "a\\b"), "open escape"),
        (lambda: Condition.string_matches("$.s", "a\\"), "open escape"),
        (lambda: Condition.is_present("$.x", "yes"), "true or false"),  # type: ignore[arg-type]
        (lambda: Condition.string_equals("status", "x"), "does not start with '$'"),
        (lambda: Condition.string_equals("$.a[*]", "x"), "not a Reference Path"),
        (lambda: Condition.string_equals_path("$.a", "b"), "StringEqualsPath"),
        (lambda: Condition.numeric_equals_path("$.a", "$$.Execution.Input.n"), "Context Object"),
        (lambda: Condition("Bogus", variable="$.a", value=1), "unknown Choice operator"),
    ],
)
def test_bad_operands_are_refused_at_construction(build, fragment):
    with pytest.raises(ValueError, match=None) as caught:
        build()
    assert fragment in str(caught.value)


def test_from_dict_refuses_malformed_rules():
    for rule in (
        {"Variable": "$.x"},
        {"Variable": "$.x", "IsNull": True, "IsString": True},
        {"And": {"Variable": "$.x", "IsNull": True}},
        {"Not": [], "Variable": "$.x"},
    ):
        with pytest.raises(ValueError):
            Condition.from_dict(rule)


@given(condition=conditions(context=True))
def test_to_dict_and_from_dict_round_trip(condition):
    again = Condition.from_dict(condition.to_dict())
    assert again == condition
    assert hash(again) == hash(condition)
    assert repr(again) == repr(condition)
