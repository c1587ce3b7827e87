"""Choice-state checks: rule structure, operators and operands, the Default."""

from __future__ import annotations

from typing import Any

from workflow.asl.conditions import Condition
from workflow.asl.errors import Errors
from workflow.asl.operators import BOOLEAN_OPERATORS, OPERATORS
from workflow.asl.validate_fields import Report


def check_choice(report: Report, state: dict[str, Any], *, default_required: bool) -> None:
    rules = state.get("Choices")
    if not isinstance(rules, list) or not rules:
        report("needs at least one rule in Choices", "choice-rules")
    else:
        for index, rule in enumerate(rules):
            check_rule(report, rule, f"Choices[{index}]", top=True)
    if "Default" in state:
        if not isinstance(state["Default"], str):
            report(f"Default must be a state name, got {state['Default']!r}", "transition")
    elif default_required:
        report(
            "has no Default: an input that no rule matches fails the execution with "
            f"{Errors.NO_CHOICE_MATCHED} (use allow_no_default=True if that is intended)",
            "no-default",
        )


def check_rule(report: Report, rule: Any, where: str, *, top: bool) -> None:
    if not isinstance(rule, dict):
        report(f"{where} must be an object, got {type(rule).__name__}", "choice-rule")
        return
    if top and not isinstance(rule.get("Next"), str):
        report(f"{where} needs a Next state name", "transition")
    if not top and "Next" in rule:
        report(f"{where}: only top-level rules may have Next", "choice-rule")
    allowed = {"Next", "Comment", "Assign"} if top else {"Comment"}
    fields = {key: value for key, value in rule.items() if key not in allowed}
    boolean = [key for key in fields if key in BOOLEAN_OPERATORS]
    if boolean:
        _check_boolean(report, fields, boolean, where)
        return
    operators = [key for key in fields if key in OPERATORS]
    unknown = sorted(set(fields) - set(operators) - {"Variable"})
    for key in unknown:
        report(f"{where}: unknown field {key!r}", "unknown-field")
    if "Variable" not in fields:
        report(f"{where} needs a Variable (or And/Or/Not)", "choice-rule")
        return
    if len(operators) != 1:
        found = ", ".join(operators) or "none"
        report(f"{where} needs exactly one comparison operator, found {found}", "choice-rule")
        return
    try:
        Condition(operators[0], variable=fields["Variable"], value=fields[operators[0]])
    except (ValueError, TypeError) as error:
        report(f"{where}: {error}", "choice-operand")


def _check_boolean(report: Report, fields: dict[str, Any], boolean: list[str], where: str) -> None:
    if len(fields) != 1:
        others = ", ".join(sorted(fields))
        report(
            f"{where}: And/Or/Not must be the only field of its rule, found {others}", "choice-rule"
        )
        return
    operator = boolean[0]
    value = fields[operator]
    if operator == "Not":
        check_rule(report, value, f"{where}.Not", top=False)
        return
    if not isinstance(value, list) or not value:
        report(f"{where}.{operator} must be a non-empty list of rules", "choice-rule")
        return
    for index, child in enumerate(value):
        check_rule(report, child, f"{where}.{operator}[{index}]", top=False)
