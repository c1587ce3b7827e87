"""Error names and errors: the States Language's predefined error names, the jitter
strategies of a retrier, and what the DSL raises (definition problems, run-time States
errors, path misses)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final


class Errors:
    """The predefined error names of the States Language (CDK's `Errors`), for the
    ErrorEquals of Retry and Catch and for the errors the evaluator raises."""

    ALL: Final = "States.ALL"
    BRANCH_FAILED: Final = "States.BranchFailed"
    DATA_LIMIT_EXCEEDED: Final = "States.DataLimitExceeded"
    EXCEED_TOLERATED_FAILURE_THRESHOLD: Final = "States.ExceedToleratedFailureThreshold"
    HEARTBEAT_TIMEOUT: Final = "States.HeartbeatTimeout"
    HTTP_SOCKET: Final = "States.Http.Socket"
    INTRINSIC_FAILURE: Final = "States.IntrinsicFailure"
    ITEM_READER_FAILED: Final = "States.ItemReaderFailed"
    NO_CHOICE_MATCHED: Final = "States.NoChoiceMatched"
    PARAMETER_PATH_FAILURE: Final = "States.ParameterPathFailure"
    PERMISSIONS: Final = "States.Permissions"
    QUERY_EVALUATION_ERROR: Final = "States.QueryEvaluationError"
    RESULT_PATH_MATCH_FAILURE: Final = "States.ResultPathMatchFailure"
    RESULT_WRITER_FAILED: Final = "States.ResultWriterFailed"
    RUNTIME: Final = "States.Runtime"
    TASK_FAILED: Final = "States.TaskFailed"
    TIMEOUT: Final = "States.Timeout"


PREDEFINED_ERRORS: Final[frozenset[str]] = frozenset(
    value for key, value in vars(Errors).items() if not key.startswith("_")
)
# Reserved for the names above: any other name with this prefix is a typo.
PREDEFINED_PREFIX: Final = "States."


class JitterType:
    """A retrier's JitterStrategy: FULL randomises each interval between 0 and its value."""

    FULL: Final = "FULL"
    NONE: Final = "NONE"


JITTER_TYPES: Final = (JitterType.FULL, JitterType.NONE)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition. `state` is None for machine-level problems.

    `code` is a stable slug (e.g. "busy-loop") so callers and tests can tell problems apart
    without matching on prose.
    """

    state: str | None
    message: str
    code: str = ""

    def __str__(self) -> str:
        if self.state is None:
            return self.message
        return f"state {self.state!r}: {self.message}"


class ValidationError(ValueError):
    """A definition has problems; `problems` holds every one found, not just the first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} in the state machine definition:"
        super().__init__("\n".join([header, *(f"- {p}" for p in self.problems)]))


class StatesError(Exception):
    """An error a Step Functions execution would fail with, e.g. States.NoChoiceMatched."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


class PathNotFound(LookupError):
    """A reference path selects nothing in the document."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason
