"""The Slack message (Block Kit + plain-text fallback) for a state document.

Pure: a state document in, `(text, blocks)` out. Slack's limits are respected: a header
is plain text of at most 150 characters, a section has at most 10 fields of at most
2,000 characters, a message at most 50 blocks.
"""

from __future__ import annotations

import json
from typing import Any

from contract import registry
from contract.document import (
    DATA_CHANGED_HISTORY,
    DATA_CHANGED_HISTORY_COUNT,
    DATA_DECISION,
    DATA_DRIFT,
    DATA_IGNORED_COUNT,
    DATA_MARKER_REPAIRED,
    DATA_ROLLBACK,
    DECISION_ROLLBACK,
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
    PACKAGE_ARN,
    PACKAGE_CHALLENGER_SCORE,
    PACKAGE_CHAMPION_SCORE,
    PACKAGE_FILE_COUNT,
    PACKAGE_METRIC,
    PACKAGE_NEWEST_DATE,
    PACKAGE_TRAINING_JOB,
    PACKAGE_VERSION,
    PACKAGE_WINDOW_END,
    PACKAGE_WINDOW_START,
    POLL_DEADLINE_AT,
    STATUS_PACKAGE,
    STATUS_POLL,
    STATUS_SERVING,
    STATUS_STAGE,
    STATUS_STATUS,
)
from contract.status import FAILED, STAGE_APPROVAL, STAGE_DEPLOYMENT, STAGE_TRAINING, SUCCEEDED
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
        judged_as = stage if stage in (STAGE_TRAINING, STAGE_APPROVAL) else STAGE_DEPLOYMENT
        succeeded, failed = SUCCEEDED[judged_as], FAILED[judged_as]
        if value in succeeded and (judged_as != STAGE_DEPLOYMENT or status.get(STATUS_SERVING)):
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
        label = {STAGE_TRAINING: "Training job", STAGE_APPROVAL: "Model package"}.get(
            str(status.get(STATUS_STAGE)), "Endpoint"
        )
        fields.append(f"*{label}*\n{status.get('name', '-')}")
    if status.get("modelPackageArn"):
        # The deployment's model, as the registry knows it (DeployModel's status document).
        fields.append(
            f"*Model package*\nversion {status.get('modelPackageVersion', '?')}: "
            f"{status['modelPackageArn']}"
        )
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


def rollback_news(document: dict[str, Any]) -> str | None:
    """A rollback run's deployment news (functions.rollback): which version it redeploys, who
    approved it and which days trained it, then that it serves; None for any other run."""
    data = _mapping(document.get(KEY_DATA))
    target = _mapping(data.get(DATA_ROLLBACK))
    status = _mapping(document.get(KEY_STATUS))
    if data.get(DATA_DECISION) != DECISION_ROLLBACK or status.get(STATUS_STAGE) != STAGE_DEPLOYMENT:
        return None
    package = _mapping(target.get(STATUS_PACKAGE))
    version = package.get(PACKAGE_VERSION, "?")
    value = status.get(STATUS_STATUS)
    if value in SUCCEEDED[STAGE_DEPLOYMENT] and status.get(STATUS_SERVING) is True:
        return (
            f"rolled back: version {version} serves on endpoint {status.get('name', '?')}; "
            f"nothing was trained, and the marker moves to {package.get(PACKAGE_NEWEST_DATE)}, "
            "the newest day this version was trained on"
        )
    if value in SUCCEEDED[STAGE_DEPLOYMENT] or value in FAILED[STAGE_DEPLOYMENT]:
        return (
            f"the rollback to version {version} did not complete: {status.get('message', '')}; "
            "the marker is untouched."
        )
    rolling_back = target.get("message") or f"rolling back to version {version}"
    return f"{rolling_back}: {status.get('message', '')}"


def approval_command(arn: str, status: str, description: str) -> str:
    """The aws CLI call that decides a package's approval (what the event resumes the run on)."""
    return (
        f"aws sagemaker update-model-package --model-package-arn {arn} "
        f'--model-approval-status {status} --approval-description "{description}"'
    )


def approval_news(document: dict[str, Any]) -> str | None:
    """The approval stage's news (functions.model_registry): what waits for a person and the
    commands that decide it; or who approved/rejected it (a person, the deadline) and what
    that means for what serves. None for any other stage, and for the gate's own reject."""
    status = _mapping(document.get(KEY_STATUS))
    if status.get(STATUS_STAGE) != STAGE_APPROVAL or _rejected(document) is not None:
        return None
    package = _mapping(status.get(STATUS_PACKAGE))
    value = status.get(STATUS_STATUS)
    if value == registry.PENDING_MANUAL_APPROVAL:
        arn = str(package.get(PACKAGE_ARN, status.get("name", "?")))
        deadline = _mapping(status.get(STATUS_POLL)).get(POLL_DEADLINE_AT, "?")
        metric = package.get(PACKAGE_METRIC) or "score"
        return (
            f"{status.get('message', 'A model package waits for manual approval')}, until "
            f"{deadline} (approvalTimeoutHours; then it is rejected and nothing deploys). "
            f"Trained by {package.get(PACKAGE_TRAINING_JOB) or '?'} on "
            f"{package.get(PACKAGE_WINDOW_START) or '?'} → {package.get(PACKAGE_WINDOW_END) or '?'}"
            f" ({package.get(PACKAGE_FILE_COUNT) or '?'} files); {metric} "
            f"{_score(package.get(PACKAGE_CHALLENGER_SCORE))}, serving model "
            f"{_score(package.get(PACKAGE_CHAMPION_SCORE))}. The endpoint keeps serving the "
            "previous model until then.\n"
            f"Approve: `{approval_command(arn, registry.APPROVED, 'why it may serve')}`\n"
            f"Reject: `{approval_command(arn, registry.REJECTED, 'why it may not')}`"
        )
    if value == registry.REJECTED:
        return (
            f"{status.get('message', 'The model package was rejected')}. The marker is "
            "untouched: the data is trained again next run."
        )
    return str(status.get("message") or "") or None


def build_message(
    kind: str,
    document: dict[str, Any],
    execution: dict[str, Any],
    model_name: str,
    stack_name: str,
) -> tuple[str, list[dict[str, Any]]]:
    emoji, stage, status = outcome(document)
    if rollback_news(document) is not None:
        stage = "rollback"
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
    elif kind != NOTIFY_KIND_FAILURE and rollback_news(document) is not None:
        message = rollback_news(document)
    elif kind != NOTIFY_KIND_FAILURE and approval_news(document) is not None:
        message = approval_news(document)
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
