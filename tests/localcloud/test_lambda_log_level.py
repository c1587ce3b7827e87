"""A stack's logLevel reaches Lambda's log-level filter, and errors survive it.

The stack's `logLevel` becomes each function's ApplicationLogLevel (infra); the embedded
runtime applies Lambda's filter to what the function writes (localcloud.awslambda.log_filter).
A line Lambda does not recognise (no RFC 3339 timestamp, a level such as WARNING) counts as
INFO, so under ERROR it would be dropped: the functions' own lines must be recognised.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from contract import lambdas
from infra.naming import ModelNames
from localcloud.awslambda.runtime import LambdaRuntime
from localcloud.deploy.stack import deploy_stack
from localcloud.internals.moto_private import lambda_backends

pytestmark = pytest.mark.unit

REGION = "eu-west-1"
MODEL = "linear-learner"
ACCOUNT = "123456789012"  # moto's default account


@pytest.fixture(scope="module")
def runtime() -> Iterator[LambdaRuntime]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        deploy_stack("prod", config_overrides={"retraining:logLevel": "ERROR"})
        runtime = LambdaRuntime()
        runtime.install()
        try:
            yield runtime
        finally:
            runtime.close()


def _log_events(group: str) -> list[str]:
    logs = boto3.client("logs", region_name=REGION)
    return [event["message"] for event in logs.filter_log_events(logGroupName=group)["events"]]


def test_under_error_the_failing_functions_error_line_survives_and_info_is_dropped(
    runtime: LambdaRuntime,
) -> None:
    name = ModelNames("prod", MODEL).function(lambdas.GET_STATUS.key)
    client = boto3.client("lambda", region_name=REGION)
    # The stack's ERROR, as Lambda spells it, on the deployed function.
    config = vars(lambda_backends[ACCOUNT][REGION].get_function(name))["logging_config"]
    assert (config["LogFormat"], config["ApplicationLogLevel"]) == ("JSON", "ERROR")
    answer = client.invoke(FunctionName=name, Payload=json.dumps({"not": "a state document"}))
    assert "FunctionError" in answer
    (invocation,) = runtime.invocations_of(name)
    kept = [json.loads(line) for line in invocation.logs.splitlines()]
    # The function's own error line and the runtime's report of the escaping error.
    assert {line["level"] for line in kept} == {"ERROR"}, invocation.output
    (own,) = [line for line in kept if line.get("function") == lambdas.GET_STATUS.key]
    assert own["message"] == "invocation failed" and own["runId"] is None
    # What CloudWatch Logs holds is what the filter kept.
    stored = _log_events(config["LogGroup"])
    assert any("invocation failed" in message for message in stored), stored
