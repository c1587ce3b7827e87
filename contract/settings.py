"""How a Lambda's settings are declared, and the one reader of its environment.

A Lambda's settings are a frozen dataclass (see `contract.lambdas`); each field is
`setting(VARIABLE)`: the environment variable it is read from, whose kind checks and
converts the value. Checks across settings are the class's `RULES`.

Each handler module reads its settings at import time, Lambda's cold start
(`functions.cold_start`: `read_settings(CHECK_DATA, os.environ)`). A missing or malformed
variable therefore fails the cold start with one `SettingsError` that names every variable
at fault and its value, instead of failing later in whichever execution first needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Protocol, TypeVar

from contract.errors import SettingsError
from contract.kinds import ENVIRONMENT, Kind, read_value
from contract.rules import Named

S = TypeVar("S")
S_co = TypeVar("S_co", covariant=True)
_VARIABLE = "variable"


@dataclass(frozen=True)
class Variable:
    """An environment variable infra sets and a function reads."""

    name: str
    kind: Kind[Any]
    # An optional variable may be left unset: the setting is then `default`.
    required: bool = True
    default: Any = None


def setting(variable: Variable) -> Any:
    """A settings-dataclass field read from `variable`."""
    return field(metadata={_VARIABLE: variable})


def declared_settings(settings_class: type) -> dict[str, Variable]:
    """The settings class's fields, by name, and the variable each one is read from."""
    return {f.name: f.metadata[_VARIABLE] for f in fields(settings_class)}


def variables_of(settings_class: type) -> tuple[Variable, ...]:
    return tuple(declared_settings(settings_class).values())


@dataclass(frozen=True)
class Rule:
    """A check across settings (`contract.rules`), given them as `Named` in `reads` order.

    It runs only when every variable it reads is valid or unset: a malformed one is
    already reported on its own.
    """

    check: Callable[..., list[str]]
    reads: tuple[Variable, ...]

    def problems(self, values: Mapping[str, Any]) -> list[str]:
        if any(variable.name not in values for variable in self.reads):
            return []
        return self.check(*(Named(v.name, values[v.name]) for v in self.reads))


class DeclaresSettings(Protocol[S_co]):
    @property
    def settings(self) -> type[S_co]: ...


def read_settings(declaration: DeclaresSettings[S], environ: Mapping[str, str]) -> S:
    """The declared settings, read from `environ`; SettingsError lists every problem."""
    settings_class = declaration.settings
    declared = declared_settings(settings_class)
    values: dict[str, Any] = {}  # by variable name: the valid and the unset ones
    problems: list[str] = []
    for variable in declared.values():
        raw = environ.get(variable.name)
        value, found = read_value(
            None if raw is None else raw.strip(),
            variable.kind,
            variable.name,
            ENVIRONMENT,
            required=variable.required,
            default=variable.default,
        )
        if found:
            problems += found
        else:
            values[variable.name] = value
    for rule in getattr(settings_class, "RULES", ()):
        problems += rule.problems(values)
    if problems:
        raise SettingsError("; ".join(problems))
    return settings_class(**{name: values[variable.name] for name, variable in declared.items()})
