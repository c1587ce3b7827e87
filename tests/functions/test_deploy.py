"""DeployModel and GetStatus (deployment).

moto 5.2.5 has no UpdateEndpoint and its endpoints are InService at once. Creation,
Models, EndpointConfigs, listing and deletion run on moto; UpdateEndpoint and the
endpoint states an update goes through are supplied at the client boundary by
`EndpointUpdates` below (botocore's before-call hook, the mechanism Stubber uses), and
GetStatus's rollback/serving cases use botocore's Stubber.
"""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, date, datetime
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.stub import Stubber
from moto.sagemaker.models import sagemaker_backends

from contract import names
from contract.errors import EndpointNotUpdatableError, ModelNotApprovedError
from contract.status import STAGE_DEPLOYMENT
from functions import naming
from functions.model_registry import package_summary

from .conftest import ACCOUNT, BUCKET, ENDPOINT, MODEL, REGION, STACK, CallCounter, log_lines

pytestmark = pytest.mark.unit

POLLING = {
    "initialSeconds": 300,
    "maxSeconds": 1800,
    "now": "2026-01-10T07:00:00.000Z",
    "deadlineSeconds": 3600,
}


GROUP = names.model_package_group_name(STACK, MODEL)


def approved_package(execution: str, newest_date: str | None) -> dict[str, Any]:
    """The run's model as RegisterModel leaves it in the registry: Approved (automatic)."""
    sagemaker = boto3.client("sagemaker", region_name=REGION)
    with contextlib.suppress(sagemaker.exceptions.ClientError):  # exists: infra declares it once
        sagemaker.create_model_package_group(ModelPackageGroupName=GROUP)
    metadata = {"execution": execution}
    if newest_date is not None:
        metadata["newestDate"] = newest_date
    arn = sagemaker.create_model_package(
        ModelPackageGroupName=GROUP,
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1",
                    "ModelDataUrl": f"s3://{BUCKET}/artifacts/{execution}/output/model.tar.gz",
                }
            ],
            "SupportedContentTypes": ["text/csv"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        CustomerMetadataProperties=metadata,
    )["ModelPackageArn"]
    return package_summary(sagemaker.describe_model_package(ModelPackageName=arn))


def deploy_event(
    execution: str, run_date: str = "2026-01-10", newest_date: str | None = ""
) -> dict[str, Any]:
    package = approved_package(execution, run_date if newest_date == "" else newest_date)
    return {
        "package": package,
        "data": {"runDate": run_date},
        "execution": {"name": execution},
        "polling": POLLING,
    }


def name_of(execution: str, run_date: str = "2026-01-10") -> str:
    return naming.run_resource_name(STACK, MODEL, execution, date.fromisoformat(run_date))


class EndpointUpdates:
    """UpdateEndpoint (absent from moto) and the states it drives, per AWS's documentation:
    the call sets the endpoint Updating with the new config in PendingDeploymentSummary
    while EndpointConfigName stays the old one; it ends InService on the new config
    (`complete`) or, after RollingBack, InService on the old one (`roll_back`)."""

    def __init__(self, client: Any) -> None:
        self.updates: list[dict[str, Any]] = []
        self.state: dict[str, Any] | None = None
        client.meta.events.register("provide-client-params.sagemaker.UpdateEndpoint", self._record)
        client.meta.events.register("before-call.sagemaker.UpdateEndpoint", self._update)
        client.meta.events.register("before-call.sagemaker.DescribeEndpoint", self._describe)

    def _record(self, params: dict[str, Any], **_: Any) -> None:
        self.updates.append(dict(params))

    @staticmethod
    def _moto(name: str) -> dict[str, Any]:
        return dict(sagemaker_backends[ACCOUNT][REGION].describe_endpoint(name))

    def _update(self, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        params = self.updates[-1]
        self.state = {
            "EndpointStatus": "Updating",
            "PendingDeploymentSummary": {"EndpointConfigName": params["EndpointConfigName"]},
        }
        arn = f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{params['EndpointName']}"
        return AWSResponse(None, 200, {}, None), {"EndpointArn": arn}

    def _describe(self, params: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        if self.state is None:
            return None  # moto answers
        described = {**self._moto(ENDPOINT), **self.state}
        if "PendingDeploymentSummary" not in self.state:
            described.pop("PendingDeploymentSummary", None)
        return AWSResponse(None, 200, {}, None), described

    def complete(self) -> None:
        new = self.updates[-1]["EndpointConfigName"]
        sagemaker_backends[ACCOUNT][REGION].endpoints[ENDPOINT].endpoint_config_name = new
        self.state = None

    def set(self, **state: Any) -> None:
        self.state = state


@pytest.fixture
def deploy(load_module, s3, sagemaker, model_registry):
    module = load_module("deploy_model")
    updates = EndpointUpdates(module.SAGEMAKER)
    calls = CallCounter(module.SAGEMAKER, "sagemaker.*")

    def run(execution: str, run_date: str = "2026-01-10") -> dict[str, Any]:
        return module.handler(deploy_event(execution, run_date), None)

    run.module = module  # type: ignore[attr-defined]
    run.updates = updates  # type: ignore[attr-defined]
    run.calls = calls  # type: ignore[attr-defined]
    return run


def test_the_endpoint_config_says_which_run_and_newest_day_it_serves(deploy, sagemaker):
    """The next run's CheckData reads these to catch a marker that could not be advanced
    up with the serving model (functions.serving_endpoint)."""
    deploy("run-1", "2026-01-11")
    config = sagemaker.describe_endpoint_config(EndpointConfigName=name_of("run-1", "2026-01-11"))
    tags = sagemaker.list_tags(ResourceArn=config["EndpointConfigArn"])["Tags"]
    assert {"Key": "run", "Value": "run-1"} in tags
    assert {"Key": "newestDate", "Value": "2026-01-11"} in tags


def test_a_package_without_its_newest_date_is_refused_before_any_change(deploy, sagemaker):
    event = deploy_event("run-1", newest_date=None)
    with pytest.raises(ModelNotApprovedError, match=r"metadata newestDate"):
        deploy.module.handler(event, None)
    assert sagemaker.list_models()["Models"] == []


def test_first_deployment_creates_model_config_and_endpoint(deploy, sagemaker):
    status = deploy("run-1")
    name = name_of("run-1")
    assert status == {
        "stage": STAGE_DEPLOYMENT,
        "status": "Creating",
        "name": ENDPOINT,
        "endpointName": ENDPOINT,
        "modelName": name,
        "endpointConfigName": name,
        "previousEndpointConfigName": None,
        "modelPackageArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:model-package/{GROUP}/1",
        "modelPackageVersion": 1,
        "rollback": False,
        "serving": False,
        # The deployment deadline (deadlineSeconds) starts when DeployModel runs.
        "poll": {
            "count": 0,
            "timeoutSeconds": 300,
            "startedAt": "2026-01-10T07:00:00Z",
            "deadlineAt": "2026-01-10T08:00:00Z",
            "deadlinePassed": False,
        },
        "message": f"Creating endpoint {ENDPOINT} with {name}",
        "consoleUrl": f"https://{REGION}.console.aws.amazon.com/sagemaker/home?region={REGION}#/endpoints/{ENDPOINT}",
        "cleanup": {"endpointConfigs": [], "models": []},
        # A first deployment is never guarded: no old fleet to shift from or roll back to.
        "updateStrategy": "allAtOnce",
        "rollbackAlarms": [],
    }
    model = sagemaker.describe_model(ModelName=name)
    # From the registry's package: endpoint -> config -> Model -> package -> training job.
    assert model["PrimaryContainer"] == {"ModelPackageName": status["modelPackageArn"]}
    config = sagemaker.describe_endpoint_config(EndpointConfigName=name)
    (variant,) = config["ProductionVariants"]
    assert (variant["VariantName"], variant["ModelName"], variant["InstanceType"]) == (
        "AllTraffic",
        name,
        "ml.t2.medium",
    )
    assert sagemaker.describe_endpoint(EndpointName=ENDPOINT)["EndpointConfigName"] == name


def test_deploying_twice_creates_everything_once(deploy):
    deploy("run-1")
    again = deploy("run-1")  # a Lambda retry: moto's endpoint already serves our config
    for operation in ("CreateModel", "CreateEndpointConfig", "CreateEndpoint"):
        assert deploy.calls.count(operation) == 1, operation
    assert deploy.updates.updates == []
    assert (again["status"], again["serving"]) == ("InService", True)


def test_a_second_run_updates_the_endpoint_in_place(deploy, sagemaker):
    deploy("run-1")
    status = deploy("run-2", "2026-01-11")
    first, second = name_of("run-1"), name_of("run-2", "2026-01-11")
    assert deploy.updates.updates == [{"EndpointName": ENDPOINT, "EndpointConfigName": second}]
    assert (status["status"], status["serving"]) == ("Updating", False)
    assert status["previousEndpointConfigName"] == first
    assert status["message"] == f"Updating endpoint {ENDPOINT} from {first} to {second}"

    retry = deploy("run-2", "2026-01-11")  # the update to our config is in progress
    assert len(deploy.updates.updates) == 1
    assert retry["status"] == "Updating"
    assert retry["previousEndpointConfigName"] == first
    assert deploy.calls.count("CreateEndpoint") == 1


@pytest.mark.parametrize(
    ("state", "message"),
    [
        (
            {
                "EndpointStatus": "Updating",
                "PendingDeploymentSummary": {"EndpointConfigName": "someone-else"},
            },
            f"Endpoint {ENDPOINT} is Updating with someone-else, not this run's",
        ),
        (
            {"EndpointStatus": "Failed", "FailureReason": "capacity"},
            f"Endpoint {ENDPOINT} is Failed (capacity) and cannot be updated",
        ),
        ({"EndpointStatus": "UpdateRollbackFailed"}, "needs a human"),
    ],
)
def test_an_endpoint_that_refuses_updates_is_a_clear_error(deploy, state, message):
    deploy("run-1")
    deploy.updates.set(**state)
    with pytest.raises(EndpointNotUpdatableError, match=re.escape(message)):
        deploy("run-2", "2026-01-11")
    assert deploy.updates.updates == []


def test_cleanup_keeps_in_service_previous_and_the_newest_older_versions(deploy, sagemaker):
    runs = [(f"run-{i}", f"2026-01-{10 + i:02d}") for i in range(1, 7)]
    deploy(*runs[0])
    for run in runs[1:5]:  # four updates that all complete
        deploy(*run)
        deploy.updates.complete()
    status = deploy(*runs[5])  # updating from run-5 to run-6, KEEP_PREVIOUS_VERSIONS=2

    configs = {
        c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]
    }
    models = {m["ModelName"] for m in sagemaker.list_models()["Models"]}
    kept = {name_of(*runs[i]) for i in (2, 3, 4, 5)}  # run-6 deploying, run-5 serving, 2 older
    assert configs == kept
    assert models == kept
    # run-5's deployment deleted run-1's; run-6's deletes run-2's.
    assert status["cleanup"] == {
        "endpointConfigs": [name_of(*runs[1])],
        "models": [name_of(*runs[1])],
    }


def test_cleanup_never_touches_another_stack_nor_a_model_whose_name_extends_ours(deploy, sagemaker):
    """In one account, prod's rollback configs and model `<model>-b`'s survive dev's cleanup."""
    image = "438346466558.dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1"
    others = [
        names.run_resource_name("prod", MODEL, "20260101-aaaaaaaa"),
        names.run_resource_name("prod", MODEL, "20260102-bbbbbbbb"),
        names.run_resource_name(STACK, f"{MODEL}-b", "20260101-cccccccc"),
    ]
    for other in others:  # older than every dev run: the first a cleanup would delete
        sagemaker.create_model(
            ModelName=other,
            PrimaryContainer={"Image": image},
            ExecutionRoleArn=f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution",
        )
        sagemaker.create_endpoint_config(
            EndpointConfigName=other,
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": other,
                    "InitialInstanceCount": 1,
                    "InstanceType": "ml.t2.medium",
                }
            ],
        )
    runs = [(f"run-{i}", f"2026-01-{10 + i:02d}") for i in range(1, 6)]
    deploy(*runs[0])
    for run in runs[1:]:
        deploy(*run)
        deploy.updates.complete()

    configs = {
        c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]
    }
    models = {m["ModelName"] for m in sagemaker.list_models()["Models"]}
    ours = {name_of(*runs[i]) for i in (1, 2, 3, 4)}  # serving, previous and 2 older
    assert configs == ours | set(others)
    assert models == ours | set(others)


def test_cleanup_failures_are_logged_not_raised(deploy, capsys):
    deploy("run-1")
    for i in (2, 3, 4):
        deploy(f"run-{i}", f"2026-01-1{i}")
        deploy.updates.complete()

    def refuse(**_: Any) -> None:
        raise deploy.module.SAGEMAKER.exceptions.ResourceNotFound(
            {"Error": {"Code": "ResourceNotFound", "Message": "gone"}}, "DeleteModel"
        )

    deploy.module.SAGEMAKER.meta.events.register("before-call.sagemaker.DeleteModel", refuse)
    status = deploy("run-5", "2026-01-15")
    assert status["status"] == "Updating"
    assert status["cleanup"]["models"] == []
    lines = log_lines(capsys.readouterr().out)
    warnings = [line for line in lines if line["message"] == "cleanup: delete failed"]
    assert warnings and warnings[0]["kind"] == "models"


def _endpoint(status: str, config: str, **extra: Any) -> dict[str, Any]:
    return {
        "EndpointName": ENDPOINT,
        "EndpointArn": f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:endpoint/{ENDPOINT}",
        "EndpointConfigName": config,
        "EndpointStatus": status,
        "CreationTime": datetime(2026, 1, 1, tzinfo=UTC),
        "LastModifiedTime": datetime(2026, 1, 10, tzinfo=UTC),
        **extra,
    }


OURS, OLD = "linear-learner-20260111-aaaaaaaa", "linear-learner-20260110-bbbbbbbb"


@pytest.mark.parametrize(
    ("described", "serving", "message"),
    [
        (_endpoint("InService", OURS), True, f"Endpoint {ENDPOINT} is in service with {OURS}"),
        (
            _endpoint("InService", OLD, FailureReason="health check failed"),
            False,
            f"is in service with {OLD}, not {OURS}: the update rolled back; "
            "the previous model keeps serving: health check failed",
        ),
        (
            _endpoint("Updating", OLD, PendingDeploymentSummary={"EndpointConfigName": OURS}),
            False,
            f"Endpoint {ENDPOINT} is updating to {OURS}",
        ),
        (_endpoint("RollingBack", OLD), False, "rolling back the update to"),
        (_endpoint("UpdateRollbackFailed", OLD), False, "needs a human"),
        (_endpoint("SomethingNew", OLD), False, f"Endpoint {ENDPOINT} is SomethingNew"),
    ],
)
def test_get_status_tells_whether_this_run_serves(load_module, s3, described, serving, message):
    """Stubbed DescribeEndpoint: moto cannot produce rollbacks."""
    module = load_module("get_status")
    previous = {
        "stage": "deployment",
        "status": "Updating",
        "name": ENDPOINT,
        "endpointConfigName": OURS,
        "previousEndpointConfigName": OLD,
        "serving": False,
        "poll": {"count": 0, "timeoutSeconds": 300, "deadlineAt": "2026-01-10T08:00:00Z"},
    }
    with Stubber(module.SAGEMAKER) as stub:
        stub.add_response("describe_endpoint", described, {"EndpointName": ENDPOINT})
        status = module.handler({"status": previous, "polling": POLLING}, None)
    assert status["status"] == described["EndpointStatus"]
    assert status["serving"] is serving
    assert message in status["message"]
    assert status["previousEndpointConfigName"] == OLD
    assert status["poll"] == {
        "count": 1,
        "timeoutSeconds": 600,
        "deadlineAt": "2026-01-10T08:00:00Z",
        "deadlinePassed": False,
    }
