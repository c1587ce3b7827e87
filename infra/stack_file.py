"""A stack's settings as `Pulumi.<stack>.yaml` holds them, read without the Pulumi engine.

The Pulumi CLI hands a program its config as strings (scalars as text, objects and lists as
JSON); this reads the stack file the same way, for the commands that look at a stack from
outside a Pulumi run: the smoke check of a deployed stack, `make plan` and the embedded
runtime. `secure:` values cannot be decrypted here: they become UNDECRYPTABLE_SECRET and stay
marked secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from infra.config import NAMESPACE

REPO_ROOT = Path(__file__).resolve().parent.parent
# Pulumi.yaml's `name`: a project's own config keys live in the namespace of that name.
PROJECT = NAMESPACE
UNDECRYPTABLE_SECRET = "[undecryptable secure config value]"  # noqa: S105 - a stand-in


class StackFileError(ValueError):
    """The stack file is missing or is not a Pulumi stack file."""


@dataclass(frozen=True)
class StackConfig:
    values: dict[str, str]  # as the Pulumi CLI hands them to a program
    secret_keys: frozenset[str]


def as_config_string(value: Any) -> str:
    """Pulumi gives programs strings: scalars as text, objects and lists as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def stack_file(stack: str, project_root: Path = REPO_ROOT) -> Path:
    return project_root / f"Pulumi.{stack}.yaml"


def load_stack_config(
    stack: str,
    *,
    project_root: Path = REPO_ROOT,
    overrides: Mapping[str, str] | None = None,
    secret_overrides: Mapping[str, str] | None = None,
) -> StackConfig:
    """`Pulumi.<stack>.yaml`'s config, then `overrides`, then `secret_overrides` (secret)."""
    path = stack_file(stack, project_root)
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as error:
        raise StackFileError(f"cannot read {path}: {error.strerror or error}") from error
    except yaml.YAMLError as error:
        raise StackFileError(f"{path} is not valid YAML: {error}") from error
    config = document.get("config") if isinstance(document, dict) else None
    if not isinstance(config, dict | None):
        raise StackFileError(f"{path}: `config` must be a mapping, got {type(config).__name__}")
    values: dict[str, str] = {}
    secret_keys: set[str] = set()
    for key, value in (config or {}).items():
        full_key = key if ":" in key else f"{NAMESPACE}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full_key] = UNDECRYPTABLE_SECRET
            secret_keys.add(full_key)
        else:
            values[full_key] = as_config_string(value)
    values.update(overrides or {})
    for key, value in (secret_overrides or {}).items():
        values[key] = value
        secret_keys.add(key)
    return StackConfig(values=values, secret_keys=frozenset(secret_keys))
