"""The one reader of a Lambda's environment, and the declarations it reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import pytest

from contract import kinds, lambdas
from contract.errors import SettingsError
from contract.rules import Named, at_least, at_most, required_when
from contract.settings import Rule, Variable, read_settings, setting
from contract.waits import next_poll_timeout, poll_bounds_problems, spot_max_wait_problems

pytestmark = pytest.mark.unit

FLAG = Variable("FLAG", kinds.BOOLEAN)
COUNT = Variable("COUNT", kinds.integer(1), required=False)


@dataclass(frozen=True)
class Sample:
    RULES: ClassVar = (Rule(required_when, (FLAG, COUNT)),)
    flag: bool = setting(FLAG)
    count: int | None = setting(COUNT)


@dataclass(frozen=True)
class Declaration:
    settings: type[Sample] = Sample


def test_the_reader_builds_the_typed_frozen_settings() -> None:
    read = read_settings(Declaration(), {"FLAG": " true ", "COUNT": "3"})
    assert read == Sample(flag=True, count=3)
    with pytest.raises(AttributeError):
        read.count = 4  # type: ignore[misc]


def test_a_rule_runs_once_the_settings_it_reads_are_valid_or_unset() -> None:
    with pytest.raises(SettingsError, match=r"^COUNT is required when FLAG is true$"):
        read_settings(Declaration(), {"FLAG": "true"})
    # A malformed COUNT is reported on its own, not as missing.
    with pytest.raises(SettingsError, match=r"^COUNT must be a positive integer, got 'x'$"):
        read_settings(Declaration(), {"FLAG": "true", "COUNT": "x"})


def test_rules_word_both_settings_and_the_values() -> None:
    runtime, wait = Named("RUNTIME", 3600), Named("WAIT", 1800)
    assert at_least(wait, runtime) == ["WAIT must be at least RUNTIME (3600), got 1800"]
    assert at_most(runtime, wait) == ["RUNTIME must be at most WAIT (1800), got 3600"]
    assert at_least(Named("WAIT", None), runtime) == []


def test_spot_training_needs_a_max_wait_of_at_least_the_runtime() -> None:
    spot, runtime = Named("SPOT", True), Named("RUNTIME", 3600)
    assert spot_max_wait_problems(spot, Named("WAIT", None), runtime) == [
        "WAIT is required when SPOT is true"
    ]
    assert spot_max_wait_problems(spot, Named("WAIT", 60), runtime) == [
        "WAIT must be at least RUNTIME (3600), got 60"
    ]
    assert spot_max_wait_problems(Named("SPOT", False), Named("WAIT", 60), runtime) == []


def test_poll_timeouts_double_up_to_their_cap() -> None:
    assert [next_poll_timeout(s, 900) for s in (60, 300, 600, 900)] == [120, 600, 900, 900]
    assert poll_bounds_problems(Named("FIRST", 900), Named("CAP", 600)) == [
        "FIRST must be at most CAP (600), got 900"
    ]


def test_every_lambda_reads_distinct_variables_and_grants_distinct_sids() -> None:
    assert len(lambdas.BY_KEY) == len(lambdas.ALL_FUNCTIONS)
    for spec in lambdas.ALL_FUNCTIONS:
        names = spec.variable_names
        assert len(names) == len(set(names)), spec.key
        assert {"MODEL_NAME", "STACK_NAME", "LOG_LEVEL"} <= set(names), spec.key
        assert spec.grants, spec.key
        assert len({grant.sid for grant in spec.grants}) == len(spec.grants), spec.key
