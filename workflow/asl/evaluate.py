"""Choice evaluation with AWS's semantics, so routing can be tested without AWS.

What AWS does, per the States Language spec and the Step Functions guide:
- rules are tried in order; the first true one wins, then Default, else
  States.NoChoiceMatched;
- And/Or stop as soon as the result is known, which is what makes the documented
  `And: [IsPresent, StringEquals]` guard safe;
- a Variable (or the operand of a `...Path` comparison) that selects nothing fails the
  execution with States.Runtime, except under IsPresent, which exists to test exactly that;
- a value of the wrong type makes a comparison false, never an error;
- InputPath is applied before any rule is evaluated.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflow.asl.conditions import Condition
from workflow.asl.errors import Errors, PathNotFound, StatesError
from workflow.asl.jsonpath import resolve_path
from workflow.asl.operators import OPERATORS, compare, compile_string_match, type_test
from workflow.asl.placeholder import UNSET
from workflow.asl.state import State
from workflow.asl.states import Choice


class _NoPayloads:
    """A Choice renders no payloads or sub-machines; anything else is a bug."""

    def value(self, state: State, value: Any) -> Any:
        raise TypeError(f"{state.name}: a Choice state has no payload to render")

    def machine(self, start: State) -> dict[str, Any]:
        raise TypeError("a Choice state has no sub-machine")


def next_state(choice: Choice | Mapping[str, Any], document: Any, *, context: Any = None) -> str:
    """The state a Choice transitions to for `document` (its raw input), or StatesError.

    `context` is the Context Object, needed only by rules that read `$$` paths.
    """
    if isinstance(choice, Choice):
        name = choice.name
        state: Mapping[str, Any] = choice.render(_NoPayloads())
    elif isinstance(choice, Mapping):
        name = "the Choice state"
        state = choice
    else:
        raise TypeError(f"expected a Choice or a Choice state dict, got {type(choice).__name__}")
    rules = state.get("Choices")
    if not isinstance(rules, list) or not rules:
        raise ValueError(f"{name} has no Choices")
    effective = _effective_input(state, document, context, name)
    for rule in rules:
        if evaluate_condition(rule, effective, context=context):
            return str(rule["Next"])
    if "Default" in state:
        return str(state["Default"])
    raise StatesError(
        Errors.NO_CHOICE_MATCHED, f"no Choice rule of {name} matched and it has no Default"
    )


def _effective_input(state: Mapping[str, Any], document: Any, context: Any, name: str) -> Any:
    input_path = state.get("InputPath", UNSET)
    if input_path is UNSET:
        return document
    if input_path is None:
        return {}
    try:
        return resolve_path(input_path, document, context=context)
    except PathNotFound as error:
        raise StatesError(
            Errors.RUNTIME,
            f"Invalid path {input_path!r} in the InputPath of {name}: {error.reason}",
        ) from None


def evaluate_condition(
    rule: Condition | Mapping[str, Any], document: Any, *, context: Any = None
) -> bool:
    """A Choice Rule (Condition or rule dict; Next is ignored) applied to an effective input."""
    if isinstance(rule, Condition):
        rule = rule.to_dict()
    # all()/any() over generators stop at the first decisive rule, as AWS does.
    if "And" in rule:
        return all(evaluate_condition(r, document, context=context) for r in rule["And"])
    if "Or" in rule:
        return any(evaluate_condition(r, document, context=context) for r in rule["Or"])
    if "Not" in rule:
        return not evaluate_condition(rule["Not"], document, context=context)
    return _evaluate_data_test(rule, document, context)


def _evaluate_data_test(rule: Mapping[str, Any], document: Any, context: Any) -> bool:
    operators = [key for key in rule if key in OPERATORS]
    if len(operators) != 1 or "Variable" not in rule:
        raise ValueError(f"not a Choice Rule: {dict(rule)!r}")
    name = operators[0]
    operator = OPERATORS[name]
    operand = rule[name]
    variable = rule["Variable"]
    try:
        value = resolve_path(variable, document, context=context)
    except PathNotFound as error:
        if name == "IsPresent":
            return operand is False
        raise StatesError(
            Errors.RUNTIME,
            f"Invalid path {variable!r}: the choice state's condition path references an "
            f"undefined value ({error.reason})",
        ) from None
    if operator.kind == "test":
        return type_test(name, True, value) is operand
    if operator.kind == "matches":
        try:
            pattern = compile_string_match(operand)
        except ValueError as error:
            raise StatesError(Errors.RUNTIME, str(error)) from None
        return isinstance(value, str) and pattern.fullmatch(value) is not None
    if operator.path:
        try:
            operand = resolve_path(operand, document, context=context)
        except PathNotFound as error:
            raise StatesError(
                Errors.RUNTIME, f"Invalid path {rule[name]!r} in {name}: {error.reason}"
            ) from None
    return compare(operator, value, operand)
