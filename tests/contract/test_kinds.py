"""Each value kind checks a Lambda's environment and the stack's config alike.

The environment holds strings only; stack config holds strings at the top level and JSON
types inside objects. The same kind accepts both, and words its refusal for each source.
"""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from contract import kinds
from contract.kinds import ENVIRONMENT, STACK_CONFIG, Invalid, Kind, read_value
from contract.limits import MAX_HYPERPARAMETERS

pytestmark = pytest.mark.unit


def problems(kind: Kind[Any], raw: Any, source: kinds.Source = STACK_CONFIG) -> list[str]:
    value, found = read_value(raw, kind, "NAME", source, required=True, default=None)
    assert found, f"{raw!r} was accepted as {value!r}"
    return found


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (kinds.integer(1), "12", 12),
        (kinds.integer(1), 12, 12),
        (kinds.integer(0, 100), " 0 ", 0),
        (kinds.at_most(kinds.integer(1), 10), "10", 10),
        (kinds.BOOLEAN, "True", True),
        (kinds.BOOLEAN, False, False),
        (kinds.TIME_ZONE, "Europe/Paris", ZoneInfo("Europe/Paris")),
        (kinds.TIME_ZONE_NAME, " Europe/Paris", "Europe/Paris"),
        (kinds.LOG_LEVEL, "debug", "DEBUG"),
        (kinds.choice("OFF", "ALL"), "ALL", "ALL"),
        (kinds.URL, "http://127.0.0.1:8765/api/", "http://127.0.0.1:8765/api/"),
        (kinds.arn("iam"), "arn:aws:iam::123456789012:role/x", "arn:aws:iam::123456789012:role/x"),
        (kinds.S3_FOLDER, "data/m/train/", "data/m/train/"),
        (kinds.HYPERPARAMETERS, '{"b": "2", "a": "1"}', (("a", "1"), ("b", "2"))),
        (kinds.HYPERPARAMETERS, {"a": "1"}, (("a", "1"),)),
    ],
)
def test_a_valid_value_is_converted_whatever_its_spelling(kind: Kind[Any], raw: Any, expected: Any):
    for source in (ENVIRONMENT, STACK_CONFIG):
        if source is ENVIRONMENT and not isinstance(raw, str):
            continue  # an environment holds strings only
        assert kind.parse(raw, source) == expected


@pytest.mark.parametrize("raw", ["x", "0", "-1", "1.5", True, 101])
def test_integers_are_whole_numbers_within_their_range(raw: Any) -> None:
    assert problems(kinds.integer(1, 100), raw) == [
        f"NAME must be an integer from 1 to 100, got {json.dumps(raw)}"
    ]


def test_a_ceiling_added_to_a_kind_is_named_on_its_own() -> None:
    kind = kinds.at_most(kinds.integer(1), 10)
    assert problems(kind, "11", ENVIRONMENT) == ["NAME must be at most 10, got '11'"]
    assert problems(kind, "0", ENVIRONMENT) == ["NAME must be a positive integer, got '0'"]


def test_each_source_words_literals_as_its_users_write_them() -> None:
    assert problems(kinds.BOOLEAN, "yes", ENVIRONMENT) == [
        "NAME must be 'true' or 'false', got 'yes'"
    ]
    assert problems(kinds.BOOLEAN, "yes") == ['NAME must be true or false, got "yes"']
    assert problems(kinds.TIME_ZONE, "Mars/Olympus") == [
        'NAME must be an IANA time zone such as Europe/Paris, got "Mars/Olympus"'
    ]


def test_unset_is_a_problem_only_when_required() -> None:
    assert read_value("  ", kinds.TEXT, "NAME", ENVIRONMENT, required=True, default=None) == (
        None,
        ["NAME is required but not set"],
    )
    assert read_value(None, kinds.TEXT, "key", STACK_CONFIG, required=True, default=None) == (
        None,
        ["key is required"],
    )
    assert read_value(None, kinds.URL, "NAME", ENVIRONMENT, required=False, default="d") == (
        "d",
        [],
    )


def test_every_bad_hyperparameter_is_reported_with_the_entry() -> None:
    raw = json.dumps({"epochs": 10, "rate": 0.5, "ok": "1"})
    assert problems(kinds.HYPERPARAMETERS, raw, ENVIRONMENT) == [
        "NAME['epochs'] must be a string, got 10",
        "NAME['rate'] must be a string, got 0.5",
    ]
    (in_config, _) = problems(kinds.HYPERPARAMETERS, raw)
    assert in_config.startswith(
        "NAME must be a map of strings: the value of 'epochs' is 10, not a string (quote it"
    )
    assert json.dumps(raw) in in_config


def test_hyperparameters_respect_sagemakers_limits() -> None:
    too_many = json.dumps({f"k{i}": "v" for i in range(MAX_HYPERPARAMETERS + 1)})
    (problem,) = problems(kinds.HYPERPARAMETERS, too_many, ENVIRONMENT)
    assert problem == "NAME must have at most 100 entries (SageMaker's limit), got 101 entries"
    (problem,) = problems(kinds.HYPERPARAMETERS, json.dumps({"k" * 257: "v"}), ENVIRONMENT)
    assert problem.startswith(f"NAME[{'k' * 257!r}] must respect SageMaker's length limits")


def test_a_map_must_be_a_json_object() -> None:
    assert problems(kinds.HYPERPARAMETERS, "[1]", ENVIRONMENT) == [
        "NAME must be a JSON object of strings, got list"
    ]
    (problem,) = problems(kinds.HYPERPARAMETERS, "{x")
    assert problem.startswith('NAME must be a map of strings, got "{x" (invalid JSON: ')


def test_invalid_lists_every_problem() -> None:
    error = Invalid("must be one thing", kinds.Problem("must be another", got="x"))
    assert [p.expectation for p in error.problems] == ["must be one thing", "must be another"]
    assert str(error) == "must be one thing; must be another"
