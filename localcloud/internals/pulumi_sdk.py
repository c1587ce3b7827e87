"""Every private part of the Pulumi SDK localcloud relies on, and nothing else.

Running the program without the engine (`localcloud.deploy.pulumi_program`) needs more than
Pulumi's documented unit-test API (`pulumi.runtime.Mocks`, `set_mocks`, `set_all_config`):

- `MockMonitor` (`pulumi.runtime.mocks`, not exported): subclassed to see each
  registration's resource options (`RegisterResource(request)`, the gRPC request's
  `protect`, `retainOnDelete`, `ignoreChanges`, `parent`, `dependencies`);
- `run_pulumi_func` (`pulumi.runtime.stack`) and `_sync_await`
  (`pulumi.runtime.sync_await`): run the program as `pulumi up` runs it, waiting for every
  outstanding registration before returning;
- `settings.reset_options` and `settings.get_root_resource`: a fresh runtime per run, and
  the stack's exported outputs (`root.outputs`);
- `rpc._special_sig_key` and `rpc._special_secret_sig`: how a secret travels on the wire
  (`{sig: <secret sig>, "value": ...}`) in the inputs the mocks receive.

`WRITTEN_AGAINST` is the pulumi version this module was verified with; after an upgrade,
re-check each name above (and the signatures used below), run tests/infra and
tests/localcloud, then bump it (tests/localcloud/test_internals.py fails until then).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pulumi.runtime import rpc
from pulumi.runtime import settings as _settings
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

__all__ = [
    "WRITTEN_AGAINST",
    "MockMonitor",
    "is_secret_value",
    "reset_runtime",
    "root_stack_outputs",
    "run_to_completion",
]

WRITTEN_AGAINST = "3.272.0"


def is_secret_value(value: Any) -> bool:
    """A secret as Pulumi sends it to the mocks (wrapped, with its signature)."""
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def reset_runtime(*, project: str, stack: str) -> None:
    """Fresh runtime settings for one run of the program (not a preview)."""
    _settings.reset_options(project=project, stack=stack, preview=False)


def root_stack_outputs() -> dict[str, Any]:
    """What the program exported (`pulumi.export`), as registered on the root stack."""
    return dict(getattr(_settings.get_root_resource(), "outputs", {}))


def run_to_completion(main: Callable[[], Awaitable[None]]) -> None:
    """Run `main` as the engine runs a program: until every registration it started is done."""
    _sync_await(run_pulumi_func(main))
