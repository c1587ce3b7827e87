"""A small Python DSL for the Amazon States Language (JSONPath flavour).

Build states, link them with `.next()` / `.when()` / `.catch()` (in any order: a state can be
declared before its successor exists), protect them with `.retry(Retrier(...))`, wrap the
start state in a `StateMachine`, then `validate()`, render (`to_json()` gives the deployed bytes),
draw (`to_mermaid()`) or evaluate Choice routing (`route()` / `next_state()`) with AWS's
semantics. Standard library only.
"""

from workflow.asl.conditions import Condition
from workflow.asl.errors import (
    Errors,
    JitterType,
    PathNotFound,
    Problem,
    StatesError,
    ValidationError,
)
from workflow.asl.evaluate import evaluate_condition, next_state
from workflow.asl.jsonpath import resolve_path
from workflow.asl.machine import StateMachine
from workflow.asl.placeholder import UNSET, Placeholder
from workflow.asl.state import Chain, State
from workflow.asl.states import Choice, Fail, Pass, Succeed, Wait
from workflow.asl.tasks import Map, Parallel, Retrier, Task
from workflow.asl.validate import validate_definition

__all__ = [
    "UNSET",
    "Chain",
    "Choice",
    "Condition",
    "Errors",
    "Fail",
    "JitterType",
    "Map",
    "Parallel",
    "Pass",
    "PathNotFound",
    "Placeholder",
    "Problem",
    "Retrier",
    "State",
    "StateMachine",
    "StatesError",
    "Succeed",
    "Task",
    "ValidationError",
    "Wait",
    "evaluate_condition",
    "next_state",
    "resolve_path",
    "validate_definition",
]
