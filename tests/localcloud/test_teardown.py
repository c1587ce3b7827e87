"""infra.teardown on the embedded runtime: after a full run of dev, nothing of dev is left
outside Pulumi state, and prod, deployed in the same cloud and run too, is untouched."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from botocore.exceptions import ClientError

from infra.naming import ModelNames
from infra.teardown import TeardownRefused, TeardownTarget, teardown
from localcloud import data
from localcloud.runtime import LocalCloud, ModelStack

pytestmark = pytest.mark.unit

ZONE = ZoneInfo("Europe/Berlin")


def _run_once(cloud: LocalCloud, model: ModelStack) -> None:
    today = cloud.clock.utcnow().astimezone(ZONE).date()
    for offset in (3, 2, 1):
        day = today - timedelta(days=offset)
        cloud.upload_csv(model, day.isoformat(), data.daily_rows(day))
    run = cloud.start_run(model, {})
    # prod approves manually: a person approves the run's model as soon as it waits.
    (result,) = cloud.wait(run, on_idle=lambda: _approve_waiting(cloud, model))
    assert result["status"] == "SUCCEEDED", result


def _approve_waiting(cloud: LocalCloud, model: ModelStack) -> None:
    sagemaker = cloud.client("sagemaker", model.region)
    group = ModelNames(model.stack, model.model).model_package_group
    for package in sagemaker.list_model_packages(
        ModelPackageGroupName=group, ModelApprovalStatus="PendingManualApproval"
    )["ModelPackageSummaryList"]:
        sagemaker.update_model_package(
            ModelPackageArn=package["ModelPackageArn"],
            ModelApprovalStatus="Approved",
            ApprovalDescription="approved by the teardown test",
        )


def _left(cloud: LocalCloud, model: ModelStack) -> dict[str, Any]:
    """Everything of `model`'s stack the pipeline creates outside Pulumi state."""
    names = ModelNames(model.stack, model.model)
    sagemaker = cloud.client("sagemaker", model.region)
    prefix = names.run_resource_prefix
    endpoints = [
        e["EndpointName"]
        for e in sagemaker.list_endpoints()["Endpoints"]
        if e["EndpointName"] == names.endpoint
    ]
    configs = [
        c["EndpointConfigName"]
        for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]
        if c["EndpointConfigName"].startswith(prefix)
    ]
    models = [
        m["ModelName"]
        for m in sagemaker.list_models()["Models"]
        if m["ModelName"].startswith(prefix)
    ]
    try:
        cloud.client("ssm", model.region).get_parameter(Name=names.marker_parameter)
        marker = [names.marker_parameter]
    except ClientError:
        marker = []
    s3 = cloud.client("s3", model.region)
    objects = [
        v["Key"]
        for page in s3.get_paginator("list_object_versions").paginate(
            Bucket=model.bucket, Prefix=f"data/{model.model}/"
        )
        for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
    ]
    found = {"endpoints": endpoints, "configs": configs, "models": models, "marker": marker}
    return {**found, "objects": objects}


def test_teardown_leaves_nothing_of_the_stack_and_spares_the_other() -> None:
    with LocalCloud(start=datetime(2026, 3, 2, 5, 0, tzinfo=ZONE)) as cloud:
        (dev,) = cloud.deploy("dev")
        (prod,) = cloud.deploy("prod")
        _run_once(cloud, dev)
        _run_once(cloud, prod)
        before = _left(cloud, dev)
        assert before["endpoints"] and before["configs"] and before["models"]
        assert before["marker"] and before["objects"]
        prod_before = _left(cloud, prod)

        def wait_deleted(sagemaker: Any, endpoint: str) -> None:
            # SageMaker deletes the endpoint in the background: let virtual time pass.
            for _ in range(60):
                try:
                    sagemaker.describe_endpoint(EndpointName=endpoint)
                except ClientError:
                    return
                cloud.advance_to(cloud.clock.utcnow() + timedelta(minutes=1))
            raise AssertionError(f"endpoint {endpoint} still exists")

        target = TeardownTarget("dev", (dev.model,), dev.bucket, protect_data=False)
        out = io.StringIO()
        deleted = teardown(
            target,
            lambda service: cloud.client(service, dev.region),
            include_data=True,
            out=out,
            wait_deleted=wait_deleted,
        )
        assert f"endpoint {dev.endpoint_name}" in deleted
        assert out.getvalue().count("deleted ") == len(deleted)
        assert _left(cloud, dev) == {
            "endpoints": [],
            "configs": [],
            "models": [],
            "marker": [],
            "objects": [],
        }
        assert _left(cloud, prod) == prod_before


def test_protected_data_is_refused() -> None:
    target = TeardownTarget("prod", ("m",), "bucket", protect_data=True)

    def no_client(service: str) -> Any:
        raise AssertionError("nothing may be called")

    with pytest.raises(TeardownRefused, match="protectData"):
        teardown(target, no_client, include_data=True, out=io.StringIO())
