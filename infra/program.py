"""The Pulumi program: `define_stack()` declares a whole stack from its configuration.

`infra/__main__.py` (what `pulumi up` runs), the tests and the embedded runtime all call
this one function. Stack outputs:

- `region`
- `models`: per model name, `bucket`, `stateMachineArn`, `stateMachineConsoleUrl`,
  `endpointName`, `markerParameter`, `dataPrefix` and `functionArns` (function key → ARN).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra import outputs as out
from infra.alarms import AlarmTopic
from infra.archives import (
    BuiltArchive,
    build_function_package,
    build_slack_layer,
    slack_sdk_version,
)
from infra.arns import parse_ecr_image
from infra.config import ModelSettings, load_settings
from infra.context import DeployContext, resolve_context
from infra.lambda_function import ARCHITECTURE, RUNTIME, FunctionDeployment
from infra.model_pipeline import AlgorithmImage, ModelPipeline, ModelPipelineArgs, SharedResources
from infra.slack import SlackTokenSecret
from infra.storage import DataBucket

# SageMaker's built-in Linear Learner, resolved per region at deploy time.
DEFAULT_ALGORITHM_REPOSITORY = "linear-learner"
DEFAULT_ALGORITHM_TAG = "1"


def define_stack() -> None:
    settings = load_settings()
    context = resolve_context(settings)
    bucket = DataBucket(
        "data",
        context,
        eventbridge_notifications=any(m.upload_trigger_enabled for m in settings.models),
        opts=context.options,
    )
    layer = _slack_layer(context, build_slack_layer())
    secret = (
        SlackTokenSecret("slack-token", context, opts=context.options)
        if settings.slack_enabled
        else None
    )
    topic = AlarmTopic("alarms", context, opts=context.options) if settings.alarm_enabled else None
    shared = SharedResources(
        bucket=bucket.name,
        bucket_output=bucket.bucket_output,
        deployment=FunctionDeployment(
            package=build_function_package(),
            log_level=settings.log_level,
            log_retention_days=settings.log_retention_days,
            tracing=settings.tracing_enabled,
            arns=context.arns,
        ),
        slack_layer_arn=layer.arn,
        slack_secret_arn=secret.arn if secret is not None else None,
        alarm_topic_arn=topic.arn if topic is not None else None,
    )
    images = _AlgorithmImages(context)
    pipelines = {
        model.name: ModelPipeline(
            model.name,
            ModelPipelineArgs(context, model, shared, images.for_model(model)),
            opts=context.model_options(model.name),
        )
        for model in settings.models
    }
    pulumi.export(out.REGION, context.arns.region)
    pulumi.export(out.MODELS, {name: p.outputs for name, p in sorted(pipelines.items())})


def _slack_layer(context: DeployContext, archive: BuiltArchive) -> aws.lambda_.LayerVersion:
    return aws.lambda_.LayerVersion(
        "slack-sdk",
        layer_name=context.names.slack_layer,
        description=f"slack_sdk {slack_sdk_version()} (from uv.lock)",
        code=pulumi.FileArchive(str(archive.path)),
        # A layer version is immutable: only a changed archive may publish a new one.
        source_code_hash=archive.sha256_base64,
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        opts=pulumi.ResourceOptions(provider=context.provider),
    )


class _AlgorithmImages:
    """Each model's image: its `algorithmImage`, else the region's Linear Learner (looked
    up once per stack)."""

    def __init__(self, context: DeployContext) -> None:
        self._context = context
        self._default: AlgorithmImage | None = None

    def for_model(self, model: ModelSettings) -> AlgorithmImage:
        arns = self._context.arns
        if model.algorithm_image is not None:
            parsed = parse_ecr_image(model.algorithm_image)
            assert parsed is not None, "validated by infra.config"
            registry, region, repository = parsed
            return AlgorithmImage(
                model.algorithm_image, arns.ecr_repository(registry, region, repository)
            )
        if self._default is None:
            found = aws.sagemaker.get_prebuilt_ecr_image(
                repository_name=DEFAULT_ALGORITHM_REPOSITORY,
                image_tag=DEFAULT_ALGORITHM_TAG,
                opts=pulumi.InvokeOptions(provider=self._context.provider),
            )
            self._default = AlgorithmImage(
                found.registry_path,
                arns.ecr_repository(found.registry_id, arns.region, DEFAULT_ALGORITHM_REPOSITORY),
            )
        return self._default
