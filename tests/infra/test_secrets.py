"""The Slack token never appears in plain text: not in inputs, outputs, env or warnings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from localcloud.deploy.pulumi_program import ProgramRun, is_secret_value, masked
from tests.infra.conftest import EXISTING_SECRET_ARN, TEST_TOKEN

pytestmark = pytest.mark.unit


def plain_parts(value: Any) -> Any:
    """`value` without the secret-wrapped parts (where the token may legitimately be)."""
    if is_secret_value(value):
        return None
    if isinstance(value, dict):
        return {k: plain_parts(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain_parts(v) for v in value]
    return value


def text_of(value: Any) -> str:
    return json.dumps(value, default=repr)


def test_the_token_appears_only_inside_secret_values(runs: dict[str, ProgramRun]) -> None:
    for run in runs.values():
        for resource in run.resources:
            assert TEST_TOKEN not in text_of(plain_parts(resource.inputs)), resource.name
            assert TEST_TOKEN not in text_of(plain_parts(resource.state)), resource.name
        assert TEST_TOKEN not in text_of(run.outputs)
        assert TEST_TOKEN not in text_of(run.warnings)
        assert TEST_TOKEN not in text_of([c.args for c in run.calls])


def test_the_token_is_the_value_of_the_secret_the_stack_creates(
    runs: dict[str, ProgramRun],
) -> None:
    for run in runs.values():
        (version,) = run.of_type("aws:secretsmanager/secretVersion:SecretVersion")
        value = version.inputs["secretString"]
        assert is_secret_value(value) and value["value"] == TEST_TOKEN
        assert masked(version.inputs)["secretString"] == "[secret]"
        (secret,) = run.of_type("aws:secretsmanager/secret:Secret")
        assert version.inputs["secretId"] == secret.state["id"]


def test_without_a_token_the_secret_is_created_empty_with_a_warning(
    run_without_token: ProgramRun,
) -> None:
    assert run_without_token.of_type("aws:secretsmanager/secret:Secret")
    assert not run_without_token.of_type("aws:secretsmanager/secretVersion:SecretVersion")
    (warning,) = [w for w in run_without_token.warnings if "slack" in w.lower()]
    assert "aws secretsmanager put-secret-value" in warning


def test_an_existing_secret_is_referred_to_not_created(variant_run: ProgramRun) -> None:
    assert not variant_run.of_type("aws:secretsmanager/secret:Secret")
    for resource in variant_run.of_type("aws:lambda/function:Function"):
        variables = resource.inputs["environment"]["variables"]
        if "SLACK_ENABLED" in variables:
            assert variables["SLACK_TOKEN_SECRET_ARN"] == EXISTING_SECRET_ARN
    readers = [
        json.loads(p.inputs["policy"])
        for p in variant_run.of_type("aws:iam/rolePolicy:RolePolicy")
        if "secretsmanager" in p.inputs["policy"]
    ]
    assert len(readers) == 2  # notify_slack of each model
    for policy in readers:
        (statement,) = [s for s in policy["Statement"] if s["Sid"] == "ReadSlackToken"]
        assert statement["Resource"] == [EXISTING_SECRET_ARN]


def test_no_environment_variable_carries_a_secret(all_runs: dict[str, ProgramRun]) -> None:
    for run in all_runs.values():
        for resource in run.of_type("aws:lambda/function:Function"):
            for name, value in resource.inputs["environment"]["variables"].items():
                assert not is_secret_value(value), name
                assert "TOKEN" not in name or name == "SLACK_TOKEN_SECRET_ARN"
