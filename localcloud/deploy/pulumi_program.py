"""Run the real Pulumi program (`infra.program.define_stack`) without the Pulumi engine.

Pulumi's unit-test mocks (`pulumi.runtime.Mocks`) stand in for the engine and the AWS
provider: whatever mocks are given decide what a resource's outputs are (the plan's
placeholders, or real resources in the embedded moto-backed AWS). This module feeds the
program a stack's config file, runs it to completion, and records every resource it
declares, every provider function it calls and its stack outputs.

Each run happens on a thread of its own, in a fresh `contextvars.Context`: the Pulumi
runtime keeps all of its state (settings, config, root stack) in context variables, so
runs never see each other's state and the caller's event loop is never touched. Dev then
prod in one process is fine.

`secure:` config values (encrypted by the Pulumi service or a passphrase) cannot be read
here; they are replaced by `UNDECRYPTABLE_SECRET` and still marked secret. Secrets in
recorded inputs stay wrapped as Pulumi sends them (`is_secret_value`); `masked()` replaces
them with `SECRET_MASK`.

The private parts of the SDK this needs are used through `localcloud.internals.pulumi_sdk`.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime

# The stack file is read as the Pulumi CLI reads it; infra owns that (the smoke check uses it).
from infra.stack_file import (
    PROJECT,
    REPO_ROOT,
    UNDECRYPTABLE_SECRET,
    StackConfig,
    load_stack_config,
)
from localcloud.internals.pulumi_sdk import (
    MockMonitor,
    is_secret_value,
    reset_runtime,
    root_stack_outputs,
    run_to_completion,
)

__all__ = [
    "REPO_ROOT",
    "UNDECRYPTABLE_SECRET",
    "StackConfig",
    "is_secret_value",
    "load_stack_config",
]

SECRET_MASK = "[secret]"  # noqa: S105 - what replaces a secret, not one


class ProgramFailed(RuntimeError):
    """The program raised (e.g. a config error); `__cause__` holds the original error."""


# --- secrets in recorded values ------------------------------------------------------------
def masked(value: Any) -> Any:
    """`value` with every secret replaced by SECRET_MASK."""
    if is_secret_value(value):
        return SECRET_MASK
    if isinstance(value, dict):
        return {k: masked(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    return value


def unwrap_secrets(value: Any) -> Any:
    """`value` with every secret replaced by its plain value (for mocks that create it)."""
    if is_secret_value(value):
        return unwrap_secrets(value["value"])
    if isinstance(value, dict):
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [unwrap_secrets(v) for v in value]
    return value


# --- recording -----------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordedOptions:
    """The resource options the program set (the mocks themselves never see them)."""

    protect: bool = False
    retain_on_delete: bool = False
    ignore_changes: tuple[str, ...] = ()
    parent: str = ""  # URN
    dependencies: tuple[str, ...] = ()  # URNs of explicit and implied dependencies


@dataclass(frozen=True)
class RecordedResource:
    type: str
    name: str
    inputs: dict[str, Any]  # as the program passed them; secrets still wrapped
    id: str | None
    state: dict[str, Any]  # what the mocks answered
    custom: bool
    read: bool  # a `get` of an existing resource rather than a declaration
    options: RecordedOptions = RecordedOptions()
    provider: str = ""  # the provider reference (`<urn>::<id>`); "" for components


@dataclass(frozen=True)
class RecordedCall:
    token: str
    args: dict[str, Any]
    result: dict[str, Any]
    provider: str = ""  # the provider reference (`<urn>::<id>`) the lookup went through


class RecordingMocks(pulumi.runtime.Mocks):
    """Delegates to `inner` and remembers what it was asked."""

    def __init__(self, inner: pulumi.runtime.Mocks) -> None:
        self.inner = inner
        self.resources: list[RecordedResource] = []
        self.calls: list[RecordedCall] = []
        self._lock = threading.Lock()
        # Set by _RecordingMonitor around each registration (same thread, same call).
        self.pending_options = threading.local()

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        resource_id, state = self.inner.new_resource(args)
        with self._lock:
            self.resources.append(
                RecordedResource(
                    type=args.typ,
                    name=args.name,
                    inputs=dict(args.inputs),
                    id=resource_id,
                    state=dict(state),
                    custom=bool(args.custom),
                    # Only a read (`Resource.get`) arrives without the `custom` flag.
                    read=args.custom is None,
                    options=getattr(self.pending_options, "value", RecordedOptions()),
                    provider=args.provider or "",
                )
            )
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        answer = self.inner.call(args)
        result = answer if isinstance(answer, dict) else answer[0]
        with self._lock:
            self.calls.append(
                RecordedCall(args.token, dict(args.args), dict(result), args.provider or "")
            )
        # The mock monitor iterates the failures: never hand it None.
        failures = None if isinstance(answer, dict) else answer[1]
        return result, list(failures or [])


class _RecordingMonitor(MockMonitor):
    """Pulumi's mock monitor, also noting each registration's resource options."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self._recorder = mocks

    def RegisterResource(self, request: Any) -> Any:  # the gRPC method's name
        self._recorder.pending_options.value = RecordedOptions(
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            ignore_changes=tuple(request.ignoreChanges),
            parent=request.parent,
            dependencies=tuple(request.dependencies),
        )
        try:
            return super().RegisterResource(request)
        finally:
            self._recorder.pending_options.value = RecordedOptions()


# --- running -------------------------------------------------------------------------------
@dataclass
class ProgramRun:
    stack: str
    config: StackConfig
    resources: list[RecordedResource] = field(default_factory=list)
    calls: list[RecordedCall] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)  # resolved; secret ones masked
    warnings: list[str] = field(default_factory=list)  # pulumi.log.warn/error messages

    def of_type(self, resource_type: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == resource_type]

    def plan(self) -> list[dict[str, Any]]:
        """`[{type, name, inputs}]` of the declared resources, secrets masked."""
        return [
            {"type": r.type, "name": r.name, "inputs": masked(r.inputs)}
            for r in self.resources
            if not r.read
        ]


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def run_program(
    stack: str,
    mocks: pulumi.runtime.Mocks,
    *,
    config_overrides: Mapping[str, str] | None = None,
    secret_overrides: Mapping[str, str] | None = None,
    project_root: Path = REPO_ROOT,
    program: Callable[[], None] | None = None,
) -> ProgramRun:
    """Run the program for `stack` under `mocks`; raise ProgramFailed if it fails.

    `program` defaults to `infra.program.define_stack`.
    """
    config = load_stack_config(
        stack,
        project_root=project_root,
        overrides=config_overrides,
        secret_overrides=secret_overrides,
    )
    if program is None:
        from infra.program import define_stack  # noqa: PLC0415 - production never imports us

        program = define_stack
    recorder = RecordingMocks(mocks)
    run = ProgramRun(stack=stack, config=config)
    failure: list[BaseException] = []

    def in_fresh_context() -> None:
        try:
            run.outputs = _run(stack, config, recorder, program, run.warnings)
        except BaseException as error:  # reported to the caller's thread below
            failure.append(error)

    thread = threading.Thread(
        target=contextvars.Context().run, args=(in_fresh_context,), name=f"pulumi-{stack}"
    )
    thread.start()
    thread.join()
    run.resources = list(recorder.resources)
    run.calls = list(recorder.calls)
    if failure:
        raise ProgramFailed(f"the Pulumi program failed for stack {stack}: {failure[0]}") from (
            failure[0]
        )
    return run


def _run(
    stack: str,
    config: StackConfig,
    mocks: RecordingMocks,
    program: Callable[[], None],
    warnings: list[str],
) -> dict[str, Any]:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    collector = _WarningCollector()
    # A logger of this run only (not registered in logging's tree): pulumi.log.* ends here.
    logger = logging.Logger(f"pulumi-program-{stack}", level=logging.INFO)
    logger.addHandler(collector)
    try:
        reset_runtime(project=PROJECT, stack=stack)
        pulumi.runtime.set_all_config(dict(config.values), sorted(config.secret_keys))
        pulumi.runtime.set_mocks(
            mocks,
            project=PROJECT,
            stack=stack,
            preview=False,
            logger=logger,
            monitor=_RecordingMonitor(mocks),
        )
        outputs: dict[str, Any] = {}

        async def main() -> None:
            program()
            for name, value in root_stack_outputs().items():
                output = pulumi.Output.from_input(value)
                resolved = await output.future()
                outputs[name] = SECRET_MASK if await output.is_secret() else resolved

        run_to_completion(main)
        return outputs
    finally:
        warnings.extend(collector.messages)
        logger.removeHandler(collector)
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        asyncio.set_event_loop(None)
