"""Structured logs: one JSON object per line, per event.

Every line carries `timestamp`, `level`, `message`, `function` and `runId` (the Step
Functions execution name, when there is one) plus the event's own fields. `timestamp` (RFC
3339, UTC) and `level` (Lambda's names: WARN, not WARNING) are what Lambda's log-level filter
reads: a line without a valid timestamp or with another level name counts as INFO, so with
the stack's logLevel at WARNING or ERROR Lambda would drop every error line. We format the
lines ourselves rather than ship Powertools' Logger (docs/design.md, "Logs"). Values registered with
`redact()` (the Slack token) are masked in every line as a second line of defence: the
code never passes a secret to the logger in the first place.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from contract.kinds import LAMBDA_LOG_LEVEL_OF

T = TypeVar("T")

_REDACTED = "[redacted]"
_secrets: set[str] = set()


def redact(secret: str) -> None:
    """Never let `secret` appear in a log line, whoever logs it."""
    if secret:
        _secrets.add(secret)


def _mask(line: str) -> str:
    for secret in _secrets:
        line = line.replace(secret, _REDACTED)
    return line


class _StdoutHandler(logging.Handler):
    """Writes to the *current* sys.stdout (Lambda ships it to CloudWatch; tests capture it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
            sys.stdout.flush()
        except Exception:  # a log line must never break the function
            self.handleError(record)


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        created = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {
            "timestamp": created.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": LAMBDA_LOG_LEVEL_OF.get(record.levelname, record.levelname),
            "message": record.getMessage(),
            "function": getattr(record, "function", None),
            "runId": getattr(record, "run_id", None),
        }
        line.update(getattr(record, "fields", {}))
        return _mask(json.dumps(line, default=str, ensure_ascii=False))


class StructuredLogger:
    """A function's logger; `bind(run_id=...)` once per invocation."""

    def __init__(self, function: str, level: str = "INFO") -> None:
        self.function = function
        self.run_id: str | None = None
        self._logger = logging.getLogger(f"retraining.{function}")
        self._logger.setLevel(level)
        # Our own handler, not the root logger's: Lambda's root handler would add a
        # second, non-JSON line for every event.
        self._logger.propagate = False
        if not any(isinstance(h, _StdoutHandler) for h in self._logger.handlers):
            handler = _StdoutHandler()
            handler.setFormatter(_JsonFormatter())
            self._logger.addHandler(handler)

    def bind(self, run_id: str | None) -> None:
        self.run_id = run_id

    @contextmanager
    def invocation(self, event: Any) -> Iterator[None]:
        """One Lambda invocation: binds the run id, logs an escaping error, re-raises it."""
        execution = event.get("execution") if isinstance(event, dict) else None
        name = execution.get("name") if isinstance(execution, dict) else None
        self.bind(name if isinstance(name, str) else None)
        try:
            yield
        except Exception as error:
            self.error("invocation failed", error=type(error).__name__, detail=str(error))
            raise

    def entry_point(self, handler: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
        """`handler` as Lambda's entry point: every invocation runs inside `invocation`."""

        @functools.wraps(handler)
        def invoke(event: Any, context: Any) -> T:
            with self.invocation(event):
                return handler(event, context)

        return invoke

    def _log(self, level: int, message: str, fields: dict[str, Any]) -> None:
        self._logger.log(
            level,
            message,
            extra={"function": self.function, "run_id": self.run_id, "fields": fields},
        )

    def debug(self, message: str, **fields: Any) -> None:
        self._log(logging.DEBUG, message, fields)

    def info(self, message: str, **fields: Any) -> None:
        self._log(logging.INFO, message, fields)

    def warning(self, message: str, **fields: Any) -> None:
        self._log(logging.WARNING, message, fields)

    def error(self, message: str, **fields: Any) -> None:
        self._log(logging.ERROR, message, fields)
