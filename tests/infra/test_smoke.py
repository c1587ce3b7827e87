"""`python -m infra.smoke`, run against the real program deployed into moto.

The deploy workflows pipe `pulumi stack output --json` into it right after `pulumi up`; here
the outputs come from the same program deployed into the embedded AWS, so a healthy stack
passes, and each kind of damage (an edited definition, a deleted function, a missing output,
an undeclared model) is named.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra import outputs as out
from infra.smoke import definition_diff, main, smoke_check
from localcloud.deploy.stack import Deployment, deploy_stack

pytestmark = pytest.mark.unit

SECRETS = {"retraining:slackToken": "xoxb-smoke-test"}


@pytest.fixture(scope="module")
def dev() -> Iterator[Deployment]:
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield deploy_stack("dev", secret_overrides=SECRETS)


def _outputs(deployment: Deployment) -> dict[str, Any]:
    # What `pulumi stack output --json` prints: plain JSON.
    return json.loads(json.dumps(deployment.outputs))


def _model(outputs: dict[str, Any]) -> dict[str, Any]:
    (model,) = outputs[out.MODELS].values()
    return model


def _run(outputs: Any, *extra: str) -> tuple[int, str, str]:
    stdin = io.StringIO(outputs if isinstance(outputs, str) else json.dumps(outputs))
    captured_out, captured_err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(captured_out), contextlib.redirect_stderr(captured_err):
        code = main(["--stack", "dev", *extra], stdin=stdin)
    return code, captured_out.getvalue(), captured_err.getvalue()


def test_a_freshly_deployed_stack_passes(dev: Deployment) -> None:
    code, stdout, stderr = _run(_outputs(dev))
    assert (code, stderr) == (0, "")
    assert "definitions match" in stdout


def test_an_edited_definition_is_reported_with_a_diff(dev: Deployment) -> None:
    arn = _model(_outputs(dev))[out.STATE_MACHINE_ARN]
    sfn = boto3.client("stepfunctions", region_name=dev.region)
    original = sfn.describe_state_machine(stateMachineArn=arn)["definition"]
    edited = json.loads(original)
    edited["TimeoutSeconds"] = 60
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(edited))
    try:
        code, _, stderr = _run(_outputs(dev))
    finally:
        sfn.update_state_machine(stateMachineArn=arn, definition=original)
    assert code == 1
    assert "differs from the repository's rendering" in stderr
    assert '+  "TimeoutSeconds": 60' in stderr
    assert _run(_outputs(dev))[0] == 0


def test_a_missing_function_is_named(dev: Deployment) -> None:
    outputs = _outputs(dev)
    arns = _model(outputs)[out.FUNCTION_ARNS]
    key = sorted(arns)[0]
    arns[key] = arns[key] + "-gone"
    # The definition then names an ARN that was not deployed either: both are reported.
    problems = smoke_check("dev", outputs)
    assert any(p.startswith(f"function {key} ") for p in problems), problems
    assert any("differs from the repository's rendering" in p for p in problems)


@pytest.mark.parametrize("key", out.MODEL_OUTPUT_KEYS)
def test_a_missing_model_output_is_unusable_input_naming_it(dev: Deployment, key: str) -> None:
    outputs = _outputs(dev)
    del _model(outputs)[key]
    code, _, stderr = _run(outputs)
    assert code == 2
    assert key in stderr and "unusable input" in stderr


def test_stack_level_outputs_are_required(dev: Deployment) -> None:
    for key in (out.REGION, out.MODELS):
        outputs = _outputs(dev)
        del outputs[key]
        code, _, stderr = _run(outputs)
        assert code == 2 and f"output {key!r} is missing" in stderr


def test_models_must_match_the_stack_file(dev: Deployment) -> None:
    outputs = _outputs(dev)
    models = outputs[out.MODELS]
    (name,) = models
    models["churn"] = copy.deepcopy(models[name])
    problems = smoke_check("dev", outputs)
    assert "model 'churn' is deployed but no longer declared in Pulumi.dev.yaml" in problems
    del models[name]
    problems = smoke_check("dev", outputs)
    assert f"model {name!r} is declared in Pulumi.dev.yaml but not deployed" in problems


def test_a_region_mismatch_is_reported(dev: Deployment) -> None:
    outputs = _outputs(dev)
    outputs[out.REGION] = "us-east-2"
    problems = smoke_check("dev", outputs)
    assert any(p.startswith("output region is 'us-east-2'") for p in problems), problems


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "Expecting value"),
        ("[1, 2]", "expected a JSON object of stack outputs, got list"),
        ('{"region": "eu-west-1", "models": {}}', "must be a non-empty object"),
    ],
)
def test_unusable_input_exits_2(text: str, message: str) -> None:
    code, _, stderr = _run(text)
    assert code == 2
    assert message in stderr


def test_an_unknown_stack_file_is_named(dev: Deployment, tmp_path: Any, capsys: Any) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(_outputs(dev)), encoding="utf-8")
    assert main(["--stack", "staging", "--outputs", str(outputs)]) == 2
    assert "Pulumi.staging.yaml" in capsys.readouterr().err


def test_an_unreadable_outputs_file_is_named(tmp_path: Any, capsys: Any) -> None:
    missing = tmp_path / "missing.json"
    assert main(["--stack", "dev", "--outputs", str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err


def test_definition_diff_ignores_formatting_only() -> None:
    assert definition_diff('{"a": 1, "b": [1, 2]}', '{"b":[1,2],"a":1}') == []
    diff = definition_diff('{"a": 2}', '{"a": 1}')
    assert '-  "a": 1' in diff and '+  "a": 2' in diff
    assert definition_diff("{", "{}")[0].startswith("the deployed definition is not JSON")
