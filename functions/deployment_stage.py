"""The Slack message for a guarded update's stage ("SageMaker Endpoint Deployment State Change").

EventBridge delivers these events straight to NotifySlack (infra.triggers): the run's state
machine spends no transition on them. Their detail is DescribeEndpoint's shape; while the
update runs, `PendingDeploymentSummary.ProductionVariants[].VariantStatus` says what the new
fleet does (Creating, ActivatingTraffic, Baking) with SageMaker's status message.

Worth a message: each share of traffic baking on the new model (the canary live, a linear
step, then the full shift) and the rollback starting. The outcome itself (in service on the
new config, or rolled back by an alarm) is the run's own NotifySlack message.
"""

from __future__ import annotations

from typing import Any

from contract.status import STAGE_DEPLOYMENT, from_event_spelling
from functions.slack_message import EMOJI_ALARM, EMOJI_INFO, EMOJI_SUCCESS, HEADER_MAX, _cut

BAKING = "Baking"
ROLLING_BACK = "RollingBack"


def _variant(detail: dict[str, Any]) -> dict[str, Any]:
    summary = detail.get("PendingDeploymentSummary")
    variants = summary.get("ProductionVariants") if isinstance(summary, dict) else None
    first = variants[0] if isinstance(variants, list) and variants else {}
    return first if isinstance(first, dict) else {}


def _variant_status(variant: dict[str, Any]) -> dict[str, Any]:
    statuses = variant.get("VariantStatus")
    latest = statuses[-1] if isinstance(statuses, list) and statuses else {}
    return latest if isinstance(latest, dict) else {}


def stage_message(
    detail: dict[str, Any], model_name: str, stack_name: str
) -> tuple[str, list[dict[str, Any]]] | None:
    """`(text, blocks)` for a stage the operator cares about; None for the others."""
    endpoint = str(detail.get("EndpointName", "?"))
    status = from_event_spelling(STAGE_DEPLOYMENT, str(detail.get("EndpointStatus", "")))
    variant = _variant(detail)
    config = (detail.get("PendingDeploymentSummary") or {}).get("EndpointConfigName", "?")
    if status == ROLLING_BACK:
        emoji, stage = EMOJI_ALARM, "rolling back"
        text = (
            f"Endpoint {endpoint} is rolling the update to {config} back: "
            f"{detail.get('FailureReason') or 'no reason given'}. The previous model keeps "
            "serving every request."
        )
    elif _variant_status(variant).get("Status") == BAKING:
        weight, desired = variant.get("CurrentWeight"), variant.get("DesiredWeight")
        full = (
            isinstance(weight, int | float)
            and isinstance(desired, int | float)
            and (weight >= desired)
        )
        emoji, stage = (EMOJI_SUCCESS, "fully shifted") if full else (EMOJI_INFO, "canary live")
        text = f"Endpoint {endpoint} → {config}: {_variant_status(variant).get('StatusMessage')}"
        if not full:
            text += " The previous model answers the rest; the rollback alarms are watching."
    else:
        return None
    title = _cut(f"{emoji} {model_name} ({stack_name}) · deployment {stage}", HEADER_MAX)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": text}},
    ]
    return f"{title}\n{text}", blocks
