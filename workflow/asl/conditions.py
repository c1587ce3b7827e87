"""Choice-rule conditions: one constructor per ASL operator, checked when built.

A bad operand (a numeric literal that is a bool, a timestamp that is not RFC 3339, a path
that does not start with `$`) is a programming error in the definition builder, so it raises
ValueError at once instead of waiting for `StateMachine.validate()`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from workflow.asl.jsonpath import path_problem
from workflow.asl.operators import OPERATORS, compile_string_match, has_kind, is_number


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


class Condition:
    """A Choice Rule without its Next. Build with the static methods, e.g.
    `Condition.string_equals("$.status", "Completed")`."""

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

    # --- type tests ---------------------------------------------------------------------------
    @staticmethod
    def is_present(variable: str, value: bool = True) -> Condition:
        return Condition("IsPresent", variable=variable, value=value)

    @staticmethod
    def is_null(variable: str, value: bool = True) -> Condition:
        return Condition("IsNull", variable=variable, value=value)

    @staticmethod
    def is_string(variable: str, value: bool = True) -> Condition:
        return Condition("IsString", variable=variable, value=value)

    @staticmethod
    def is_numeric(variable: str, value: bool = True) -> Condition:
        return Condition("IsNumeric", variable=variable, value=value)

    @staticmethod
    def is_boolean(variable: str, value: bool = True) -> Condition:
        return Condition("IsBoolean", variable=variable, value=value)

    @staticmethod
    def is_timestamp(variable: str, value: bool = True) -> Condition:
        return Condition("IsTimestamp", variable=variable, value=value)

    # --- strings ------------------------------------------------------------------------------
    @staticmethod
    def string_equals(variable: str, value: str) -> Condition:
        return Condition("StringEquals", variable=variable, value=value)

    @staticmethod
    def string_equals_path(variable: str, path: str) -> Condition:
        return Condition("StringEqualsPath", variable=variable, value=path)

    @staticmethod
    def string_less_than(variable: str, value: str) -> Condition:
        return Condition("StringLessThan", variable=variable, value=value)

    @staticmethod
    def string_less_than_path(variable: str, path: str) -> Condition:
        return Condition("StringLessThanPath", variable=variable, value=path)

    @staticmethod
    def string_less_than_equals(variable: str, value: str) -> Condition:
        return Condition("StringLessThanEquals", variable=variable, value=value)

    @staticmethod
    def string_less_than_equals_path(variable: str, path: str) -> Condition:
        return Condition("StringLessThanEqualsPath", variable=variable, value=path)

    @staticmethod
    def string_greater_than(variable: str, value: str) -> Condition:
        return Condition("StringGreaterThan", variable=variable, value=value)

    @staticmethod
    def string_greater_than_path(variable: str, path: str) -> Condition:
        return Condition("StringGreaterThanPath", variable=variable, value=path)

    @staticmethod
    def string_greater_than_equals(variable: str, value: str) -> Condition:
        return Condition("StringGreaterThanEquals", variable=variable, value=value)

    @staticmethod
    def string_greater_than_equals_path(variable: str, path: str) -> Condition:
        return Condition("StringGreaterThanEqualsPath", variable=variable, value=path)

    @staticmethod
    def string_matches(variable: str, pattern: str) -> Condition:
        return Condition("StringMatches", variable=variable, value=pattern)

    # --- numbers ------------------------------------------------------------------------------
    @staticmethod
    def numeric_equals(variable: str, value: float) -> Condition:
        return Condition("NumericEquals", variable=variable, value=value)

    @staticmethod
    def numeric_equals_path(variable: str, path: str) -> Condition:
        return Condition("NumericEqualsPath", variable=variable, value=path)

    @staticmethod
    def numeric_less_than(variable: str, value: float) -> Condition:
        return Condition("NumericLessThan", variable=variable, value=value)

    @staticmethod
    def numeric_less_than_path(variable: str, path: str) -> Condition:
        return Condition("NumericLessThanPath", variable=variable, value=path)

    @staticmethod
    def numeric_less_than_equals(variable: str, value: float) -> Condition:
        return Condition("NumericLessThanEquals", variable=variable, value=value)

    @staticmethod
    def numeric_less_than_equals_path(variable: str, path: str) -> Condition:
        return Condition("NumericLessThanEqualsPath", variable=variable, value=path)

    @staticmethod
    def numeric_greater_than(variable: str, value: float) -> Condition:
        return Condition("NumericGreaterThan", variable=variable, value=value)

    @staticmethod
    def numeric_greater_than_path(variable: str, path: str) -> Condition:
        return Condition("NumericGreaterThanPath", variable=variable, value=path)

    @staticmethod
    def numeric_greater_than_equals(variable: str, value: float) -> Condition:
        return Condition("NumericGreaterThanEquals", variable=variable, value=value)

    @staticmethod
    def numeric_greater_than_equals_path(variable: str, path: str) -> Condition:
        return Condition("NumericGreaterThanEqualsPath", variable=variable, value=path)

    # --- booleans -----------------------------------------------------------------------------
    @staticmethod
    def boolean_equals(variable: str, value: bool) -> Condition:
        return Condition("BooleanEquals", variable=variable, value=value)

    @staticmethod
    def boolean_equals_path(variable: str, path: str) -> Condition:
        return Condition("BooleanEqualsPath", variable=variable, value=path)

    # --- timestamps ---------------------------------------------------------------------------
    @staticmethod
    def timestamp_equals(variable: str, value: str) -> Condition:
        return Condition("TimestampEquals", variable=variable, value=value)

    @staticmethod
    def timestamp_equals_path(variable: str, path: str) -> Condition:
        return Condition("TimestampEqualsPath", variable=variable, value=path)

    @staticmethod
    def timestamp_less_than(variable: str, value: str) -> Condition:
        return Condition("TimestampLessThan", variable=variable, value=value)

    @staticmethod
    def timestamp_less_than_path(variable: str, path: str) -> Condition:
        return Condition("TimestampLessThanPath", variable=variable, value=path)

    @staticmethod
    def timestamp_less_than_equals(variable: str, value: str) -> Condition:
        return Condition("TimestampLessThanEquals", variable=variable, value=value)

    @staticmethod
    def timestamp_less_than_equals_path(variable: str, path: str) -> Condition:
        return Condition("TimestampLessThanEqualsPath", variable=variable, value=path)

    @staticmethod
    def timestamp_greater_than(variable: str, value: str) -> Condition:
        return Condition("TimestampGreaterThan", variable=variable, value=value)

    @staticmethod
    def timestamp_greater_than_path(variable: str, path: str) -> Condition:
        return Condition("TimestampGreaterThanPath", variable=variable, value=path)

    @staticmethod
    def timestamp_greater_than_equals(variable: str, value: str) -> Condition:
        return Condition("TimestampGreaterThanEquals", variable=variable, value=value)

    @staticmethod
    def timestamp_greater_than_equals_path(variable: str, path: str) -> Condition:
        return Condition("TimestampGreaterThanEqualsPath", variable=variable, value=path)
