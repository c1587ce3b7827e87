"""Choice-rule conditions: one constructor per ASL operator, checked when built.

A bad operand (a numeric literal that is a bool, a timestamp that is not RFC 3339, a path
that does not start with `$`) is a programming error in the definition builder, so it raises
ValueError at once instead of waiting for `StateMachine.validate()`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any, Generic, Self, TypeVar

from workflow.asl.jsonpath import path_problem
from workflow.asl.operators import OPERATORS, compile_string_match, has_kind, is_number

Operand = TypeVar("Operand")


def _check_path(path: Any, role: str, *, allow_context: bool = True) -> str:
    problem = path_problem(path, reference=True, allow_context=allow_context)
    if problem:
        raise ValueError(f"{role}: {problem}")
    return str(path)


def _check_literal(operator: str, value: Any) -> Any:
    spec = OPERATORS[operator]
    if spec.kind == "numeric":
        if not is_number(value) or not math.isfinite(value):
            raise ValueError(f"{operator} needs a finite int or float (not a bool), got {value!r}")
    elif spec.kind == "test":
        if not isinstance(value, bool):
            raise ValueError(f"{operator} needs true or false, got {value!r}")
    elif spec.kind == "matches":
        if not isinstance(value, str):
            raise ValueError(f"{operator} needs a string pattern, got {value!r}")
        compile_string_match(value)
    elif not has_kind(value, spec.kind):
        expected = {"string": "a string", "boolean": "a bool"}.get(
            spec.kind, "an RFC 3339 timestamp such as 2016-03-14T01:59:00Z"
        )
        raise ValueError(f"{operator} needs {expected}, got {value!r}")
    return value


class _Builder(Generic[Operand]):
    """`Condition.<operator>(variable, operand)` for one data-test operator: the Condition
    constructors differ only in the operator they name, so each is one line of the table in
    `Condition`'s body."""

    def __init__(self, operator: str) -> None:
        self.operator = operator

    def __get__(self, instance: object, owner: type | None = None) -> Self:
        return self

    def __call__(self, variable: str, value: Operand) -> Condition:
        return Condition(self.operator, variable=variable, value=value)


class _TypeTest(_Builder[bool]):
    """An Is* test, true unless asked otherwise: `Condition.is_present("$.x")`."""

    def __call__(self, variable: str, value: bool = True) -> Condition:
        return super().__call__(variable, value)


class Condition:
    """A Choice Rule without its Next. Build with the constructors at the end of the class,
    e.g. `Condition.string_equals("$.status", "Completed")`, and `and_`/`or_`/`not_`."""

    __slots__ = ("_children", "_operator", "_value", "_variable")

    def __init__(
        self,
        operator: str,
        *,
        variable: str | None = None,
        value: Any = None,
        children: tuple[Condition, ...] = (),
    ) -> None:
        if operator in ("And", "Or"):
            if not children:
                raise ValueError(f"{operator} needs at least one condition")
        elif operator == "Not":
            if len(children) != 1:
                raise ValueError("Not takes exactly one condition")
        elif operator in OPERATORS:
            variable = _check_path(variable, f"{operator} Variable")
            if OPERATORS[operator].path:
                # statelint (AWS's linter) rejects the Context Object here, unlike in Variable.
                value = _check_path(value, operator, allow_context=False)
            else:
                value = _check_literal(operator, value)
        else:
            raise ValueError(f"unknown Choice operator {operator!r}")
        for child in children:
            if not isinstance(child, Condition):
                raise TypeError(f"{operator} takes Conditions, got {type(child).__name__}")
        self._operator = operator
        self._variable = variable
        self._value = value
        self._children = children

    @property
    def operator(self) -> str:
        return self._operator

    @property
    def variable(self) -> str | None:
        return self._variable

    @property
    def children(self) -> tuple[Condition, ...]:
        return self._children

    def to_dict(self) -> dict[str, Any]:
        if self._operator in ("And", "Or"):
            return {self._operator: [child.to_dict() for child in self._children]}
        if self._operator == "Not":
            return {"Not": self._children[0].to_dict()}
        return {"Variable": self._variable, self._operator: self._value}

    @classmethod
    def from_dict(cls, rule: Mapping[str, Any]) -> Condition:
        """The Condition a rule dict describes (a top-level rule's Next is ignored)."""
        fields = {key: value for key, value in rule.items() if key not in ("Next", "Comment")}
        for operator in ("And", "Or"):
            if operator in fields:
                items = fields[operator]
                if len(fields) != 1 or not isinstance(items, list):
                    raise ValueError(f"{operator} must be alone and hold a list: {rule!r}")
                return cls(operator, children=tuple(cls.from_dict(item) for item in items))
        if "Not" in fields:
            if len(fields) != 1 or not isinstance(fields["Not"], Mapping):
                raise ValueError(f"Not must be alone and hold one rule: {rule!r}")
            return cls("Not", children=(cls.from_dict(fields["Not"]),))
        operators = [key for key in fields if key != "Variable"]
        if "Variable" not in fields or len(operators) != 1:
            raise ValueError(f"a rule needs a Variable and exactly one operator: {rule!r}")
        return cls(operators[0], variable=fields["Variable"], value=fields[operators[0]])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Condition) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_dict(), sort_keys=True))

    def __repr__(self) -> str:
        return f"Condition({json.dumps(self.to_dict(), sort_keys=True)})"

    # --- boolean expressions ----------------------------------------------------------------
    @staticmethod
    def and_(*conditions: Condition) -> Condition:
        return Condition("And", children=conditions)

    @staticmethod
    def or_(*conditions: Condition) -> Condition:
        return Condition("Or", children=conditions)

    @staticmethod
    def not_(condition: Condition) -> Condition:
        return Condition("Not", children=(condition,))

    # --- type tests: Condition.is_string("$.x"); is_string("$.x", False) tests the opposite --
    is_present = _TypeTest("IsPresent")
    is_null = _TypeTest("IsNull")
    is_string = _TypeTest("IsString")
    is_numeric = _TypeTest("IsNumeric")
    is_boolean = _TypeTest("IsBoolean")
    is_timestamp = _TypeTest("IsTimestamp")

    # --- comparisons: the operand is a literal, or (`..._path`) a Reference Path -----------
    string_equals = _Builder[str]("StringEquals")
    string_equals_path = _Builder[str]("StringEqualsPath")
    string_less_than = _Builder[str]("StringLessThan")
    string_less_than_path = _Builder[str]("StringLessThanPath")
    string_less_than_equals = _Builder[str]("StringLessThanEquals")
    string_less_than_equals_path = _Builder[str]("StringLessThanEqualsPath")
    string_greater_than = _Builder[str]("StringGreaterThan")
    string_greater_than_path = _Builder[str]("StringGreaterThanPath")
    string_greater_than_equals = _Builder[str]("StringGreaterThanEquals")
    string_greater_than_equals_path = _Builder[str]("StringGreaterThanEqualsPath")
    string_matches = _Builder[str]("StringMatches")  # `*` is the wildcard

    numeric_equals = _Builder[float]("NumericEquals")
    numeric_equals_path = _Builder[str]("NumericEqualsPath")
    numeric_less_than = _Builder[float]("NumericLessThan")
    numeric_less_than_path = _Builder[str]("NumericLessThanPath")
    numeric_less_than_equals = _Builder[float]("NumericLessThanEquals")
    numeric_less_than_equals_path = _Builder[str]("NumericLessThanEqualsPath")
    numeric_greater_than = _Builder[float]("NumericGreaterThan")
    numeric_greater_than_path = _Builder[str]("NumericGreaterThanPath")
    numeric_greater_than_equals = _Builder[float]("NumericGreaterThanEquals")
    numeric_greater_than_equals_path = _Builder[str]("NumericGreaterThanEqualsPath")

    boolean_equals = _Builder[bool]("BooleanEquals")
    boolean_equals_path = _Builder[str]("BooleanEqualsPath")

    timestamp_equals = _Builder[str]("TimestampEquals")
    timestamp_equals_path = _Builder[str]("TimestampEqualsPath")
    timestamp_less_than = _Builder[str]("TimestampLessThan")
    timestamp_less_than_path = _Builder[str]("TimestampLessThanPath")
    timestamp_less_than_equals = _Builder[str]("TimestampLessThanEquals")
    timestamp_less_than_equals_path = _Builder[str]("TimestampLessThanEqualsPath")
    timestamp_greater_than = _Builder[str]("TimestampGreaterThan")
    timestamp_greater_than_path = _Builder[str]("TimestampGreaterThanPath")
    timestamp_greater_than_equals = _Builder[str]("TimestampGreaterThanEquals")
    timestamp_greater_than_equals_path = _Builder[str]("TimestampGreaterThanEqualsPath")
