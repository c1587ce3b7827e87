"""An event the function keeps failing on is retried by Lambda, then kept in the function's
dead-letter queue (its on-failure destination), never lost."""

from __future__ import annotations

import json
from typing import Any

import pytest

from contract import lambdas, status
from infra.naming import ModelNames
from localcloud.runtime import ACCOUNT
from tests.e2e.conftest import Lab

pytestmark = pytest.mark.e2e


def test_a_sagemaker_event_the_function_fails_on_lands_in_its_dead_letter_queue(lab: Lab) -> None:
    function = lab.model.function_arns[lambdas.ON_SAGEMAKER_EVENT.key].rsplit(":", 1)[-1]
    job = f"{ModelNames(lab.model.stack, lab.model.model).run_resource_prefix}20260101-deadbeef"
    calls: list[Any] = []

    def broken(event: dict[str, Any]) -> Any:
        calls.append(event)
        raise RuntimeError("the function cannot handle this event")

    lab.cloud.lambdas.stub(function, broken)
    try:
        lab.cloud.events.emit(
            account=ACCOUNT,
            region=lab.model.region,
            source=status.EVENT_SOURCE,
            detail_type=status.EVENT_TRAINING_STATE_CHANGE,
            detail={"TrainingJobName": job, "TrainingJobStatus": "Completed"},
            resources=[],
        )
    finally:
        lab.cloud.lambdas.stub(function, None)
    assert len(calls) == 3  # the first attempt and Lambda's 2 retries
    sqs = lab.cloud.client("sqs", lab.model.region)
    url = sqs.get_queue_url(QueueName=f"{function}-failed")["QueueUrl"]
    (message,) = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    record = json.loads(message["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"]["detail"]["TrainingJobName"] == job
    assert "cannot handle this event" in record["responsePayload"]
