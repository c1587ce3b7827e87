"""Hosting pieces of the local SageMaker: loading what an EndpointConfig deploys, and the
shapes SageMaker answers with (DescribeEndpoint's variant summaries, event statuses,
InvokeEndpoint's ModelError)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from localcloud.internals.moto_private import (
    FakeEndpointConfig,
    SageMakerModelBackend,
    SageMakerValidationError,
)
from localcloud.sagemaker import linear, registry
from localcloud.sagemaker.common import ModelError, S3Store, StoreError, validation_error


def health_check_failure(variant: str) -> str:
    return (
        f"The primary container for production variant {variant} did not pass the ping health "
        "check. Please check CloudWatch logs for this endpoint."
    )


class DeployFailed(Exception):
    """A deployment that cannot serve; the message is the endpoint's FailureReason."""


def injected_failure(
    backend: SageMakerModelBackend, config_name: str, reason: str | None
) -> DeployFailed:
    """A failure a test asked for: `reason`, or the health-check failure SageMaker reports
    when the container does not answer /ping."""
    return DeployFailed(reason or health_check_failure(variant_name(backend, config_name)))


@dataclass
class Deployment:
    """The model a configuration deploys, loaded and ready to answer."""

    config_name: str
    variant: str
    model: linear.LinearModel
    # DescribeEndpoint's ProductionVariants while this deployment serves (kept here: the
    # EndpointConfig may be deleted while its instances run, as SageMaker allows).
    summaries: list[dict[str, Any]]


def load_deployment(backend: SageMakerModelBackend, config_name: str, now: datetime) -> Deployment:
    """The model a configuration deploys, loaded from its artefact in S3."""
    config = backend.endpoint_configs.get(config_name)
    if config is None or not config.production_variants:
        raise DeployFailed(f"Could not find endpoint configuration '{config_name}'.")
    variant = config.production_variants[0]
    model = backend._models.get(variant["ModelName"])
    if model is None:
        raise DeployFailed(f"Could not find model '{variant['ModelName']}'.")
    container = model_container(backend, model)
    url = container.get("ModelDataUrl")
    if not url:
        raise DeployFailed(f"Model {model.model_name} has no ModelDataUrl.")
    try:
        data = S3Store(backend.account_id, backend.region_name).read(url)
    except StoreError as error:
        raise DeployFailed(f'Could not find model data at "{url}": {error}.') from error
    try:
        loaded = linear.unpack(data, url)
    except linear.ArtifactError as error:
        raise DeployFailed(
            f'Failed to extract model data archive from URL "{url}". Please ensure that the '
            f"object located at the URL is a valid tar.gz archive. ({error})"
        ) from error
    summaries = [variant_summary(backend, v, now) for v in config.production_variants]
    return Deployment(config_name, variant["VariantName"], loaded, summaries)


def model_container(backend: SageMakerModelBackend, model: Any) -> dict[str, Any]:
    """The container a Model runs: its own, or, for a Model created from a model package
    (`ModelPackageName`), the package's InferenceSpecification container."""
    container = dict(model.primary_container or (model.containers or [{}])[0])
    package = container.get("ModelPackageName")
    if not package:
        return container
    try:
        return {**registry.container_of(backend, package), **container}
    except SageMakerValidationError as error:
        raise DeployFailed(
            f"Could not find model package '{package}' of model {model.model_name}: {error}"
        ) from error


def config_of(backend: SageMakerModelBackend, name: str) -> FakeEndpointConfig:
    config = backend.endpoint_configs.get(name)
    if config is None:
        arn = FakeEndpointConfig.arn_formatter(name, backend.account_id, backend.region_name)
        raise validation_error(f"Could not find endpoint configuration '{arn}'.")
    return config


def variant_name(backend: SageMakerModelBackend, config_name: str) -> str:
    config = backend.endpoint_configs.get(config_name)
    variants = config.production_variants if config is not None else []
    return str(variants[0]["VariantName"]) if variants else "AllTraffic"


def image_of(backend: SageMakerModelBackend, variant: dict[str, Any]) -> str | None:
    model = backend._models.get(variant.get("ModelName", ""))
    if model is None:
        return None
    try:
        image = model_container(backend, model).get("Image")
    except DeployFailed:
        return None
    return str(image) if image else None


def pending_summary(
    backend: SageMakerModelBackend, config: FakeEndpointConfig, now: datetime
) -> dict[str, Any]:
    """DescribeEndpoint's PendingDeploymentSummary for a deployment of `config`."""
    variants = []
    for variant in config.production_variants:
        image = image_of(backend, variant)
        variants.append(
            {
                "VariantName": variant["VariantName"],
                "DeployedImages": [{"SpecifiedImage": image}] if image else None,
                "DesiredWeight": float(variant.get("InitialVariantWeight", 1.0)),
                "DesiredInstanceCount": variant.get("InitialInstanceCount"),
                "InstanceType": variant.get("InstanceType"),
                "VariantStatus": [
                    {"Status": "Creating", "StatusMessage": "Launching instances", "StartTime": now}
                ],
            }
        )
    return without_none(
        {
            "EndpointConfigName": config.endpoint_config_name,
            "ProductionVariants": variants,
            "StartTime": now,
        }
    )


def variant_summary(
    backend: SageMakerModelBackend, variant: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """DescribeEndpoint's ProductionVariantSummary of a deployed variant."""
    image = image_of(backend, variant)
    weight = float(variant.get("InitialVariantWeight", 1.0))
    count = variant.get("InitialInstanceCount")
    return without_none(
        {
            "VariantName": variant["VariantName"],
            "DeployedImages": [{"SpecifiedImage": image, "ResolutionTime": now}] if image else None,
            "CurrentWeight": weight,
            "DesiredWeight": weight,
            "CurrentInstanceCount": count,
            "DesiredInstanceCount": count,
        }
    )


def without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_none(v) for v in value]
    return value


def event_status(status: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", status).upper()


def model_error(account: str, region: str, name: str, error: linear.InferenceError) -> ModelError:
    group = f"/aws/sagemaker/Endpoints/{name}"
    console = (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}"
        f"#logEventViewer:group={group}"
    )
    # "primary" is the container, whatever the variant is called.
    message = (
        f"Received client error ({error.status}) from primary with message "
        f'"{json.dumps(str(error))[1:-1]}". See {console} in account {account} '
        "for more information."
    )
    return ModelError(
        message,
        original_status=error.status,
        original_message=str(error),
        log_stream=f"arn:aws:logs:{region}:{account}:log-group:{group}",
    )
