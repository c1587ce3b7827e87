"""The Choice evaluator, operator by operator, against the States Language's semantics."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given

from tests.workflow.asl_strategies import moments, rfc3339
from workflow.asl import (
    Condition,
    StatesError,
    evaluate_condition,
)
from workflow.asl.operators import parse_timestamp

pytestmark = pytest.mark.unit
C = Condition


def holds(condition: Condition | dict, document: object) -> bool:
    return evaluate_condition(condition, document)


def runtime_error(condition: Condition | dict, document: object) -> StatesError:
    with pytest.raises(StatesError) as caught:
        evaluate_condition(condition, document)
    assert caught.value.error == "States.Runtime"
    return caught.value


# --- strings -------------------------------------------------------------------------------
def test_string_equals_compares_strings_only():
    assert holds(C.string_equals("$.s", "Completed"), {"s": "Completed"})
    assert not holds(C.string_equals("$.s", "Completed"), {"s": "completed"})
    assert not holds(C.string_equals("$.s", "1"), {"s": 1})  # a number is not "1"
    assert not holds(C.string_equals("$.s", "true"), {"s": True})
    assert not holds(C.string_equals("$.s", "null"), {"s": None})


def test_string_equals_sees_a_timestamp_as_the_string_it_is():
    assert holds(C.string_equals("$.t", "2020-01-01T00:00:00Z"), {"t": "2020-01-01T00:00:00Z"})
    assert not holds(
        C.string_equals("$.t", "2020-01-01T00:00:00Z"), {"t": "2020-01-01T00:00:00.0Z"}
    )


@pytest.mark.parametrize(
    ("left", "right", "less"),
    [
        ("a", "b", True),
        ("", "a", True),
        ("B", "a", True),  # case-sensitive, by code unit
        ("ab", "a", False),
        ("a", "a", False),
        ("\ue000", "\uffff", True),
        # Java's compareTo compares UTF-16 code units: a character above U+FFFF is a
        # surrogate pair starting 0xD8xx, which sorts below U+E000..U+FFFF.
        ("\U0001f600", "\uffff", True),
        ("\U0001f600", "\ue000", True),
        ("\u00e9", "\U0001f600", True),
    ],
)
def test_string_order_is_javas_compare_to(left, right, less):
    document = {"l": left}
    assert holds(C.string_less_than("$.l", right), document) is less
    assert holds(C.string_greater_than_equals("$.l", right), document) is not less
    assert holds(C.string_less_than_equals("$.l", right), document) is (less or left == right)
    assert holds(C.string_greater_than("$.l", right), document) is (not less and left != right)


def test_string_comparisons_are_false_on_non_strings():
    for value in (1, None, True, ["a"], {"a": 1}):
        assert not holds(C.string_less_than("$.v", "zzz"), {"v": value})
        assert not holds(C.string_greater_than("$.v", ""), {"v": value})


def test_string_path_comparisons_read_the_operand_from_the_input():
    assert holds(C.string_equals_path("$.a", "$.b"), {"a": "x", "b": "x"})
    assert holds(C.string_less_than_path("$.a", "$.b"), {"a": "x", "b": "y"})
    assert holds(C.string_greater_than_path("$.b", "$.a"), {"a": "x", "b": "y"})
    assert holds(C.string_less_than_equals_path("$.a", "$.b"), {"a": "x", "b": "x"})
    assert holds(C.string_greater_than_equals_path("$.a", "$.b"), {"a": "x", "b": "x"})
    # An operand of the wrong type makes the comparison false, not an error.
    assert not holds(C.string_equals_path("$.a", "$.b"), {"a": "1", "b": 1})
    error = runtime_error(C.string_equals_path("$.a", "$.missing"), {"a": "x"})
    assert "$.missing" in error.cause


# --- StringMatches ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("pattern", "value", "matches"),
    [
        ("log-*.txt", "log-2024.txt", True),
        ("log-*.txt", "log-.txt", True),  # * matches the empty run
        ("log-*.txt", "log-2024.txt.bak", False),  # the whole string must match
        ("*", "", True),
        ("*a*b*", "xaybz", True),
        ("foo*.*", "foobar.zebra", True),
        ("a.c", "abc", False),  # '.' is literal
        ("a?c", "abc", False),  # '?' is literal
        ("a?c", "a?c", True),
        ("[ab]", "a", False),  # brackets are literal
        ("a*", "a\nb", True),  # * spans newlines
        ("\\*", "*", True),  # escaped star
        ("\\*", "x", False),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
        ("\\\\", "\\", True),  # escaped backslash
        ("\\\\*", "\\anything", True),
        ("", "", True),
        ("", "a", False),
    ],
)
def test_string_matches_follows_the_spec_wildcard_and_escapes(pattern, value, matches):
    assert holds(C.string_matches("$.v", pattern), {"v": value}) is matches


def test_string_matches_is_false_on_non_strings():
    assert not holds(C.string_matches("$.v", "*"), {"v": 1})
    assert not holds(C.string_matches("$.v", "*"), {"v": None})


def test_an_open_escape_is_a_runtime_error_in_a_hand_written_rule():
    rule = {"Variable": "$.v", "StringMatches": "a\\b"}
    assert "open escape" in runtime_error(rule, {"v": "ab"}).cause


# --- numbers -------------------------------------------------------------------------------
def test_numeric_equals_is_numeric_not_typed():
    assert holds(C.numeric_equals("$.n", 1), {"n": 1.0})
    assert holds(C.numeric_equals("$.n", 1.0), {"n": 1})
    assert holds(C.numeric_equals("$.n", 0), {"n": -0.0})
    assert not holds(C.numeric_equals("$.n", 1), {"n": "1"})


def test_a_bool_is_not_a_number():
    assert not holds(C.numeric_equals("$.n", 1), {"n": True})
    assert not holds(C.numeric_equals("$.n", 0), {"n": False})
    assert not holds(C.numeric_greater_than("$.n", -1), {"n": False})
    assert not holds(C.is_numeric("$.n"), {"n": True})
    assert holds(C.is_numeric("$.n", False), {"n": False})


@pytest.mark.parametrize(
    ("method", "value", "expected"),
    [
        ("numeric_less_than", 2, True),
        ("numeric_less_than", 1.5, False),
        ("numeric_less_than_equals", 1.5, True),
        ("numeric_greater_than", 1.5, False),
        ("numeric_greater_than", 1, True),
        ("numeric_greater_than_equals", 1.5, True),
        ("numeric_greater_than_equals", 2, False),
    ],
)
def test_numeric_orderings_at_their_boundaries(method, value, expected):
    assert holds(getattr(C, method)("$.n", value), {"n": 1.5}) is expected


def test_numeric_path_comparisons():
    document = {"count": 3, "limit": 3.0, "text": "3", "flag": True}
    assert holds(C.numeric_equals_path("$.count", "$.limit"), document)
    assert holds(C.numeric_greater_than_equals_path("$.count", "$.limit"), document)
    assert not holds(C.numeric_less_than_path("$.count", "$.limit"), document)
    assert holds(C.numeric_less_than_equals_path("$.count", "$.limit"), document)
    assert not holds(C.numeric_greater_than_path("$.count", "$.limit"), document)
    assert not holds(C.numeric_equals_path("$.count", "$.text"), document)
    assert not holds(C.numeric_equals_path("$.flag", "$.flag"), document)


def test_integers_compare_exactly_within_binary64_range():
    big = 2**53 - 1
    assert holds(C.numeric_less_than("$.n", big), {"n": big - 1})
    assert holds(C.numeric_equals("$.n", big), {"n": big})


# --- booleans ------------------------------------------------------------------------------
def test_boolean_equals():
    assert holds(C.boolean_equals("$.b", True), {"b": True})
    assert not holds(C.boolean_equals("$.b", True), {"b": False})
    assert not holds(C.boolean_equals("$.b", True), {"b": 1})
    assert not holds(C.boolean_equals("$.b", False), {"b": 0})
    assert not holds(C.boolean_equals("$.b", False), {"b": None})
    assert holds(C.boolean_equals_path("$.a", "$.b"), {"a": False, "b": False})
    assert not holds(C.boolean_equals_path("$.a", "$.b"), {"a": 1, "b": True})


# --- timestamps ----------------------------------------------------------------------------
def test_timestamps_compare_as_instants_across_offsets_and_fractions():
    noon_utc = {"t": "2024-05-01T12:00:00Z"}
    assert holds(C.timestamp_equals("$.t", "2024-05-01T14:00:00+02:00"), noon_utc)
    assert holds(C.timestamp_equals("$.t", "2024-05-01T06:30:00-05:30"), noon_utc)
    assert holds(C.timestamp_equals("$.t", "2024-05-01T12:00:00.000Z"), noon_utc)
    assert holds(C.timestamp_less_than("$.t", "2024-05-01T12:00:00.000000001Z"), noon_utc)
    assert holds(C.timestamp_greater_than("$.t", "2024-05-01T11:59:59.999999999Z"), noon_utc)
    assert holds(C.timestamp_less_than_equals("$.t", "2024-05-01T12:00:00Z"), noon_utc)
    assert holds(C.timestamp_greater_than_equals("$.t", "2024-05-01T13:59:59+02:00"), noon_utc)


@pytest.mark.parametrize(
    "not_a_timestamp",
    [
        "2024-05-01",
        "2024-05-01 12:00:00Z",  # T is required
        "2024-05-01t12:00:00z",  # uppercase T and Z are required
        "2024-05-01T12:00:00",  # the zone is required
        "2024-5-1T12:00:00Z",  # two-digit fields
        "2023-02-29T12:00:00Z",  # not a leap year
        "2024-05-01T24:00:00Z",
        "2024-05-01T12:00:60Z",
        "2024-05-01T12:00:00+24:00",
        "2024-05-01T12:00:00.1234567890Z",  # more than nanoseconds
        "\uff12\uff10\uff12\uff14-05-01T12:00:00Z",  # full-width digits
        "",
        1714564800,
        None,
    ],
)
def test_a_value_that_is_not_a_timestamp_compares_false(not_a_timestamp):
    document = {"t": not_a_timestamp}
    for method in ("timestamp_equals", "timestamp_less_than", "timestamp_greater_than_equals"):
        assert not holds(getattr(C, method)("$.t", "2024-05-01T12:00:00Z"), document)
    assert not holds(C.is_timestamp("$.t"), document)
    # ...and Not of a false comparison is true: "false" is not an error.
    assert holds(C.not_(C.timestamp_equals("$.t", "2024-05-01T12:00:00Z")), document)


def test_leap_day_is_a_timestamp():
    assert holds(C.is_timestamp("$.t"), {"t": "2024-02-29T00:00:00Z"})
    assert holds(C.is_timestamp("$.t"), {"t": "2000-02-29T00:00:00Z"})
    assert not holds(C.is_timestamp("$.t"), {"t": "1900-02-29T00:00:00Z"})


def test_timestamp_path_comparisons():
    document = {"start": "2024-01-01T00:00:00Z", "end": "2024-01-01T01:00:00+01:00", "x": 3}
    assert holds(C.timestamp_equals_path("$.start", "$.end"), document)
    assert not holds(C.timestamp_less_than_path("$.start", "$.end"), document)
    assert holds(C.timestamp_less_than_equals_path("$.start", "$.end"), document)
    assert not holds(C.timestamp_greater_than_path("$.start", "$.end"), document)
    assert holds(C.timestamp_greater_than_equals_path("$.start", "$.end"), document)
    assert not holds(C.timestamp_equals_path("$.start", "$.x"), document)


@given(a=moments, b=moments)
def test_timestamp_order_agrees_with_pythons_datetime(a, b):
    document = {"a": rfc3339(a), "b": rfc3339(b)}
    assert holds(C.timestamp_less_than_path("$.a", "$.b"), document) is (a < b)
    assert holds(C.timestamp_equals_path("$.a", "$.b"), document) is (a == b)
    parsed = parse_timestamp(rfc3339(a))
    assert parsed is not None
    seconds, fraction = parsed
    since_epoch = (a - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    assert seconds * 10**6 + int(fraction * 10**6) == since_epoch


# --- type tests ----------------------------------------------------------------------------
def test_is_null_and_is_present_on_null_and_missing():
    assert holds(C.is_null("$.v"), {"v": None})
    assert holds(C.is_present("$.v"), {"v": None})  # null is present
    assert not holds(C.is_present("$.v"), {})
    assert holds(C.is_present("$.v", False), {})
    assert not holds(C.is_null("$.v"), {"v": 0})
    assert holds(C.is_null("$.v", False), {"v": ""})
    # Only IsPresent may look at a missing field; IsNull there fails the execution.
    runtime_error(C.is_null("$.v"), {})


@pytest.mark.parametrize(
    ("value", "string", "numeric", "boolean", "timestamp"),
    [
        ("x", True, False, False, False),
        ("2024-01-01T00:00:00Z", True, False, False, True),
        (1, False, True, False, False),
        (1.5, False, True, False, False),
        (True, False, False, True, False),
        (None, False, False, False, False),
        ([], False, False, False, False),
        ({}, False, False, False, False),
    ],
)
def test_type_tests(value, string, numeric, boolean, timestamp):
    document = {"v": value}
    assert holds(C.is_string("$.v"), document) is string
    assert holds(C.is_numeric("$.v"), document) is numeric
    assert holds(C.is_boolean("$.v"), document) is boolean
    assert holds(C.is_timestamp("$.v"), document) is timestamp
    assert holds(C.is_string("$.v", False), document) is not string


# --- boolean expressions and missing data ----------------------------------------------------
def test_a_missing_variable_fails_the_execution():
    error = runtime_error(C.string_equals("$.status", "Done"), {"other": 1})
    assert "$.status" in error.cause


def test_and_stops_at_the_first_false_so_is_present_guards_work():
    guarded = C.and_(C.is_present("$.maybe"), C.string_equals("$.maybe", "x"))
    assert not holds(guarded, {})
    assert holds(guarded, {"maybe": "x"})
    runtime_error(C.and_(C.string_equals("$.maybe", "x"), C.is_present("$.maybe")), {})


def test_or_stops_at_the_first_true():
    assert holds(C.or_(C.is_present("$.here"), C.string_equals("$.gone", "x")), {"here": 1})
    runtime_error(C.or_(C.is_present("$.gone"), C.string_equals("$.gone", "x")), {})


def test_not_and_nesting():
    rule = C.not_(C.or_(C.numeric_less_than("$.n", 0), C.numeric_greater_than("$.n", 10)))
    assert holds(rule, {"n": 5})
    assert not holds(rule, {"n": 11})
    assert holds(C.not_(C.not_(C.boolean_equals("$.b", True))), {"b": True})


def test_paths_reach_into_arrays_and_odd_names():
    assert holds(C.string_equals("$.items[1].name", "b"), {"items": [{"name": "a"}, {"name": "b"}]})
    assert holds(C.numeric_equals("$['odd key']", 1), {"odd key": 1})
    runtime_error(C.numeric_equals("$.items[5]", 1), {"items": [1]})
