"""The errors the DSL raises: definition problems, run-time States errors, path misses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


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
