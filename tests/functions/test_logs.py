"""Structured logs: one JSON object per line, secrets masked."""

from __future__ import annotations

import json

import pytest

from functions import logs

pytestmark = pytest.mark.unit


def test_one_json_line_per_event_with_function_and_run(capsys):
    log = logs.StructuredLogger("test_fn", "INFO")
    log.bind("run-7")
    log.info("hello", count=3, day=__import__("datetime").date(2026, 1, 10))
    log.debug("hidden at INFO")
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line) == {
        "level": "INFO",
        "message": "hello",
        "function": "test_fn",
        "runId": "run-7",
        "count": 3,
        "day": "2026-01-10",
    }


def test_invocation_binds_the_run_and_logs_the_escaping_error(capsys):
    log = logs.StructuredLogger("test_fn2", "INFO")
    with pytest.raises(ValueError, match="boom"), log.invocation({"execution": {"name": "run-8"}}):
        raise ValueError("boom")
    line = json.loads(capsys.readouterr().out)
    assert (line["level"], line["runId"], line["error"], line["detail"]) == (
        "ERROR",
        "run-8",
        "ValueError",
        "boom",
    )


def test_redacted_values_never_reach_the_output(capsys):
    log = logs.StructuredLogger("test_fn3", "INFO")
    logs.redact("xoxb-super-secret")
    log.warning("oops", detail="token xoxb-super-secret leaked?")
    out = capsys.readouterr().out
    assert "xoxb-super-secret" not in out
    assert "[redacted]" in out
