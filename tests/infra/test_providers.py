"""The stack's explicit AWS providers: region, allowed accounts and tags as default tags.

Every resource and lookup goes through one of them: the stack's provider for what the
models share, a provider per model (its default tags add `model`) for the model's own
resources. No resource repeats the tags: they come from the provider.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi_aws as aws
import pytest

from infra.context import MODEL_TAG, STACK_PROVIDER_NAME
from localcloud.deploy.pulumi_program import ProgramRun, RecordedResource
from tests.infra.conftest import TOKEN, run_stack

pytestmark = pytest.mark.unit

PROVIDER_TYPE = "pulumi:providers:aws"
# The tags Pulumi.<stack>.yaml configures (retraining:tags) and the project's own.
CONFIGURED_TAGS = {
    "dev": {"environment": "dev", "cost-center": "ml-platform"},
    "prod": {"environment": "prod", "cost-center": "ml-platform"},
}


def _providers(run: ProgramRun) -> dict[str, RecordedResource]:
    return {p.name: p for p in run.of_type(PROVIDER_TYPE)}


def _default_tags(provider: RecordedResource) -> dict[str, str]:
    # The engine receives provider config as strings: objects as JSON text.
    return json.loads(provider.inputs["defaultTags"])["tags"]


def _provider_name(reference: str) -> str:
    # A provider reference is `<provider's URN>::<id>`; the URN ends with its logical name.
    urn, _, _ = reference.rpartition("::")
    return urn.rpartition("::")[2]


def _taggable(resource_type: str) -> bool:
    """Whether pulumi_aws's class for the type has `tags_all` (the provider's merge)."""
    _package, module, name = resource_type.split(":")
    namespace = getattr(aws, module.split("/")[0].replace("lambda", "lambda_"))
    return hasattr(getattr(namespace, name), "tags_all")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_provider_has_the_region_and_the_stacks_default_tags(
    runs: dict[str, ProgramRun], stack: str
) -> None:
    providers = _providers(runs[stack])
    model = "linear-learner"
    assert set(providers) == {STACK_PROVIDER_NAME, f"{model}-{STACK_PROVIDER_NAME}"}
    expected = {"project": "retraining", "stack": stack, "managed-by": "pulumi"}
    expected |= CONFIGURED_TAGS[stack]
    assert _default_tags(providers[STACK_PROVIDER_NAME]) == expected
    assert _default_tags(providers[f"{model}-{STACK_PROVIDER_NAME}"]) == {
        **expected,
        MODEL_TAG: model,
    }
    for provider in providers.values():
        assert provider.inputs["region"] == "eu-west-1"
        # The stack files leave aws:allowedAccountIds commented out: any account.
        assert "allowedAccountIds" not in provider.inputs


def test_allowed_account_ids_reach_every_provider() -> None:
    run = run_stack(
        "dev",
        config_overrides={"aws:allowedAccountIds": '["111122223333", "012345678901"]'},
        secret_overrides=TOKEN,
    )
    providers = _providers(run)
    assert len(providers) == 2
    for provider in providers.values():
        assert json.loads(provider.inputs["allowedAccountIds"]) == [
            "111122223333",
            "012345678901",
        ]


def test_a_bad_allowed_account_id_is_refused_naming_the_key() -> None:
    with pytest.raises(Exception) as caught:
        run_stack("dev", config_overrides={"aws:allowedAccountIds": "[123456789012]"})
    message = str(caught.value.__cause__)
    assert "aws:allowedAccountIds" in message and "quote it in YAML" in message


def test_every_resource_and_lookup_goes_through_the_right_provider(
    variant_run: ProgramRun, runs: dict[str, ProgramRun]
) -> None:
    # The variant has two models: each model's resources use that model's provider.
    for run in (variant_run, *runs.values()):
        models = [name.removesuffix(f"-{STACK_PROVIDER_NAME}") for name in _providers(run)]
        models.remove(STACK_PROVIDER_NAME)
        resources = [r for r in run.resources if r.custom and r.type != PROVIDER_TYPE]
        assert resources
        for resource in resources:
            owner = next((m for m in models if resource.name.startswith(f"{m}-")), None)
            expected = f"{owner}-{STACK_PROVIDER_NAME}" if owner else STACK_PROVIDER_NAME
            assert _provider_name(resource.provider) == expected, (resource.type, resource.name)
        assert run.calls
        for call in run.calls:
            assert _provider_name(call.provider) == STACK_PROVIDER_NAME, call.token


def test_no_resource_repeats_the_tags_and_every_taggable_one_gets_them(
    all_runs: dict[str, ProgramRun],
) -> None:
    for run in all_runs.values():
        providers = _providers(run)
        taggable = 0
        for resource in run.resources:
            if not resource.custom or resource.type == PROVIDER_TYPE:
                continue
            assert "tags" not in resource.inputs, (resource.type, resource.name)
            if _taggable(resource.type):
                taggable += 1
                tags: dict[str, Any] = _default_tags(providers[_provider_name(resource.provider)])
                assert {"project", "stack", "managed-by"} <= set(tags)
        assert taggable >= 10  # functions, roles, log groups, queues, the state machine, ...


def test_every_taggable_resource_of_a_model_carries_its_model_tag(
    variant_run: ProgramRun,
) -> None:
    providers = _providers(variant_run)
    for model in ("demand", "churn"):
        mine = [
            r
            for r in variant_run.resources
            if r.custom
            and r.type != PROVIDER_TYPE
            and r.name.startswith(f"{model}-")
            and _taggable(r.type)
        ]
        types = {r.type for r in mine}
        assert {
            "aws:lambda/function:Function",
            "aws:sfn/stateMachine:StateMachine",
            "aws:cloudwatch/logGroup:LogGroup",
            "aws:cloudwatch/eventRule:EventRule",
        } <= types
        for resource in mine:
            tags = _default_tags(providers[_provider_name(resource.provider)])
            assert tags[MODEL_TAG] == model, (resource.type, resource.name)
