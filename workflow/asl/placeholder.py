"""Deploy-time values in a definition, and the "not given" sentinel for path fields."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final


class _Unset(enum.Enum):
    """A path field that was not given: omitted from the output (JSON null means "discard")."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset.UNSET
Unset = _Unset  # for annotations: `str | None | Unset`


@dataclass(frozen=True)
class Placeholder:
    """A value known only at deploy time, e.g. a Lambda function's ARN.

    Rendering substitutes `resolve[name]`; without a mapping it renders `example`, which
    defaults to a well-formed Lambda ARN so linters and local runtimes accept the document.
    """

    name: str
    example: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"a Placeholder needs a non-empty name, got {self.name!r}")

    @property
    def example_value(self) -> str:
        if self.example is not None:
            return self.example
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.name}"


def iter_placeholders(value: Any) -> Iterator[Placeholder]:
    """Every Placeholder inside a payload value (dicts, lists and tuples, however nested)."""
    if isinstance(value, Placeholder):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from iter_placeholders(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from iter_placeholders(item)


def substitute(value: Any, lookup: Mapping[str, str] | None) -> Any:
    """A JSON-ready deep copy of `value` with Placeholders replaced.

    `lookup` None means "render examples"; a name missing from `lookup` is left for the
    caller to report (it checks every state first, so the error can list all of them).
    """
    if isinstance(value, Placeholder):
        if lookup is None:
            return value.example_value
        return lookup[value.name]
    if isinstance(value, Mapping):
        return {key: substitute(item, lookup) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(item, lookup) for item in value]
    return value
