"""Day-2 hygiene of the deployed stack: concurrency, failed events, expiry, trust, teardown."""

from __future__ import annotations

import json

import pytest

from contract import lambdas
from localcloud.deploy.pulumi_program import ProgramRun
from tests.infra.test_functions import functions_of

pytestmark = pytest.mark.unit

ACCOUNT = "123456789012"


def test_every_function_reserves_its_declared_concurrency(runs: dict[str, ProgramRun]) -> None:
    for run in runs.values():
        for key, inputs in functions_of(run).items():
            assert (
                inputs["reservedConcurrentExecutions"] == lambdas.BY_KEY[key].reserved_concurrency
            )


def test_asynchronous_functions_send_failed_events_to_an_encrypted_queue_they_may_write(
    runs: dict[str, ProgramRun],
) -> None:
    for stack, run in runs.items():
        configs = {
            c.inputs["functionName"]: c.inputs
            for c in run.of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")
        }
        queues = {q.inputs["name"]: q.inputs for q in run.of_type("aws:sqs/queue:Queue")}
        policies = [
            json.loads(p.inputs["policy"]) for p in run.of_type("aws:iam/rolePolicy:RolePolicy")
        ]
        asynchronous = {
            inputs["name"]
            for key, inputs in functions_of(run).items()
            if lambdas.BY_KEY[key].asynchronous
        }
        assert asynchronous and set(configs) == asynchronous, stack
        for function, config in configs.items():
            queue = queues[f"{function}-failed"]
            assert queue["sqsManagedSseEnabled"] is True
            destination = config["destinationConfig"]["onFailure"]["destination"]
            assert destination.endswith(f":{function}-failed")
            assert any(
                s["Action"] == "sqs:SendMessage" and s["Resource"] == destination
                for p in policies
                for s in p["Statement"]
            ), function


def test_run_records_expire_and_only_dev_lets_destroy_empty_the_bucket(
    runs: dict[str, ProgramRun],
) -> None:
    for stack, force in (("dev", True), ("prod", False)):
        run = runs[stack]
        (bucket,) = run.of_type("aws:s3/bucket:Bucket")
        assert bucket.inputs["forceDestroy"] is force, stack
        (lifecycle,) = run.of_type(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
        )
        expiring = {
            r["filter"]["prefix"]: r["expiration"]["days"]
            for r in lifecycle.inputs["rules"]
            if "expiration" in r
        }
        (model,) = {
            r.inputs["name"].split("-", 2)[2]
            for r in run.of_type("aws:sfn/stateMachine:StateMachine")
        }
        assert set(expiring) == {f"data/{model}/manifests/", f"data/{model}/callbacks/"}, stack
        assert set(expiring.values()) == {90}


def test_only_sagemaker_acting_for_this_account_assumes_the_sagemaker_role(
    runs: dict[str, ProgramRun],
) -> None:
    for run in runs.values():
        roles = [
            r for r in run.of_type("aws:iam/role:Role") if r.inputs["name"].endswith("-sagemaker")
        ]
        assert roles
        for role in roles:
            (statement,) = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
            assert statement["Principal"] == {"Service": "sagemaker.amazonaws.com"}
            assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
