"""DeployModel's guarded updates (canary / linear) and GetStatus naming the rollback alarm.

UpdateEndpoint is supplied at the client boundary (tests/functions/test_deploy.py's
`EndpointUpdates`: moto has none); the alarms are moto's CloudWatch alarms.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from contract import names

from .conftest import ENDPOINT, MODEL, REGION, STACK
from .test_deploy import OLD, OURS, POLLING, EndpointUpdates, _endpoint, deploy_event, name_of

pytestmark = pytest.mark.unit

ALARMS = list(names.rollback_alarm_names(STACK, MODEL))
ERRORS_ALARM, LATENCY_ALARM = ALARMS


def _deployer(load_module, **settings: str):
    module = load_module("deploy_model", **settings)
    updates = EndpointUpdates(module.SAGEMAKER)
    creates: list[dict[str, Any]] = []
    module.SAGEMAKER.meta.events.register(
        "provide-client-params.sagemaker.CreateEndpoint", lambda params, **_: creates.append(params)
    )
    return module, updates, creates


CANARY = {"UPDATE_STRATEGY": "canary", "ENDPOINT_INSTANCE_COUNT": "2", "CANARY_SIZE_PERCENT": "50"}


def test_a_canary_update_is_shifted_and_guarded_by_the_stacks_alarms(load_module, s3, sagemaker):
    module, updates, creates = _deployer(load_module, **CANARY, TERMINATION_WAIT_SECONDS="300")
    first = module.handler(deploy_event("run-1"), None)
    # The first deployment creates the endpoint all at once: nothing to shift from.
    assert "DeploymentConfig" not in creates[0]
    assert (first["updateStrategy"], first["rollbackAlarms"]) == ("allAtOnce", [])
    assert first["poll"]["timeoutSeconds"] == POLLING["initialSeconds"]

    status = module.handler(deploy_event("run-2", "2026-01-11"), None)
    (update,) = updates.updates
    assert update["EndpointConfigName"] == name_of("run-2", "2026-01-11")
    assert update["DeploymentConfig"] == {
        "BlueGreenUpdatePolicy": {
            "TrafficRoutingConfiguration": {
                "Type": "CANARY",
                "WaitIntervalInSeconds": 600,
                "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50},
            },
            "TerminationWaitInSeconds": 300,
            "MaximumExecutionTimeoutInSeconds": 3600,
        },
        "AutoRollbackConfiguration": {
            "Alarms": [{"AlarmName": ERRORS_ALARM}, {"AlarmName": LATENCY_ALARM}]
        },
    }
    assert (status["updateStrategy"], status["rollbackAlarms"]) == ("canary", ALARMS)
    assert "(canary, rolled back by its alarms)" in status["message"]
    # No safety poll wakes the run while traffic shifts: the first one waits the rollout's
    # MaximumExecutionTimeout (the endpoint's event ends the wait when it settles), within
    # the stage's deadline.
    assert status["poll"]["timeoutSeconds"] == POLLING["deadlineSeconds"] == 3600


def test_a_linear_update_shifts_in_steps(load_module, s3, sagemaker):
    module, updates, _ = _deployer(
        load_module, UPDATE_STRATEGY="linear", ENDPOINT_INSTANCE_COUNT="4", LINEAR_STEP_PERCENT="25"
    )
    module.handler(deploy_event("run-1"), None)
    module.handler(deploy_event("run-2", "2026-01-11"), None)
    routing = updates.updates[0]["DeploymentConfig"]["BlueGreenUpdatePolicy"][
        "TrafficRoutingConfiguration"
    ]
    assert routing == {
        "Type": "LINEAR",
        "WaitIntervalInSeconds": 600,
        "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25},
    }


def test_all_at_once_updates_without_a_deployment_config(load_module, s3, sagemaker):
    module, updates, _ = _deployer(load_module)
    module.handler(deploy_event("run-1"), None)
    status = module.handler(deploy_event("run-2", "2026-01-11"), None)
    assert "DeploymentConfig" not in updates.updates[0]
    assert status["poll"]["timeoutSeconds"] == POLLING["initialSeconds"]


def _alarms(state: dict[str, str]) -> Any:
    cloudwatch = boto3.client("cloudwatch", region_name=REGION)
    for name in ALARMS:
        cloudwatch.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/SageMaker",
            MetricName=name.rsplit("-", 1)[-1],
            Dimensions=[
                {"Name": "EndpointName", "Value": ENDPOINT},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1,
            ComparisonOperator="GreaterThanOrEqualToThreshold",
        )
    for name, reason in state.items():
        cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason=reason)
    return cloudwatch


def _after_rollback(module: Any, **document: Any) -> dict[str, Any]:
    previous = {
        "stage": "deployment",
        "status": "Updating",
        "name": ENDPOINT,
        "endpointConfigName": OURS,
        "previousEndpointConfigName": OLD,
        "serving": False,
        "poll": {
            "count": 0,
            "timeoutSeconds": 3600,
            "startedAt": "2026-01-10T06:00:00Z",
            "deadlineAt": "2026-01-10T09:00:00Z",
        },
        **document,
    }
    with Stubber(module.SAGEMAKER) as stub:
        stub.add_response(
            "describe_endpoint", _endpoint("InService", OLD), {"EndpointName": ENDPOINT}
        )
        return module.handler({"status": previous, "polling": POLLING}, None)


def test_a_rolled_back_canary_names_the_alarm_that_fired(load_module, s3):
    module = load_module("get_status")
    _alarms({ERRORS_ALARM: "Threshold Crossed: 1 datapoint [7.0] was >= 1.0"})
    status = _after_rollback(module, updateStrategy="canary", rollbackAlarms=ALARMS)
    assert status["serving"] is False
    assert status["firedAlarms"] == [ERRORS_ALARM]
    assert status["message"] == (
        f"Endpoint {ENDPOINT} is in service with {OLD}, not {OURS}: the update rolled back; "
        f"the previous model keeps serving; rolled back by alarm {ERRORS_ALARM} "
        "(Threshold Crossed: 1 datapoint [7.0] was >= 1.0)"
    )


def test_an_alarm_back_to_ok_is_found_in_its_history(load_module, s3):
    """The old fleet answers well again: the alarm is OK by the time GetStatus looks, but it
    went to ALARM during the deployment (DescribeAlarmHistory, stubbed: moto has none)."""
    module = load_module("get_status")
    cloudwatch = _alarms({})
    history = {
        "AlarmHistoryItems": [
            {
                "AlarmName": LATENCY_ALARM,
                "HistoryItemType": "StateUpdate",
                "HistorySummary": "Alarm updated from OK to ALARM",
                "HistoryData": json.dumps(
                    {"newState": {"stateValue": "ALARM", "stateReason": "latency 2300 ms"}}
                ),
            }
        ]
    }
    described = cloudwatch.describe_alarms(AlarmNames=ALARMS)
    with Stubber(module.CLOUDWATCH) as stub:
        stub.add_response("describe_alarms", described, {"AlarmNames": ALARMS})
        for name, items in ((ERRORS_ALARM, {"AlarmHistoryItems": []}), (LATENCY_ALARM, history)):
            expected = {
                "AlarmName": name,
                "HistoryItemType": "StateUpdate",
                "StartDate": datetime(2026, 1, 10, 6, tzinfo=UTC),
                "ScanBy": "TimestampDescending",
            }
            stub.add_response("describe_alarm_history", items, expected)
        status = _after_rollback(module, updateStrategy="canary", rollbackAlarms=ALARMS)
    assert status["firedAlarms"] == [LATENCY_ALARM]
    assert status["message"].endswith(f"rolled back by alarm {LATENCY_ALARM} (latency 2300 ms)")


def test_an_all_at_once_rollback_reads_no_alarm(load_module, s3):
    module = load_module("get_status")
    calls: list[str] = []
    module.CLOUDWATCH.meta.events.register(
        "before-call.cloudwatch.*", lambda model, **_: calls.append(model.name)
    )
    status = _after_rollback(module, updateStrategy="allAtOnce", rollbackAlarms=[])
    assert "firedAlarms" not in status and calls == []
    assert status["message"].endswith("the previous model keeps serving")
