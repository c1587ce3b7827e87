"""Lineage of what an endpoint serves: endpoint → endpoint config → model → model package
(status, who decided, scores, data window) → training job → manifest → the files it lists.

Every link is read with the AWS APIs anyone with read access can call (DescribeEndpoint,
DescribeEndpointConfig, DescribeModel, DescribeModelPackage, DescribeTrainingJob, S3
GetObject of the manifest), so the chain is the one SageMaker holds, not a copy kept on the
side. `lineage()` returns it as a dict; a link that cannot be followed raises
`LineageBroken`, whose message names the missing link and the remedy and whose `chain` holds
what was found before it.

Against real AWS (read-only; needs sagemaker:Describe*, sagemaker:ListTags, s3:GetObject on
the manifests):

    python -m functions.lineage --endpoint dev--demand [--region eu-west-1] [--json]
    python -m functions.lineage --stack dev --model demand
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from contract import document, names
from functions.model_registry import package_summary
from functions.serving_endpoint import NEWEST_DATE_TAG

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sagemaker import SageMakerClient

# The training channel whose manifest lists the files the model was fitted on.
TRAINING_CHANNEL = "train"


class LineageBroken(Exception):
    """A link of the chain cannot be followed; `chain` holds the links found before it."""

    def __init__(self, message: str, chain: dict[str, Any]) -> None:
        super().__init__(message)
        self.chain = chain


def lineage(sagemaker: SageMakerClient, s3: S3Client, endpoint_name: str) -> dict[str, Any]:
    """What `endpoint_name` serves and everything that led to it (see the module docstring)."""
    chain: dict[str, Any] = {}
    endpoint = _describe(
        lambda: sagemaker.describe_endpoint(EndpointName=endpoint_name),
        f"endpoint {endpoint_name!r} does not exist in {sagemaker.meta.region_name}: nothing "
        "is deployed under that name (check --region, or --stack/--model)",
        chain,
    )
    pending = (endpoint.get("PendingDeploymentSummary") or {}).get("EndpointConfigName")
    chain["endpoint"] = {
        "name": endpoint["EndpointName"],
        "arn": endpoint["EndpointArn"],
        "status": endpoint["EndpointStatus"],
        # During an update the old configuration keeps answering: it is what serves.
        "servingConfig": endpoint["EndpointConfigName"],
        "pendingConfig": pending,
    }
    config_name = endpoint["EndpointConfigName"]
    config = _describe(
        lambda: sagemaker.describe_endpoint_config(EndpointConfigName=config_name),
        f"endpoint config {config_name!r}, which endpoint {endpoint_name!r} serves, was "
        "deleted: its model can no longer be read from it (keepPreviousVersions never deletes "
        "the serving config; was it deleted by hand?)",
        chain,
    )
    variants = config.get("ProductionVariants") or []
    tags = _tags(sagemaker, config["EndpointConfigArn"])
    chain["endpointConfig"] = {
        "name": config_name,
        "arn": config["EndpointConfigArn"],
        "created": _iso(config.get("CreationTime")),
        "variants": [v["VariantName"] for v in variants],
        "newestDate": tags.get(NEWEST_DATE_TAG),
    }
    if not variants:
        raise LineageBroken(f"endpoint config {config_name!r} has no production variant", chain)
    model_name = variants[0]["ModelName"]
    model = _describe(
        lambda: sagemaker.describe_model(ModelName=model_name),
        f"model {model_name!r} of endpoint config {config_name!r} was deleted: SageMaker keeps "
        "serving it, but what it was made from can no longer be read",
        chain,
    )
    container = model.get("PrimaryContainer") or (model.get("Containers") or [{}])[0]
    package_arn = container.get("ModelPackageName")
    chain["model"] = {
        "name": model_name,
        "arn": model["ModelArn"],
        "created": _iso(model.get("CreationTime")),
        "modelPackageArn": package_arn,
        "image": container.get("Image"),
        "artifactUri": container.get("ModelDataUrl"),
    }
    if not package_arn:
        raise LineageBroken(
            f"model {model_name!r} was not created from a model package (image "
            f"{container.get('Image')}, artefact {container.get('ModelDataUrl')}): it was "
            "deployed before the registry existed; the next run that deploys registers and "
            "serves a package",
            chain,
        )
    described = _describe(
        lambda: sagemaker.describe_model_package(ModelPackageName=package_arn),
        f"model package {package_arn} of model {model_name!r} was deleted from the registry",
        chain,
    )
    package = package_summary(described)
    chain["package"] = {
        **package,
        "created": _iso(described.get("CreationTime")),
        "decidedAt": _iso(described.get("LastModifiedTime") or described.get("CreationTime")),
        "evaluationReport": (
            ((described.get("ModelMetrics") or {}).get("ModelQuality") or {}).get("Statistics")
            or {}
        ).get("S3Uri"),
    }
    job_name = package[document.PACKAGE_TRAINING_JOB]
    if not job_name:
        raise LineageBroken(
            f"model package {package_arn} names no training job (CustomerMetadataProperties "
            "trainingJob): it was not registered by this pipeline",
            chain,
        )
    job = _describe(
        lambda: sagemaker.describe_training_job(TrainingJobName=job_name),
        f"training job {job_name!r} of model package {package_arn} does not exist (SageMaker "
        "keeps training jobs; was the package registered in another account or region?)",
        chain,
    )
    channel_uri = _training_manifest(job)
    chain["trainingJob"] = {
        "name": job_name,
        "arn": job["TrainingJobArn"],
        "status": job["TrainingJobStatus"],
        "started": _iso(job.get("TrainingStartTime")),
        "ended": _iso(job.get("TrainingEndTime")),
        "artifactUri": (job.get("ModelArtifacts") or {}).get("S3ModelArtifacts"),
        "manifestUri": channel_uri,
    }
    manifest_uri = package[document.PACKAGE_MANIFEST_URI] or channel_uri
    if not manifest_uri:
        raise LineageBroken(
            f"training job {job_name!r} has no {TRAINING_CHANNEL!r} manifest channel and "
            f"package {package_arn} no manifestUri: the files it trained on are not recorded",
            chain,
        )
    chain["manifest"] = {"uri": manifest_uri}
    files = _manifest_files(s3, manifest_uri, chain)
    chain["manifest"]["fileCount"] = len(files)
    chain["files"] = files
    return chain


def _describe(call: Any, missing: str, chain: dict[str, Any]) -> dict[str, Any]:
    """A Describe* answer; SageMaker's "Could not find"/"does not exist" ValidationException
    becomes LineageBroken naming the missing link."""
    try:
        return dict(call())
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        message = str(error.response.get("Error", {}).get("Message", ""))
        if code in ("ValidationException", "ResourceNotFound") and (
            "not find" in message or "not exist" in message or "not found" in message
        ):
            raise LineageBroken(f"{missing} ({code}: {message})", chain) from error
        raise


def _tags(sagemaker: SageMakerClient, arn: str) -> dict[str, str]:
    tags: dict[str, str] = {}
    for page in sagemaker.get_paginator("list_tags").paginate(ResourceArn=arn):
        tags.update({t["Key"]: t["Value"] for t in page.get("Tags", [])})
    return tags


def _training_manifest(job: Mapping[str, Any]) -> str | None:
    for channel in job.get("InputDataConfig") or []:
        source = (channel.get("DataSource") or {}).get("S3DataSource") or {}
        if channel.get("ChannelName") == TRAINING_CHANNEL and source.get("S3DataType") == (
            "ManifestFile"
        ):
            return str(source["S3Uri"])
    return None


def _manifest_files(s3: S3Client, uri: str, chain: dict[str, Any]) -> list[str]:
    """The objects a SageMaker ManifestFile lists: `[{"prefix": "s3://b/p/"}, "key", ...]`."""
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code")
        raise LineageBroken(
            f"manifest {uri} cannot be read ({code}): the files the model trained on are not "
            "listed anywhere else; was it removed by a lifecycle rule on the manifest prefix?",
            chain,
        ) from error
    try:
        entries = json.loads(body)
        prefix = entries[0]["prefix"]
        return [f"{prefix}{name}" for name in entries[1:]]
    except (ValueError, LookupError, TypeError) as error:
        raise LineageBroken(
            f'manifest {uri} is not a SageMaker ManifestFile ([{{"prefix": ...}}, "key", ...]): '
            f"{error}",
            chain,
        ) from error


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if hasattr(moment, "isoformat") else moment


# --- reading it ---------------------------------------------------------------------------
def render(chain: Mapping[str, Any]) -> str:
    """The chain as an operator reads it, one link a line (as far as it goes)."""
    lines: list[str] = []

    def line(label: str, text: str) -> None:
        lines.append(f"{label:<16}{text}")

    if endpoint := chain.get("endpoint"):
        pending = endpoint.get("pendingConfig")
        line(
            "endpoint",
            f"{endpoint['name']} ({endpoint['status']})"
            + (f", deploying {pending}" if pending else ""),
        )
    if config := chain.get("endpointConfig"):
        newest = config.get("newestDate")
        line("endpoint config", config["name"] + (f" (newest day {newest})" if newest else ""))
    if model := chain.get("model"):
        line("model", model["name"])
    if package := chain.get("package"):
        status = package[document.PACKAGE_APPROVAL_STATUS]
        by = package.get(document.PACKAGE_DECIDED_BY)
        note = package.get(document.PACKAGE_APPROVAL_DESCRIPTION)
        line(
            "package",
            f"{package[document.PACKAGE_GROUP]} version {package[document.PACKAGE_VERSION]}: "
            f"{status}" + (f" by {by}" if by else "") + (f" ({note})" if note else ""),
        )
        line("  arn", package[document.PACKAGE_ARN])
        line(
            "  scores",
            f"{package.get(document.PACKAGE_METRIC)} challenger "
            f"{_score(package.get(document.PACKAGE_CHALLENGER_SCORE))}, champion "
            f"{_score(package.get(document.PACKAGE_CHAMPION_SCORE))}",
        )
        line(
            "  data window",
            f"{package.get(document.PACKAGE_WINDOW_START)} .. "
            f"{package.get(document.PACKAGE_WINDOW_END)}, "
            f"{package.get(document.PACKAGE_FILE_COUNT)} files, newest "
            f"{package.get(document.PACKAGE_NEWEST_DATE)}",
        )
        line("  run", f"{package.get(document.PACKAGE_EXECUTION)}")
        if revision := package.get(document.PACKAGE_GIT_REVISION):
            line("  git revision", str(revision))
    if job := chain.get("trainingJob"):
        line("training job", f"{job['name']} ({job['status']}, {job['started']} .. {job['ended']})")
    if manifest := chain.get("manifest"):
        count = manifest.get("fileCount")
        line("manifest", manifest["uri"] + (f" ({count} files)" if count is not None else ""))
    for index, uri in enumerate(chain.get("files") or []):
        line("files" if index == 0 else "", uri)
    return "\n".join(lines)


def _score(value: Any) -> str:
    return "none" if value is None else f"{value:.6g}"


# --- CLI ----------------------------------------------------------------------------------
def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m functions.lineage",
        description="What a retraining endpoint serves and everything that led to it.",
    )
    parser.add_argument("--endpoint", help="the endpoint's name (<stack>--<model>)")
    parser.add_argument("--stack", help="with --model: the endpoint of this stack's model")
    parser.add_argument("--model", help="with --stack")
    parser.add_argument("--region", help="AWS region (default: the AWS CLI's configuration)")
    parser.add_argument("--json", action="store_true", help="print the chain as JSON")
    arguments = parser.parse_args(argv)
    by_name = arguments.endpoint is not None
    by_model = arguments.stack is not None or arguments.model is not None
    if by_name == by_model or (by_model and not (arguments.stack and arguments.model)):
        parser.error("give --endpoint NAME, or --stack STACK and --model MODEL")
    return arguments


def main(argv: Sequence[str] | None = None, clients: Any = None) -> int:
    """`clients(service, region) -> boto3 client` (default: boto3's, for real AWS)."""
    arguments = _arguments(argv)
    endpoint = arguments.endpoint or names.scope(arguments.stack, arguments.model)
    if clients is None:
        import boto3  # noqa: PLC0415 - the CLI's only; lineage() takes its clients

        session = boto3.session.Session(region_name=arguments.region)
        clients = session.client
    try:
        chain = lineage(
            clients("sagemaker", region_name=arguments.region),
            clients("s3", region_name=arguments.region),
            endpoint,
        )
    except LineageBroken as broken:
        print(json.dumps(broken.chain, indent=2) if arguments.json else render(broken.chain))
        print(f"lineage broken: {broken}", file=sys.stderr)
        return 1
    except (ClientError, BotoCoreError) as error:
        print(f"lineage of {endpoint}: {error}", file=sys.stderr)
        return 1
    print(json.dumps(chain, indent=2) if arguments.json else render(chain))
    return 0


if __name__ == "__main__":
    sys.exit(main())
