"""NotifySlack on a guarded update's stages, delivered by EventBridge (no state transition).

The event is the "SageMaker Endpoint Deployment State Change" shape: DescribeEndpoint's
detail, the new fleet under PendingDeploymentSummary while the update runs.
"""

from __future__ import annotations

from typing import Any

import pytest

from contract.status import EVENT_ENDPOINT_DEPLOYMENT_STATE_CHANGE, EVENT_SOURCE

from .conftest import ENDPOINT, MODEL
from .test_notify_slack import notify, slack  # noqa: F401 - the fixtures

pytestmark = pytest.mark.unit

NEW, OLD = "dev--linear-learner--20260111-aaaaaaaa", "dev--linear-learner--20260110-bbbbbbbb"


def deployment_event(status: str, variant: dict[str, Any] | None, **detail: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"EndpointName": ENDPOINT, "EndpointConfigName": OLD}
    body["EndpointStatus"] = status
    if variant is not None:
        body["PendingDeploymentSummary"] = {
            "EndpointConfigName": NEW,
            "ProductionVariants": [{"VariantName": "AllTraffic", **variant}],
        }
    return {
        "version": "0",
        "detail-type": EVENT_ENDPOINT_DEPLOYMENT_STATE_CHANGE,
        "source": EVENT_SOURCE,
        "resources": [f"arn:aws:sagemaker:eu-west-1:123456789012:endpoint/{ENDPOINT}"],
        "detail": {**body, **detail},
    }


def baking(weight: float, message: str) -> dict[str, Any]:
    return {
        "CurrentWeight": weight,
        "DesiredWeight": 1.0,
        "VariantStatus": [{"Status": "Baking", "StatusMessage": message}],
    }


def _post(notifier: Any, event: dict[str, Any]) -> dict[str, Any]:
    notifier()  # a run's status message first: the same container then gets the event
    return notifier.module.handler(event, None)


def test_the_canary_going_live_is_posted(notify, slack):  # noqa: F811
    result = _post(
        notify,
        deployment_event(
            "UPDATING",
            baking(
                0.5,
                "Baking for 600 seconds (WaitIntervalInSeconds) with traffic enabled on "
                "50% capacity of 1 instance(s).",
            ),
        ),
    )
    assert result["posted"] is True
    message = slack.messages[-1]
    assert message.text.startswith(f":information_source: {MODEL} (dev) · deployment canary live")
    assert f"Endpoint {ENDPOINT} → {NEW}: Baking for 600 seconds" in message.text
    assert "the rollback alarms are watching" in message.text


def test_the_full_shift_and_the_rollback_are_posted(notify, slack):  # noqa: F811
    full = deployment_event(
        "UPDATING", baking(1.0, "Baking for 300 seconds (TerminationWaitInSeconds) on 100%.")
    )
    assert _post(notify, full)["posted"] is True
    assert "deployment fully shifted" in slack.messages[-1].text
    rolling_back = deployment_event(
        "ROLLING_BACK",
        {"VariantStatus": [{"Status": "Baking", "StatusMessage": "..."}]},
        FailureReason="Auto-rollback: CloudWatch alarm(s) x in ALARM while baking",
    )
    assert notify.module.handler(rolling_back, None)["posted"] is True
    text = slack.messages[-1].text
    assert "deployment rolling back" in text and "Auto-rollback: CloudWatch alarm(s) x" in text
    assert "The previous model keeps serving every request" in text


def test_the_other_stages_post_nothing(notify, slack):  # noqa: F811
    notify()
    before = len(slack.messages)
    for event in (
        deployment_event("UPDATING", {"VariantStatus": [{"Status": "Creating"}]}),
        deployment_event("UPDATING", {"VariantStatus": [{"Status": "ActivatingTraffic"}]}),
        deployment_event("IN_SERVICE", None),  # the run's own message says what serves
    ):
        result = notify.module.handler(event, None)
        assert result == {"posted": False, "reason": "not a stage worth a message"}
    assert len(slack.messages) == before
