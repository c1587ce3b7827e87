"""Lambda functions run in process: no Docker exists here, and none is needed.

moto stores the functions that the Pulumi program creates (code zip, handler, environment)
and would run them in a container. We replace that one step: invoking a function imports its
handler module from the code zip moto holds — the archive infra built, so a file missing
from the package fails here as it would in AWS — with exactly the environment infra declared
for it, and calls the handler. A function's first invocation is its cold start: its module is
imported then, with its own environment, into a namespace of its own ("container"), so two
functions built from the same package never share module-level settings.

What reaches the function's log group is what Lambda's log-level filter lets through under
the function's deployed logging config (`localcloud.awslambda.log_filter`); the invocation
record keeps both.

Invocations are serialized (one process environment), recorded, and can be failed on purpose
(throttling) or replaced by a stub (routing property tests).
"""

from __future__ import annotations

import ast
import contextlib
import importlib.util
import io
import json
import logging
import os
import sys
import tempfile
import threading
import time
import traceback
import uuid
import zipfile
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import functions
from contract import lambdas
from localcloud.awslambda.log_filter import filtered
from localcloud.internals.moto_private import JsonRESTError, LambdaFunction

LOG = logging.getLogger(__name__)

# Every variable any function may read: removed from the process environment during an
# invocation so a function sees only what infra declared for it.
_FUNCTION_VARIABLES = frozenset(
    name for spec in lambdas.ALL_FUNCTIONS for name in spec.variable_names
)

Stub = Callable[[dict[str, Any]], Any]


class LambdaThrottled(JsonRESTError):
    """What Lambda answers when the function's concurrency is exhausted (HTTP 429)."""

    code = 429

    def __init__(self, function_name: str) -> None:
        super().__init__("TooManyRequestsException", f"Rate exceeded for {function_name}")


@dataclass
class Invocation:
    function_name: str
    event: Any
    result: Any = None
    error_type: str | None = None
    error_message: str | None = None
    cold_start: bool = False
    wall_seconds: float = 0.0
    output: str = ""  # everything the function wrote
    logs: str = ""  # what Lambda's log-level filter kept of it: the log stream


@dataclass
class _Container:
    function_name: str
    code_dir: Path
    module: ModuleType
    handler: Callable[[Any, Any], Any]


@dataclass
class _LambdaContext:
    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    timeout_seconds: int
    log_group_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


class LambdaRuntime:
    """Runs the functions moto holds, in this process."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._containers: dict[str, _Container] = {}
        self._tmp = tempfile.TemporaryDirectory(prefix="localcloud-lambda-")
        self.invocations: list[Invocation] = []
        self._faults: dict[str, deque[str]] = {}
        self._stubs: dict[str, Stub] = {}
        self._uninstall: Callable[[], None] | None = None

    # --- wiring into moto ---------------------------------------------------------------------
    def install(self) -> None:
        runtime = self
        original_invoke = LambdaFunction.invoke
        original_run = LambdaFunction._invoke_lambda

        def invoke(fn: Any, body: str, request_headers: Any, response_headers: Any) -> Any:
            runtime._raise_injected_fault(fn.function_name)
            return original_invoke(fn, body, request_headers, response_headers)

        def run(fn: Any, event: Any = None) -> tuple[str, bool, str]:
            return runtime._invoke(fn, event)

        setattr(LambdaFunction, "invoke", invoke)
        setattr(LambdaFunction, "_invoke_lambda", run)

        def uninstall() -> None:
            setattr(LambdaFunction, "invoke", original_invoke)
            setattr(LambdaFunction, "_invoke_lambda", original_run)

        self._uninstall = uninstall

    def close(self) -> None:
        if self._uninstall is not None:
            self._uninstall()
            self._uninstall = None
        for container in self._containers.values():
            sys.modules.pop(container.module.__name__, None)
        self._containers.clear()
        self._tmp.cleanup()

    # --- test and benchmark controls ----------------------------------------------------------
    def throttle(self, function_name: str, times: int = 1) -> None:
        """The next `times` invocations of the function fail with TooManyRequestsException."""
        with self._lock:
            self._faults.setdefault(function_name, deque()).extend(["throttle"] * times)

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """No function runs inside the block. Executions started in it all exist before any
        of their first tasks runs, as when they start in the same millisecond on AWS (on the
        frozen virtual clock, starts in a row share a start time even after the first one's
        CheckData has already looked for overlapping runs)."""
        with self._lock:
            yield

    def pending_throttles(self, function_name: str | None = None) -> int:
        """Throttles injected for the function (every function: None) and not consumed yet."""
        with self._lock:
            return sum(
                len(faults)
                for name, faults in self._faults.items()
                if function_name in (None, name)
            )

    def clear_faults(self) -> int:
        """Drop the throttles no invocation has consumed yet; how many there were."""
        with self._lock:
            pending = sum(len(faults) for faults in self._faults.values())
            self._faults.clear()
            return pending

    def stub(self, function_name: str, stub: Stub | None) -> None:
        """Answer invocations of the function with `stub(event)` instead of its handler."""
        with self._lock:
            if stub is None:
                self._stubs.pop(function_name, None)
            else:
                self._stubs[function_name] = stub

    def invocations_of(self, function_name: str) -> list[Invocation]:
        return [i for i in self.invocations if i.function_name == function_name]

    # --- invocation ---------------------------------------------------------------------------
    def _raise_injected_fault(self, function_name: str) -> None:
        with self._lock:
            faults = self._faults.get(function_name)
            if faults:
                faults.popleft()
                raise LambdaThrottled(function_name)

    def _invoke(self, fn: Any, raw_event: Any) -> tuple[str, bool, str]:
        event = json.loads(raw_event) if isinstance(raw_event, str | bytes) else raw_event
        if event is None:
            event = {}
        record = Invocation(function_name=fn.function_name, event=event)
        started = time.perf_counter()
        with self._lock:
            self.invocations.append(record)
            stub = self._stubs.get(fn.function_name)
            with _captured_output() as output:
                try:
                    if stub is not None:
                        record.result = stub(event)
                    else:
                        record.result = self._run_handler(fn, event, record)
                except Exception as error:  # a handler's failure is the function's error
                    record.error_type = type(error).__name__
                    record.error_message = str(error)
                    _report_uncaught(fn, error)
            record.output = output.getvalue()
            record.logs = filtered(record.output, getattr(fn, "logging_config", None))
            record.wall_seconds = time.perf_counter() - started
        # Lambda creates its log group on first write when nobody declared one.
        fn.logs_backend.ensure_log_group(fn.logs_group_name)
        fn.save_logs(record.logs or "(no output)")
        if record.error_type is not None:
            payload: dict[str, Any] = {
                "errorType": record.error_type,
                "errorMessage": record.error_message,
                "stackTrace": [],
            }
            return json.dumps(payload), True, record.logs
        return json.dumps(record.result), False, record.logs

    def _run_handler(self, fn: Any, event: Any, record: Invocation) -> Any:
        with _function_environment(fn):
            container = self._containers.get(fn.function_arn)
            if container is None:
                container = self._cold_start(fn)
                record.cold_start = True
            context = _LambdaContext(
                function_name=fn.function_name,
                invoked_function_arn=fn.function_arn,
                memory_limit_in_mb=int(fn.memory_size or 128),
                timeout_seconds=int(fn.timeout or 3),
                log_group_name=fn.logs_group_name,
            )
            return container.handler(event, context)

    def _cold_start(self, fn: Any) -> _Container:
        module_path, _, attribute = str(fn.handler).rpartition(".")
        code_dir = Path(self._tmp.name) / fn.function_name
        if not code_dir.exists():
            with zipfile.ZipFile(io.BytesIO(fn.code_bytes)) as archive:
                archive.extractall(code_dir)
        source = code_dir / (module_path.replace(".", "/") + ".py")
        if not source.is_file():
            raise ModuleNotFoundError(
                f"Unable to import module '{module_path}': {source.relative_to(code_dir)} is not "
                f"in the deployment package of {fn.function_name}"
            )
        # A name of its own, so this container's module-level settings are its own.
        unique_name = f"_localcloud_lambda.{fn.function_name}.{module_path}"
        spec = importlib.util.spec_from_file_location(unique_name, source)
        if spec is None or spec.loader is None:
            raise ModuleNotFoundError(f"Unable to import module '{module_path}'")
        module = importlib.util.module_from_spec(spec)
        sys.modules[unique_name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(unique_name, None)
            raise
        handler = getattr(module, attribute, None)
        if not callable(handler):
            raise AttributeError(f"Handler '{attribute}' missing on module '{module_path}'")
        _check_shared_modules_match(code_dir, source, fn.function_name)
        container = _Container(fn.function_name, code_dir, module, handler)
        self._containers[fn.function_arn] = container
        return container


# The top-level packages the function zip holds (infra.archives.PACKAGE_SOURCES).
_PACKAGED_ROOMS = ("functions", "contract")


def _check_shared_modules_match(code_dir: Path, handler_source: Path, function_name: str) -> None:
    """The handler imports its siblings (`functions.payload`, `contract.lambdas`, ...) by their
    shared names, so they come from this process, not from the package. Make that equivalent to
    the package: every module of the packaged rooms the handler imports, directly or not, must
    be in the package byte for byte."""
    source_root = Path(functions.__file__).parent.parent
    pending, seen = [handler_source], set()
    while pending:
        current = pending.pop()
        for name in _imported_function_modules(current.read_text(encoding="utf-8")):
            if name in seen:
                continue
            seen.add(name)
            relative = name.replace(".", "/") + ".py"
            if (source_root / name.replace(".", "/")).is_dir():
                relative = name.replace(".", "/") + "/__init__.py"
            elif not (source_root / relative).is_file():
                continue  # `from contract import NAME` where NAME is not a module
            packaged = code_dir / relative
            if not packaged.is_file():
                raise ModuleNotFoundError(
                    f"No module named '{name}' in the deployment package of {function_name}"
                )
            if packaged.read_bytes() != (source_root / relative).read_bytes():
                raise ImportError(
                    f"{name} in the deployment package of {function_name} differs from the "
                    "source this runtime runs; redeploy"
                )
            pending.append(packaged)


def _imported_function_modules(source: str) -> set[str]:
    """The modules of the packaged rooms (`functions`, `contract`) that `source` imports."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.split(".")[0] in _PACKAGED_ROOMS)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] not in _PACKAGED_ROOMS:
                continue
            names.add(node.module)
            # `from contract import lambdas` imports a module; `from contract.x import y`, a name.
            names.update(
                f"{node.module}.{a.name}" for a in node.names if node.module in _PACKAGED_ROOMS
            )
    return names


def _report_uncaught(fn: Any, error: Exception) -> None:
    """The runtime's report of an error escaping the handler: with JSON logs, Lambda's Python
    runtime writes it as one ERROR line (so it survives any ApplicationLogLevel but FATAL);
    with plain-text logs, as the traceback."""
    config = getattr(fn, "logging_config", None) or {}
    if config.get("LogFormat") != "JSON":
        traceback.print_exc(file=sys.stdout)
        return
    now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    report = {
        "timestamp": now,
        "level": "ERROR",
        "message": str(error),
        "errorType": type(error).__name__,
        "errorMessage": str(error),
        "stackTrace": traceback.format_exception(error),
    }
    sys.stdout.write(json.dumps(report, default=str) + "\n")


@contextlib.contextmanager
def _function_environment(fn: Any) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in _FUNCTION_VARIABLES:
            os.environ.pop(name, None)
        os.environ.update({k: str(v) for k, v in (fn.environment_vars or {}).items()})
        os.environ["AWS_LAMBDA_FUNCTION_NAME"] = fn.function_name
        os.environ["AWS_REGION"] = fn.region
        os.environ["AWS_DEFAULT_REGION"] = fn.region
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _captured_output() -> Iterator[io.StringIO]:
    """What the function prints or logs is its CloudWatch log stream."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with contextlib.redirect_stdout(buffer):
            yield buffer
    finally:
        root.removeHandler(handler)
