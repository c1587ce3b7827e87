"""The Slack message (Block Kit + plain-text fallback) for a state document.

Pure: a state document in, `(text, blocks)` out. Slack's limits are respected: a header
is plain text of at most 150 characters, a section has at most 10 fields of at most
2,000 characters, a message at most 50 blocks.
"""

from __future__ import annotations

import json
from typing import Any

from contract.document import (
    DATA_CHANGED_HISTORY,
    DATA_CHANGED_HISTORY_COUNT,
    DATA_DECISION,
    DATA_DRIFT,
    DATA_IGNORED_COUNT,
    DATA_MARKER_REPAIRED,
    DRIFT_SHIFTED_COUNT,
    DRIFT_SUMMARY,
    EVALUATION_DECISION,
    GATE_REJECT,
    KEY_DATA,
    KEY_ERROR,
    KEY_EVALUATION,
    KEY_STATUS,
    KEY_STOP,
    NOTIFY_KIND_FAILURE,
    STATUS_SERVING,
    STATUS_STAGE,
    STATUS_STATUS,
)
from contract.status import FAILED, STAGE_DEPLOYMENT, STAGE_TRAINING, SUCCEEDED
from functions.naming import execution_console_url

HEADER_MAX = 150
FIELD_MAX = 2000
MAX_FIELDS = 10
IGNORED_KEYS_SHOWN = 3

EMOJI_SUCCESS = ":white_check_mark:"
EMOJI_FAILURE = ":x:"
EMOJI_WAITING = ":hourglass_flowing_sand:"
EMOJI_INFO = ":information_source:"
EMOJI_ALARM = ":rotating_light:"


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rejected(document: dict[str, Any]) -> dict[str, Any] | None:
    """The quality gate's evaluation, when it rejected the run's model."""
    evaluation = document.get(KEY_EVALUATION)
    if isinstance(evaluation, dict) and evaluation.get(EVALUATION_DECISION) == GATE_REJECT:
        return evaluation
    return None


def _score(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.4g}"
    return "none"


def gate_summary(evaluation: dict[str, Any]) -> str:
    """Both scores, the bound they were held to and the holdout, in one line."""
    metric = evaluation.get("metric", "?")
    bounds = _mapping(evaluation.get("bounds"))
    holdout = _mapping(evaluation.get("holdout"))
    limits = []
    if isinstance(bounds.get("maxScore"), int | float):
        limits.append(f"≤ {bounds['maxScore']:g} (qualityMaxScore)")
    if isinstance(bounds.get("championLimit"), int | float):
        limits.append(
            f"≤ {bounds['championLimit']:.4g} (serving + "
            f"{_score(bounds.get('maxRegressionPercent'))}%)"
        )
    start, end = holdout.get("start") or "?", holdout.get("end") or "?"
    days = start if start == end else f"{start} → {end}"
    champion = evaluation.get("champion")
    return (
        f"{metric}: new {_score(evaluation.get('challenger'))}, serving "
        + (_score(champion) if champion is not None else "none (no model serves)")
        + f"; bound {', '.join(limits) if limits else 'none'}; holdout {days} "
        f"({holdout.get('rows', '?')} rows); decision {evaluation.get(EVALUATION_DECISION)}"
        + (" by override" if evaluation.get("overridden") is True else "")
    )


def outcome(document: dict[str, Any]) -> tuple[str, str, str]:  # noqa: PLR0911 - one per outcome
    """(emoji, stage label, status label) of the document's latest news."""
    if _rejected(document) is not None:
        return EMOJI_FAILURE, "quality gate", "rejected"
    status = document.get(KEY_STATUS)
    if isinstance(status, dict) and status.get(STATUS_STAGE):
        stage = str(status[STATUS_STAGE])
        value = str(status.get(STATUS_STATUS, "unknown"))
        # A stage this code does not know is judged like a deployment.
        judged_as = stage if stage == STAGE_TRAINING else STAGE_DEPLOYMENT
        succeeded, failed = SUCCEEDED[judged_as], FAILED[judged_as]
        if value in succeeded and (stage == STAGE_TRAINING or status.get(STATUS_SERVING)):
            return EMOJI_SUCCESS, stage, value
        if value in succeeded:  # InService but not on this run's config: rolled back
            return EMOJI_FAILURE, stage, f"{value} (rolled back)"
        if value in failed:
            return EMOJI_FAILURE, stage, value
        return EMOJI_WAITING, stage, value
    data = document.get(KEY_DATA)
    if isinstance(data, dict) and data.get(DATA_DECISION):
        return EMOJI_INFO, "data", str(data[DATA_DECISION])
    return EMOJI_INFO, "pipeline", "update"


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _error_summary(error: Any) -> str:
    """`Error: message` from a Catch's `{Error, Cause}` (Lambda's Cause is JSON)."""
    if not isinstance(error, dict):
        return "unknown error"
    name = str(error.get("Error", "Error"))
    cause = error.get("Cause")
    message = cause if isinstance(cause, str) else ""
    try:
        parsed = json.loads(message) if message else None
    except json.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and "errorMessage" in parsed:
        message = str(parsed["errorMessage"])
    return f"{name}: {message}" if message else name


def stop_summary(document: dict[str, Any]) -> str | None:
    """What the failure path did to the run's training job (`$.stop`); None if it did not try.

    StopTrainingJob's result says whether it stopped the job; its own error (caught into
    `$.stop` as `{Error, Cause}`) means the job may still run, billed: the operator must hear
    the command that stops it.
    """
    stop = document.get(KEY_STOP)
    if not isinstance(stop, dict):
        return None
    status = _mapping(document.get(KEY_STATUS))
    job = stop.get("trainingJobName") or status.get("name") or "?"
    if "stopped" in stop:
        if stop["stopped"] is True:
            return f"Training job {job} was stopped, so it is no longer billed."
        return str(stop.get("message") or f"Training job {job} was not running: nothing to stop.")
    return (
        f"Training job {job} could not be stopped: {_error_summary(stop)}: stop it by hand "
        f"with `aws sagemaker stop-training-job --training-job-name {job}`"
    )


def _fields(kind: str, document: dict[str, Any], execution: dict[str, Any]) -> list[str]:
    status = _mapping(document.get(KEY_STATUS))
    data = _mapping(document.get(KEY_DATA))
    fields: list[str] = []
    if status:
        fields.append(f"*Stage*\n{status.get('stage', '-')}")
        fields.append(f"*Status*\n{status.get('status', '-')}")
        label = "Training job" if status.get(STATUS_STAGE) == STAGE_TRAINING else "Endpoint"
        fields.append(f"*{label}*\n{status.get('name', '-')}")
    fields.append(f"*Run*\n{execution.get('name', '-')}")
    if data:
        fields.append(
            f"*Data*\n{data.get('windowStart') or '?'} → {data.get('windowEnd') or '?'}: "
            f"{data.get('fileCount', 0)} files, {data.get('newFileCount', 0)} new"
            + (f" (decision {data[DATA_DECISION]})" if data.get(DATA_DECISION) else "")
        )
    drift = _mapping(data.get(DATA_DRIFT))
    if drift.get(DRIFT_SHIFTED_COUNT):
        # Right after the data it is about: a message keeps its first MAX_FIELDS fields.
        fields.append(f"*Data drift*\n{drift.get(DRIFT_SUMMARY, '')}")
    metrics = status.get("metrics") if status else None
    if isinstance(metrics, dict) and metrics:
        shown = ", ".join(
            f"{k} {v:g}" if isinstance(v, int | float) else f"{k} {v}"
            for k, v in sorted(metrics.items())
        )
        fields.append(f"*Metrics*\n{shown}")
    evaluation = document.get(KEY_EVALUATION)
    if isinstance(evaluation, dict) and evaluation.get(EVALUATION_DECISION):
        fields.append(f"*Quality gate*\n{gate_summary(evaluation)}")
    if kind == NOTIFY_KIND_FAILURE:
        fields.append(f"*Error*\n{_error_summary(document.get(KEY_ERROR))}")
    elif status.get("failureReason"):
        fields.append(f"*Failure reason*\n{status['failureReason']}")
    if data.get(DATA_IGNORED_COUNT):
        keys = [
            i.get("key", "?")
            for i in data.get("ignored", [])[:IGNORED_KEYS_SHOWN]
            if isinstance(i, dict)
        ]
        more = data[DATA_IGNORED_COUNT] - len(keys)
        fields.append(
            f"*Ignored files*\n{data[DATA_IGNORED_COUNT]}: "
            + ", ".join(f"`{k}`" for k in keys)
            + (f" and {more} more" if more > 0 else "")
        )
    repaired = _mapping(data.get(DATA_MARKER_REPAIRED))
    if repaired:
        fields.append(
            f"*Marker*\nwas {repaired.get('before') or 'unset'}, behind the serving model "
            f"(run {repaired.get('servingRun', '?')}): advanced to {repaired.get('after', '?')}"
        )
    if data.get(DATA_CHANGED_HISTORY_COUNT):
        changed = [
            f"`{c.get('key', '?')}` {c.get('reason', '')}".rstrip()
            for c in data.get(DATA_CHANGED_HISTORY, [])[:IGNORED_KEYS_SHOWN]
            if isinstance(c, dict)
        ]
        more = data[DATA_CHANGED_HISTORY_COUNT] - len(changed)
        fields.append(
            f"*Changed history*\n{data[DATA_CHANGED_HISTORY_COUNT]} trained files changed: "
            + "; ".join(changed)
            + (f" and {more} more" if more > 0 else "")
        )
    return [_cut(f, FIELD_MAX) for f in fields[:MAX_FIELDS]]


def build_message(
    kind: str,
    document: dict[str, Any],
    execution: dict[str, Any],
    model_name: str,
    stack_name: str,
) -> tuple[str, list[dict[str, Any]]]:
    emoji, stage, status = outcome(document)
    if kind == NOTIFY_KIND_FAILURE:
        emoji, status = EMOJI_ALARM, f"{status}: run failed"
    title = _cut(f"{emoji} {model_name} ({stack_name}) · {stage} {status}", HEADER_MAX)
    status_doc = document.get(KEY_STATUS)
    # The watched resource's news; before any (a run standing aside), CheckData's.
    news = status_doc if isinstance(status_doc, dict) else _mapping(document.get(KEY_DATA))
    message = news.get("message")
    rejected = _rejected(document)
    evaluation = _mapping(document.get(KEY_EVALUATION))
    if kind != NOTIFY_KIND_FAILURE and rejected is not None:
        message = (
            f"The new model was not deployed: {rejected.get('reason', 'the gate rejected it')}. "
            "The endpoint keeps serving the previous model and the marker is untouched."
        )
    elif kind != NOTIFY_KIND_FAILURE and evaluation.get("overridden") is True and message:
        message = f"{message} (deployed by override: {evaluation.get('reason', '')})"
    if kind == NOTIFY_KIND_FAILURE:
        stopped = stop_summary(document)
        message = _error_summary(document.get(KEY_ERROR)) + (f"\n{stopped}" if stopped else "")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}
    ]
    if message:
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": _cut(str(message), 3000)}}
        )
    blocks.append(
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f} for f in _fields(kind, document, execution)],
        }
    )
    links = []
    execution_url = execution_console_url(str(execution.get("id", "")))
    if execution_url:
        links.append(f"<{execution_url}|Step Functions execution>")
    if isinstance(status_doc, dict) and status_doc.get("consoleUrl"):
        links.append(f"<{status_doc['consoleUrl']}|SageMaker console>")
    if links:
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(links)}]}
        )
    text = title + (f": {message}" if message else "")
    return _cut(text, 3000), blocks
