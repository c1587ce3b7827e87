"""SSM Parameter Store refusing calls on one parameter, as SSM does when it throttles, denies
or breaks: the error reaches the caller's boto3 exactly as AWS sends it.

moto's SSM always answers. `SsmFaults.fail("write", name, SSM_THROTTLED, times=3)` makes the
next three PutParameter calls on `name` fail with `ThrottlingException` (HTTP 400, which
botocore's standard retry mode retries, as it does on AWS); `times=None` fails every call
until `clear()`. `read` is GetParameter / GetParameters. Each failed call consumes one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localcloud.injected import Remaining, check_times
from localcloud.internals.moto_private import JsonRESTError, SimpleSystemManagerBackend

OPERATIONS = ("read", "write")


class _InternalServerError(JsonRESTError):
    code = 500  # the HTTP status SSM answers InternalServerError with


@dataclass(frozen=True)
class SsmError:
    """One error SSM answers with: its code, HTTP status and message, as AWS sends them."""

    code: str
    status: int
    message: str

    def exception(self) -> JsonRESTError:
        kind = _InternalServerError if self.status >= 500 else JsonRESTError
        return kind(self.code, self.message)


SSM_THROTTLED = SsmError("ThrottlingException", 400, "Rate exceeded")
SSM_ACCESS_DENIED = SsmError(
    "AccessDeniedException",
    400,
    "User is not authorized to perform this operation on the parameter (injected by localcloud)",
)
SSM_INTERNAL_ERROR = SsmError(
    "InternalServerError", 500, "An error occurred on the server side (injected by localcloud)"
)


@dataclass
class _Armed:
    operation: str
    parameter: str
    error: SsmError
    remaining: Remaining


class SsmFaults:
    """Installs the fault check into moto's SSM backend; arms, consumes and clears faults."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []
        self._uninstall: Callable[[], None] | None = None

    def install(self) -> None:
        faults = self
        backend = SimpleSystemManagerBackend
        original_get, original_gets = backend.get_parameter, backend.get_parameters
        original_put = backend.put_parameter

        def get_parameter(self: Any, name: str) -> Any:
            faults._raise("read", name)
            return original_get(self, name)

        def get_parameters(self: Any, names: list[str]) -> Any:
            for name in names:
                faults._raise("read", name)
            return original_gets(self, names)

        def put_parameter(self: Any, name: str, *args: Any, **kwargs: Any) -> Any:
            faults._raise("write", name)
            return original_put(self, name, *args, **kwargs)

        setattr(backend, "get_parameter", get_parameter)
        setattr(backend, "get_parameters", get_parameters)
        setattr(backend, "put_parameter", put_parameter)

        def uninstall() -> None:
            setattr(backend, "get_parameter", original_get)
            setattr(backend, "get_parameters", original_gets)
            setattr(backend, "put_parameter", original_put)

        self._uninstall = uninstall

    def close(self) -> None:
        if self._uninstall is not None:
            self._uninstall()
            self._uninstall = None

    def fail(self, operation: str, parameter: str, error: SsmError, times: int | None = 1) -> None:
        """The next `times` `operation` calls on `parameter` fail with `error`."""
        if operation not in OPERATIONS:
            raise ValueError(f"SSM fault operation must be one of {OPERATIONS}, not {operation!r}")
        check_times("SSM", times)
        with self._lock:
            self._armed.append(_Armed(operation, parameter, error, Remaining(times)))

    def pending(
        self,
        operation: str | None = None,
        parameter: str | None = None,
        error: SsmError | None = None,
    ) -> int:
        """Injected calls not consumed yet (a lasting fault counts 1 until it first bites)."""
        with self._lock:
            return sum(
                armed.remaining.pending
                for armed in self._armed
                if operation in (None, armed.operation)
                and parameter in (None, armed.parameter)
                and error in (None, armed.error)
            )

    def clear(self) -> int:
        """Drop every armed fault; how many calls were injected and never consumed."""
        with self._lock:
            pending = sum(armed.remaining.pending for armed in self._armed)
            self._armed.clear()
            return pending

    def _raise(self, operation: str, name: str) -> None:
        parameter = name.split(":", 1)[0]  # a name may carry :version or :label
        with self._lock:
            for armed in self._armed:
                if armed.operation == operation and armed.parameter == parameter:
                    if armed.remaining.bite():
                        self._armed.remove(armed)
                    raise armed.error.exception()
