"""The program's components take `opts` as Pulumi components do, and register their outputs."""

from __future__ import annotations

import pulumi
import pytest

from infra import program
from infra.alarms import AlarmTopic
from infra.archives import build_function_package
from infra.config import load_settings
from infra.context import resolve_context
from infra.lambda_function import FunctionDeployment
from infra.model_pipeline import ModelPipeline, ModelPipelineArgs, SharedResources
from infra.slack import SlackTokenSecret
from infra.storage import DataBucket
from tests.infra.conftest import TOKEN, run_stack

pytestmark = pytest.mark.unit


def _under_a_parent() -> None:
    """The stack's components, each under one parent given through `opts`."""
    settings = load_settings()
    context = resolve_context(settings)
    parent = pulumi.ComponentResource("test:index:Parent", "parent")
    opts = pulumi.ResourceOptions(parent=parent)
    bucket = DataBucket("data", context, eventbridge_notifications=True, opts=opts)
    secret = SlackTokenSecret("slack-token", context, opts)
    topic = AlarmTopic("alarms", context, opts)
    (model,) = settings.models
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
        slack_layer_arn=pulumi.Output.from_input(
            "arn:aws:lambda:eu-west-1:123456789012:layer:retraining-prod-slack-sdk:1"
        ),
        slack_secret_arn=secret.arn,
        alarm_topic_arn=topic.arn,
    )
    image = program._AlgorithmImages(context).for_model(model)
    pipeline = ModelPipeline(model.name, ModelPipelineArgs(context, model, shared, image), opts)
    pulumi.export("bucket", bucket.bucket_output)
    pulumi.export("secret", secret.arn)
    pulumi.export("topic", topic.arn)
    pulumi.export("pipeline", pipeline.outputs)


def test_components_accept_opts_and_register_their_outputs() -> None:
    run = run_stack("prod", secret_overrides=TOKEN, program=_under_a_parent)
    (parent,) = [r for r in run.resources if r.type == "test:index:Parent"]
    components = {
        r.type: r
        for r in run.resources
        if r.type.startswith("retraining:") and r.type.count(":") == 2 and not r.custom
    }
    for kind in (
        "retraining:storage:DataBucket",
        "retraining:notifications:SlackTokenSecret",
        "retraining:alarms:AlarmTopic",
        "retraining:pipeline:ModelPipeline",
    ):
        assert components[kind].options.parent.endswith("test:index:Parent::parent"), kind
    assert parent.options.parent.endswith("pulumi:pulumi:Stack::retraining-prod")
    # The Outputs resolve to what the mocked provider answered.
    assert run.outputs["bucket"] == "retraining-prod-123456789012-eu-west-1"
    assert run.outputs["secret"].startswith("arn:aws:secretsmanager:eu-west-1:123456789012:")
    assert run.outputs["topic"] == "arn:aws:sns:eu-west-1:123456789012:retraining-prod-alarms"
    assert run.outputs["pipeline"]["endpointName"] == "prod--linear-learner"
