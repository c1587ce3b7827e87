"""Choice-rule comparison operators and the value semantics AWS gives them.

One table drives construction (`Condition`), validation, evaluation and the Mermaid
summaries, so the four cannot disagree about what an operator accepts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

Kind = Literal["string", "numeric", "boolean", "timestamp", "matches", "test"]
Relation = Literal["eq", "lt", "gt", "le", "ge"]


@dataclass(frozen=True)
class Operator:
    name: str  # the ASL field, e.g. "StringLessThanEqualsPath"
    kind: Kind
    relation: Relation | None  # None for StringMatches and the Is* tests
    path: bool  # the operand is a Reference Path into the input, not a literal


_RELATIONS: dict[str, Relation] = {
    "Equals": "eq",
    "LessThan": "lt",
    "GreaterThan": "gt",
    "LessThanEquals": "le",
    "GreaterThanEquals": "ge",
}
_KIND_PREFIX: dict[Kind, str] = {
    "string": "String",
    "numeric": "Numeric",
    "timestamp": "Timestamp",
    "boolean": "Boolean",
}


def _build_table() -> dict[str, Operator]:
    table: dict[str, Operator] = {}
    for kind, prefix in _KIND_PREFIX.items():
        for suffix, relation in _RELATIONS.items():
            if kind == "boolean" and relation != "eq":
                continue
            for path in (False, True):
                name = f"{prefix}{suffix}{'Path' if path else ''}"
                table[name] = Operator(name, kind, relation, path)
    table["StringMatches"] = Operator("StringMatches", "matches", None, False)
    for test in ("IsNull", "IsPresent", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"):
        table[test] = Operator(test, "test", None, False)
    return table


OPERATORS: dict[str, Operator] = _build_table()
BOOLEAN_OPERATORS = ("And", "Or", "Not")


# --- value kinds -----------------------------------------------------------------------------
def is_number(value: Any) -> bool:
    """JSON numbers; a bool is not one, although Python says it is an int."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def has_kind(value: Any, kind: Kind) -> bool:
    if kind in ("string", "matches"):
        return isinstance(value, str)
    if kind == "numeric":
        return is_number(value)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "timestamp":
        return parse_timestamp(value) is not None
    return False


# --- timestamps ------------------------------------------------------------------------------
# RFC 3339 with ASL's restrictions: uppercase T and Z, two-digit fields. At most nine
# fractional digits: Step Functions runs on the JVM, whose ISO parser stops at nanoseconds.
_TIMESTAMP = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,9}))?(?:Z|([+-])([0-9]{2}):([0-9]{2}))"
)
_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def parse_timestamp(value: Any) -> tuple[int, Decimal] | None:
    """(whole seconds since the epoch in UTC, fraction of a second), or None if not a timestamp.

    Exact, so two instants a nanosecond apart still compare as different.
    """
    if not isinstance(value, str):
        return None
    match = _TIMESTAMP.fullmatch(value)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, sign, offset_hours, offset_minutes = match.groups()[6:]
    if not 1 <= month <= 12:
        return None
    days_in_month = _DAYS_IN_MONTH[month - 1] + (month == 2 and _is_leap(year))
    if not 1 <= day <= days_in_month or hour > 23 or minute > 59 or second > 59:
        return None
    offset = 0
    if sign:
        if int(offset_hours) > 23 or int(offset_minutes) > 59:
            return None
        offset = (int(offset_hours) * 60 + int(offset_minutes)) * 60
        offset = -offset if sign == "-" else offset
    seconds = _days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second
    return seconds - offset, Decimal(f"0.{fraction or '0'}")


def is_timestamp(value: Any) -> bool:
    return parse_timestamp(value) is not None


# --- strings ---------------------------------------------------------------------------------
def java_string_key(value: str) -> bytes:
    """Sort key matching Java's String.compareTo, which AWS documents for string comparisons.

    Java compares UTF-16 code units, so a character above U+FFFF (a surrogate pair, D800-DFFF)
    sorts before U+E000-U+FFFF, unlike Python's code-point order. Big-endian UTF-16 bytes
    compare exactly like the code units.
    """
    return value.encode("utf-16-be", "surrogatepass")


def compile_string_match(pattern: str) -> re.Pattern[str]:
    """StringMatches: `*` matches any run of characters; `\\*` and `\\\\` are literal.

    Raises ValueError on any other backslash, which AWS treats as an open escape (a run-time
    error).
    """
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            if i + 1 >= len(pattern) or pattern[i + 1] not in "*\\":
                raise ValueError(f"open escape at position {i} in StringMatches {pattern!r}")
            parts.append(re.escape(pattern[i + 1]))
            i += 2
        elif char == "*":
            parts.append(".*")
            i += 1
        else:
            parts.append(re.escape(char))
            i += 1
    return re.compile("".join(parts), re.DOTALL)


def relation_holds(relation: Relation, left: Any, right: Any) -> bool:
    if relation == "eq":
        return bool(left == right)
    if relation == "lt":
        return bool(left < right)
    if relation == "gt":
        return bool(left > right)
    if relation == "le":
        return bool(left <= right)
    return bool(left >= right)


def compare(operator: Operator, value: Any, operand: Any) -> bool:
    """A comparison operator applied to the Variable's value and its operand.

    The ASL spec: "if the values are not both of the appropriate type ... the comparison will
    return false", so a type mismatch is never an error.
    """
    if operator.relation is None:
        raise ValueError(f"{operator.name} is not a comparison")
    kind = operator.kind
    if not (has_kind(value, kind) and has_kind(operand, kind)):
        return False
    if kind == "string":
        if operator.relation == "eq":
            return bool(value == operand)
        return relation_holds(operator.relation, java_string_key(value), java_string_key(operand))
    if kind == "timestamp":
        return relation_holds(operator.relation, parse_timestamp(value), parse_timestamp(operand))
    return relation_holds(operator.relation, value, operand)


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "IsNull": lambda value: value is None,
    "IsNumeric": is_number,
    "IsString": lambda value: isinstance(value, str),
    "IsBoolean": lambda value: isinstance(value, bool),
    "IsTimestamp": is_timestamp,
}


def type_test(name: str, present: bool, value: Any) -> bool:
    """The Is* operators (before comparing with the rule's true/false)."""
    if name == "IsPresent":
        return present
    return present and _TYPE_TESTS[name](value)
