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
    DATA_IGNORED_COUNT,
    KEY_DATA,
    KEY_ERROR,
    KEY_STATUS,
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


def outcome(document: dict[str, Any]) -> tuple[str, str, str]:
    """(emoji, stage label, status label) of the document's latest news."""
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
    metrics = status.get("metrics") if status else None
    if isinstance(metrics, dict) and metrics:
        shown = ", ".join(
            f"{k} {v:g}" if isinstance(v, int | float) else f"{k} {v}"
            for k, v in sorted(metrics.items())
        )
        fields.append(f"*Metrics*\n{shown}")
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
    if kind == NOTIFY_KIND_FAILURE:
        message = _error_summary(document.get(KEY_ERROR))
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
