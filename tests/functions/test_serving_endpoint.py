"""CheckData and the serving endpoint: not InService stops the run before anything is written;
a serving model newer than the marker advances it (functions.serving_endpoint)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.sagemaker.models import sagemaker_backends

from contract.document import (
    DATA_MARKER_REPAIRED,
    DECISION_NO_NEW_DATA,
    DECISION_RUN_IN_PROGRESS,
    DECISION_TRAIN,
)
from contract.errors import EndpointNotReadyError
from contract.grants import Resource
from contract.lambdas import CHECK_DATA
from functions import fingerprints, naming
from functions.serving_endpoint import NEWEST_DATE_TAG

from .conftest import (
    ACCOUNT,
    BUCKET,
    ENDPOINT,
    MANIFEST_PREFIX,
    MARKER,
    MODEL,
    REGION,
    ROLE_ARN,
    RUN_LOCK_KEY,
    STACK,
    put_day,
    put_raw,
)
from .test_check_data import event, manifests, marker_value

pytestmark = pytest.mark.unit

SERVING_RUN = "run-2026-01-09-0600"
SERVING_CONFIG = naming.run_resource_name(
    STACK, MODEL, SERVING_RUN, date.fromisoformat("2026-01-09")
)


@pytest.fixture
def check(load_module, s3, ssm, sfn):
    sfn.create_state_machine(
        name="retraining-dev",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )

    def run(input_: Any = None, name: str = "run-2026-01-10-0600") -> dict[str, Any]:
        module = load_module("check_data")
        return module.handler(event(input_, name=name), None)

    return run


def serve(sagemaker, tags: list[dict[str, str]] | None, config: str = SERVING_CONFIG) -> None:
    """The endpoint InService on `config`, as DeployModel leaves it (moto: InService at once)."""
    sagemaker.create_model(
        ModelName=config, PrimaryContainer={"Image": "linear-learner"}, ExecutionRoleArn=ROLE_ARN
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=config,
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": config,
                "InstanceType": "ml.t2.medium",
                "InitialInstanceCount": 1,
            }
        ],
        **({"Tags": tags} if tags else {}),
    )
    sagemaker.create_endpoint(EndpointName=ENDPOINT, EndpointConfigName=config)


def tagged(run: str = SERVING_RUN, newest: str = "2026-01-09") -> list[dict[str, str]]:
    return [{"Key": "run", "Value": run}, {"Key": NEWEST_DATE_TAG, "Value": newest}]


def set_endpoint(status: str, reason: str | None = None, pending: str | None = None) -> None:
    """What SageMaker shows after a failed update, during maintenance, ..."""
    endpoint = sagemaker_backends[ACCOUNT][REGION].endpoints[ENDPOINT]
    endpoint.endpoint_status = status
    endpoint.failure_reason = reason
    if pending:
        endpoint.pending_deployment_summary = {"EndpointConfigName": pending}


def lock_exists(s3) -> bool:
    try:
        s3.head_object(Bucket=BUCKET, Key=RUN_LOCK_KEY)
    except ClientError:
        return False
    return True


# (status, SageMaker's FailureReason, the remedy the message gives)
NOT_IN_SERVICE = [
    ("UpdateRollbackFailed", "instances unhealthy", "aws sagemaker update-endpoint"),
    ("Failed", "model artefact unreadable", "aws sagemaker delete-endpoint"),
    ("OutOfService", None, "aws sagemaker update-endpoint"),
    ("SystemUpdating", None, "aws sagemaker wait endpoint-in-service"),
    ("Deleting", None, "aws sagemaker wait endpoint-in-service"),
]


@pytest.mark.parametrize("case", NOT_IN_SERVICE, ids=[case[0] for case in NOT_IN_SERVICE])
@pytest.mark.parametrize("force", [False, True], ids=["scheduled", "forced"])
def test_an_endpoint_not_in_service_stops_the_run_before_anything_is_written(
    check, s3, ssm, case, force
):
    status, reason, remedy = case
    ssm.put_parameter(Name=MARKER, Value="2026-01-09", Type="String")
    put_day("2026-01-10")
    serve(boto3.client("sagemaker", region_name=REGION), tagged())
    set_endpoint(status, reason)

    with pytest.raises(EndpointNotReadyError) as raised:
        check({"force": True} if force else None)

    message = str(raised.value)
    assert f"Endpoint {ENDPOINT} is {status}" in message
    assert SERVING_CONFIG in message and remedy in message
    if reason:
        assert f"FailureReason: {reason}" in message
    assert "nothing was trained, written or deployed" in message
    assert manifests(s3) == [] and not lock_exists(s3)
    assert marker_value(ssm) == "2026-01-09"


def test_an_endpoint_updated_by_someone_else_stops_the_run(check, s3, sagemaker):
    put_day("2026-01-10")
    serve(sagemaker, tagged())
    set_endpoint("Updating", pending="someone-elses-config")

    with pytest.raises(EndpointNotReadyError, match=r"Updating .* moving to someone-elses-config"):
        check()
    assert manifests(s3) == [] and not lock_exists(s3)


def test_an_endpoint_deploying_this_models_run_leaves_the_decision_to_the_run_lock(
    load_module, s3, sfn, sagemaker
):
    """A run of this pipeline deploys (and holds the lock): a later run stands aside as before,
    it neither fails nor trains."""
    machine = sfn.create_state_machine(
        name="retraining-dev",
        definition=json.dumps(
            {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
        ),
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]
    put_day("2026-01-09")
    put_day("2026-01-10")
    serve(sagemaker, None)
    module = load_module("check_data")

    def check_as(name: str) -> dict[str, Any]:
        execution = sfn.start_execution(stateMachineArn=machine, name=name)
        as_event = event(name=name)
        as_event["execution"]["id"] = execution["executionArn"]
        return module.handler(as_event, None)

    assert check_as("owner-run")["decision"] == DECISION_TRAIN
    # The owner's DeployModel moved the endpoint to its config.
    deploying = naming.run_resource_name(
        STACK, MODEL, "owner-run", date.fromisoformat("2026-01-10")
    )
    set_endpoint("Updating", pending=deploying)

    later = check_as("later-run")

    assert later["decision"] == DECISION_RUN_IN_PROGRESS
    assert later["runningExecution"] == "owner-run"


def test_no_endpoint_yet_is_a_first_deployment(check, sagemaker):
    put_day("2026-01-09")
    put_day("2026-01-10")
    assert check()["decision"] == DECISION_TRAIN


def test_a_serving_model_newer_than_the_marker_advances_it_instead_of_retraining(
    check, s3, ssm, sagemaker
):
    """UpdateParameters failed for good after the 2026-01-09 model went into service: the next
    run finds the marker at 2026-01-08 and the serving config tagged 2026-01-09."""
    ssm.put_parameter(Name=MARKER, Value="2026-01-08", Type="String")
    put_day("2026-01-08")
    put_day("2026-01-09")
    run_fingerprints = {
        "version": 1,
        "execution": SERVING_RUN,
        "files": {
            key: {"etag": etag, "columns": 3}
            for key, etag in (
                (o["Key"], o["ETag"])
                for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="data/")["Contents"]
            )
        },
    }
    put_raw(
        fingerprints.run_key(MANIFEST_PREFIX, SERVING_RUN), json.dumps(run_fingerprints).encode()
    )
    serve(sagemaker, tagged())

    data = check()

    assert data["decision"] == DECISION_NO_NEW_DATA
    assert marker_value(ssm) == "2026-01-09"
    repaired = data[DATA_MARKER_REPAIRED]
    assert repaired["before"] == "2026-01-08" and repaired["after"] == "2026-01-09"
    assert repaired["servingRun"] == SERVING_RUN
    assert repaired["endpointConfigName"] == SERVING_CONFIG
    assert repaired["fingerprintsPromoted"] is True
    assert "was 2026-01-08, behind the serving model" in data["message"]
    assert "advanced to 2026-01-09" in data["message"]
    assert data["changedHistoryCount"] == 0  # the serving run's fingerprints were promoted
    served = s3.get_object(Bucket=BUCKET, Key=fingerprints.serving_key(MANIFEST_PREFIX))
    assert json.loads(served["Body"].read())["execution"] == SERVING_RUN
    assert manifests(s3) == [] and not lock_exists(s3)


def test_a_serving_model_older_than_the_marker_never_moves_it_back(check, ssm, sagemaker):
    """A deliberate rollback (allowOlderWindow) serves an older window: the marker stays."""
    ssm.put_parameter(Name=MARKER, Value="2026-01-09", Type="String")
    put_day("2026-01-09")
    serve(sagemaker, tagged(newest="2026-01-05"))

    data = check()

    assert data["decision"] == DECISION_NO_NEW_DATA
    assert DATA_MARKER_REPAIRED not in data
    assert marker_value(ssm) == "2026-01-09"


def test_a_config_without_the_tags_is_trusted_as_before(check, ssm, sagemaker):
    ssm.put_parameter(Name=MARKER, Value="2026-01-08", Type="String")
    put_day("2026-01-08")
    put_day("2026-01-09")
    serve(sagemaker, None)

    data = check()

    assert data["decision"] == DECISION_TRAIN
    assert DATA_MARKER_REPAIRED not in data
    assert marker_value(ssm) == "2026-01-08"


def test_check_data_may_read_the_endpoint_and_its_configs_tags_and_repair_the_marker():
    granted = {
        (action, resource)
        for grant in CHECK_DATA.grants
        for action in grant.actions
        for resource in grant.resources
    }
    assert ("sagemaker:DescribeEndpoint", Resource.ENDPOINT) in granted
    assert ("sagemaker:ListTags", Resource.ENDPOINT_CONFIGS) in granted
    assert ("ssm:PutParameter", Resource.MARKER) in granted
