"""EventBridge patterns and the scheduler's execution input, as pure functions.

The terminal statuses come from `contract.status` (their one home), so the rule that
resumes CheckStatusWait and the state machine's Choice states agree on what "done" means.
Only terminal events are delivered: a non-terminal event would wake nothing anyway.
"""

from __future__ import annotations

import json
from typing import Any

from contract import document, status

# EventBridge Scheduler replaces this context attribute with the fire time.
SCHEDULED_TIME_ATTRIBUTE = "<aws.scheduler.scheduled-time>"


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def training_state_change_pattern(run_resource_prefix: str) -> str:
    """Terminal state changes of this stack's model's training jobs.

    `run_resource_prefix` is `<stack>--<model>--` (contract.names): EventBridge's prefix
    match then delivers no job of another stack nor of a model whose name extends ours.
    """
    return _dumps(
        {
            "source": [status.EVENT_SOURCE],
            "detail-type": [status.EVENT_TRAINING_STATE_CHANGE],
            "detail": {
                "TrainingJobName": [{"prefix": run_resource_prefix}],
                "TrainingJobStatus": list(status.TERMINAL_STATUSES[status.STAGE_TRAINING]),
            },
        }
    )


def endpoint_state_change_pattern(endpoint_name: str) -> str:
    """Terminal state changes of this stack's model's endpoint (an exact name match)."""
    return _dumps(
        {
            "source": [status.EVENT_SOURCE],
            "detail-type": [status.EVENT_ENDPOINT_STATE_CHANGE],
            "detail": {
                "EndpointName": [endpoint_name],
                # The events spell statuses IN_SERVICE, FAILED, ... (not Describe's InService).
                "EndpointStatus": [
                    status.to_event_spelling(terminal)
                    for terminal in status.TERMINAL_STATUSES[status.STAGE_DEPLOYMENT]
                ],
            },
        }
    )


def model_package_state_change_pattern(model_package_group: str) -> str:
    """Decided approvals (Approved, Rejected) of this stack's model's package group."""
    return _dumps(
        {
            "source": [status.EVENT_SOURCE],
            "detail-type": [status.EVENT_MODEL_PACKAGE_STATE_CHANGE],
            "detail": {
                "ModelPackageGroupName": [model_package_group],
                "ModelApprovalStatus": list(status.TERMINAL_STATUSES[status.STAGE_APPROVAL]),
            },
        }
    )


def endpoint_deployment_pattern(endpoint_name: str) -> str:
    """Every stage of this stack's model's endpoint updates (canary live, fully shifted,
    rolling back): NotifySlack picks the ones worth a message."""
    return _dumps(
        {
            "source": [status.EVENT_SOURCE],
            "detail-type": [status.EVENT_ENDPOINT_DEPLOYMENT_STATE_CHANGE],
            "detail": {"EndpointName": [endpoint_name]},
        }
    )


def data_upload_pattern(bucket: str, data_prefix: str) -> str:
    """New objects under the model's training data prefix (S3 EventBridge notifications)."""
    return _dumps(
        {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {"bucket": {"name": [bucket]}, "object": {"key": [{"prefix": data_prefix}]}},
        }
    )


def scheduled_run_input() -> str:
    """The execution input of a scheduled run (docs/design.md, the state document)."""
    return _dumps(
        {
            document.INPUT_TRIGGER: document.TRIGGER_SCHEDULE,
            document.INPUT_SCHEDULED_TIME: SCHEDULED_TIME_ATTRIBUTE,
        }
    )
