"""Structured logs: one JSON object per line, secrets masked."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from contract.kinds import LAMBDA_LOG_LEVEL_OF
from functions import logs
from localcloud.awslambda.log_filter import effective_level, filtered

pytestmark = pytest.mark.unit


def test_one_json_line_per_event_with_function_and_run(capsys):
    log = logs.StructuredLogger("test_fn", "INFO")
    log.bind("run-7")
    log.info("hello", count=3, day=__import__("datetime").date(2026, 1, 10))
    log.debug("hidden at INFO")
    (line,) = capsys.readouterr().out.splitlines()
    logged = json.loads(line)
    # RFC 3339 in UTC: what Lambda's log-level filter needs to trust the line's level.
    assert datetime.fromisoformat(logged.pop("timestamp")).utcoffset() == timedelta(0)
    assert logged == {
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


@pytest.mark.parametrize(
    ("stack_level", "survivors"),
    [
        ("ERROR", ["boom"]),
        ("WARNING", ["careful", "boom"]),
        ("DEBUG", ["d", "i", "careful", "boom"]),
    ],
)
def test_lines_survive_lambdas_filter_at_the_stacks_log_level(capsys, stack_level, survivors):
    # The function logs at DEBUG; Lambda filters at the stack's level (infra's mapping).
    log = logs.StructuredLogger(f"test_filter_{stack_level}", "DEBUG")
    log.debug("d")
    log.info("i")
    log.warning("careful")
    log.error("boom")
    config = {"LogFormat": "JSON", "ApplicationLogLevel": LAMBDA_LOG_LEVEL_OF[stack_level]}
    kept = filtered(capsys.readouterr().out, config)
    assert [json.loads(line)["message"] for line in kept.splitlines()] == survivors


@pytest.mark.parametrize(
    "line",
    [
        "plain text",
        '{"level": "ERROR", "message": "no timestamp"}',
        '{"level": "WARNING", "timestamp": "2026-01-10T08:00:00Z"}',
        '{"level": "ERROR", "timestamp": "2026-01-10"}',
        '["ERROR"]',
    ],
)
def test_lines_lambda_does_not_recognise_count_as_info(line):
    assert effective_level(line) == "INFO"


def test_recognised_levels_any_case_with_an_rfc3339_timestamp():
    assert effective_level('{"level": "warn", "timestamp": "2026-01-10T08:00:00.5+01:00"}') == (
        "WARN"
    )
