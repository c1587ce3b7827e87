"""Remove what a stack's pipeline created outside Pulumi state, before `pulumi destroy`.

Runs create SageMaker resources, the SSM marker and bucket objects that no Pulumi resource
owns, so `pulumi destroy` leaves them (the endpoint stays billed). For each model of the
stack this deletes, printing each deletion: the endpoint (waiting until it is gone), the
run's endpoint configs and models, model packages and groups if any, stops training jobs
still running (SageMaker keeps finished ones; they cost nothing), the marker parameter, the
callback tokens, manifests and run lock (every version). Training data and artefacts are
deleted only with `--include-data`, which a stack with `protectData` refuses.

    python -m infra.teardown --stack dev [--include-data]   # then: pulumi destroy -s dev

Credentials and region come from the usual AWS environment (region: the stack's aws:region).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

import boto3
from botocore.exceptions import ClientError

from infra.config import StackSettings, parse_settings
from infra.naming import ModelNames, StackNames
from infra.stack_file import load_stack_config

# How long the endpoint may take to delete (SageMaker: minutes), polled every few seconds.
ENDPOINT_DELETE_TIMEOUT_SECONDS = 1800
ENDPOINT_DELETE_POLL_SECONDS = 15


class TeardownRefused(ValueError):
    pass


@dataclass(frozen=True)
class TeardownTarget:
    stack: str
    models: tuple[str, ...]
    bucket: str
    protect_data: bool


Clients = Callable[[str], Any]  # service name → boto3 client


def target_of(settings: StackSettings, account_id: str) -> TeardownTarget:
    bucket = settings.bucket_name or StackNames(settings.stack).bucket(account_id, settings.region)
    return TeardownTarget(
        settings.stack, tuple(m.name for m in settings.models), bucket, settings.protect_data
    )


def wait_until_endpoint_deleted(sagemaker: Any, endpoint: str) -> None:
    sagemaker.get_waiter("endpoint_deleted").wait(
        EndpointName=endpoint,
        WaiterConfig={
            "Delay": ENDPOINT_DELETE_POLL_SECONDS,
            "MaxAttempts": ENDPOINT_DELETE_TIMEOUT_SECONDS // ENDPOINT_DELETE_POLL_SECONDS,
        },
    )


def teardown(
    target: TeardownTarget,
    client: Clients,
    *,
    include_data: bool,
    out: IO[str],
    wait_deleted: Callable[[Any, str], None] = wait_until_endpoint_deleted,
) -> list[str]:
    """Delete, for every model of `target`, what its runs created; what was deleted."""
    if include_data and target.protect_data:
        raise TeardownRefused(
            f"stack {target.stack} has retraining:protectData true: its training data and "
            "artefacts stay. Set protectData false (and `pulumi up`) first to delete them."
        )
    deleted: list[str] = []

    def report(what: str) -> None:
        deleted.append(what)
        print(f"deleted {what}", file=out)

    for model in target.models:
        names = ModelNames(target.stack, model)
        _sagemaker(client("sagemaker"), names, report, wait_deleted)
        _marker(client("ssm"), names, report)
        prefixes = [names.callback_prefix, names.manifest_prefix, names.run_lock_prefix]
        if include_data:
            prefixes += [names.artifact_prefix, names.data_prefix]
        for prefix in prefixes:
            _objects(client("s3"), target.bucket, prefix, report)
    return deleted


def _sagemaker(
    sagemaker: Any,
    names: ModelNames,
    report: Callable[[str], None],
    wait_deleted: Callable[[Any, str], None],
) -> None:
    prefix = names.run_resource_prefix
    for job in _pages(sagemaker, "list_training_jobs", "TrainingJobSummaries", NameContains=prefix):
        if job["TrainingJobName"].startswith(prefix) and job["TrainingJobStatus"] in (
            "InProgress",
        ):
            sagemaker.stop_training_job(TrainingJobName=job["TrainingJobName"])
            report(f"(stopped) training job {job['TrainingJobName']}")
    try:
        sagemaker.delete_endpoint(EndpointName=names.endpoint)
    except ClientError as error:
        if not _missing(error):
            raise
    else:
        wait_deleted(sagemaker, names.endpoint)
        report(f"endpoint {names.endpoint}")
    for config in _pages(
        sagemaker, "list_endpoint_configs", "EndpointConfigs", NameContains=prefix
    ):
        if config["EndpointConfigName"].startswith(prefix):
            sagemaker.delete_endpoint_config(EndpointConfigName=config["EndpointConfigName"])
            report(f"endpoint config {config['EndpointConfigName']}")
    for model in _pages(sagemaker, "list_models", "Models", NameContains=prefix):
        if model["ModelName"].startswith(prefix):
            sagemaker.delete_model(ModelName=model["ModelName"])
            report(f"model {model['ModelName']}")
    groups = _pages(
        sagemaker,
        "list_model_package_groups",
        "ModelPackageGroupSummaryList",
        NameContains=names.endpoint,
    )
    for group in groups:
        name = group["ModelPackageGroupName"]
        if name != names.endpoint and not name.startswith(prefix):
            continue
        packages = _pages(
            sagemaker, "list_model_packages", "ModelPackageSummaryList", ModelPackageGroupName=name
        )
        for package in packages:
            sagemaker.delete_model_package(ModelPackageName=package["ModelPackageArn"])
            report(f"model package {package['ModelPackageArn']}")
        sagemaker.delete_model_package_group(ModelPackageGroupName=name)
        report(f"model package group {name}")


def _marker(ssm: Any, names: ModelNames, report: Callable[[str], None]) -> None:
    try:
        ssm.delete_parameter(Name=names.marker_parameter)
    except ClientError as error:
        if error.response["Error"]["Code"] != "ParameterNotFound":
            raise
    else:
        report(f"parameter {names.marker_parameter}")


def _objects(s3: Any, bucket: str, prefix: str, report: Callable[[str], None]) -> None:
    """Every version and delete marker under `prefix`: the bucket keeps versions."""
    paginator = s3.get_paginator("list_object_versions")
    count = 0
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        versions = page.get("Versions", []) + page.get("DeleteMarkers", [])
        if not versions:
            continue
        answer = s3.delete_objects(
            Bucket=bucket,
            Delete={
                "Objects": [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions],
                "Quiet": True,
            },
        )
        if errors := answer.get("Errors"):
            raise RuntimeError(f"s3://{bucket}/{prefix}: could not delete {errors}")
        count += len(versions)
    if count:
        report(f"s3://{bucket}/{prefix}* ({count} object versions)")


def _pages(client: Any, operation: str, key: str, **params: Any) -> Iterable[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    while True:
        page = getattr(client, operation)(**params)
        found.extend(page.get(key, []))
        token = page.get("NextToken")
        if not token:
            return found
        params["NextToken"] = token


def _missing(error: ClientError) -> bool:
    message = error.response["Error"].get("Message", "")
    return error.response["Error"]["Code"] == "ValidationException" and (
        "Could not find" in message or "does not exist" in message
    )


def main(argv: list[str] | None = None, out: IO[str] = sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.teardown", description=__doc__)
    parser.add_argument("--stack", required=True, help="the Pulumi stack (Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--include-data", action="store_true", help="also delete training data and artefacts"
    )
    args = parser.parse_args(argv)
    config = load_stack_config(args.stack)
    settings = parse_settings(
        {k: v for k, v in config.values.items() if k not in config.secret_keys},
        stack=args.stack,
    )
    session = boto3.session.Session(region_name=settings.region)
    account = session.client("sts").get_caller_identity()["Account"]
    try:
        teardown(
            target_of(settings, account),
            session.client,  # type: ignore[arg-type]
            include_data=args.include_data,
            out=out,
        )
    except TeardownRefused as refused:
        print(f"teardown refused: {refused}", file=sys.stderr)
        return 2
    print(
        f"stack {args.stack}: nothing the pipeline created is left; now `pulumi destroy -s "
        f"{args.stack}`",
        file=out,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
