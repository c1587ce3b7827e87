"""`make plan` and the program runner the embedded runtime reuses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from localcloud import plan
from localcloud.deploy.pulumi_program import (
    SECRET_MASK,
    UNDECRYPTABLE_SECRET,
    ProgramFailed,
    ProgramRun,
    load_stack_config,
)
from tests.infra.conftest import TEST_TOKEN, run_stack

pytestmark = pytest.mark.unit


def test_plan_prints_a_table_and_writes_the_resources(tmp_path: Path, capsys) -> None:
    assert plan.main(["--stack", "dev", "--out-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "aws:lambda:Function" in printed
    assert "handler=functions.check_data.handler" in printed
    entries = json.loads((tmp_path / "plan-dev.json").read_text())
    assert all(set(e) == {"type", "name", "inputs"} for e in entries)
    policies = [e for e in entries if e["type"] == "aws:iam/rolePolicy:RolePolicy"]
    assert policies and all(isinstance(e["inputs"]["policy"], dict) for e in policies)
    (machine,) = [e for e in entries if e["type"] == "aws:sfn/stateMachine:StateMachine"]
    assert isinstance(machine["inputs"]["definition"], dict)
    functions = [e for e in entries if e["type"] == "aws:lambda/function:Function"]
    assert {e["inputs"]["code"]["fileArchive"] for e in functions} == {"out/build/functions.zip"}
    assert all(isinstance(e["inputs"]["timeout"], int) for e in functions)


def test_plan_masks_secrets(runs: dict[str, ProgramRun]) -> None:
    entries = plan.plan_entries(runs["prod"])
    (version,) = [
        e for e in entries if e["type"] == "aws:secretsmanager/secretVersion:SecretVersion"
    ]
    assert version["inputs"]["secretString"] == SECRET_MASK
    assert TEST_TOKEN not in json.dumps(entries)


def test_plan_reports_config_errors_by_key(capsys) -> None:
    with pytest.raises(ProgramFailed) as caught:
        run_stack("dev", config_overrides={"retraining:trainingWindowDays": "x"})
    assert 'retraining:trainingWindowDays must be an integer from 1 to 36500, got "x"' in str(
        caught.value.__cause__
    )
    # The runtime is left clean: the next run works.
    assert run_stack("prod").outputs["region"] == "eu-west-1"


def test_a_plain_text_token_is_refused() -> None:
    with pytest.raises(ProgramFailed) as caught:
        run_stack("dev", config_overrides={"retraining:slackToken": TEST_TOKEN})
    message = str(caught.value.__cause__)
    assert "retraining:slackToken is stored in plain text in Pulumi.dev.yaml" in message
    assert TEST_TOKEN not in message


def test_an_unknown_stack_is_refused(tmp_path: Path, capsys) -> None:
    assert plan.main(["--stack", "staging", "--out-dir", str(tmp_path)]) == 2
    assert "Pulumi.staging.yaml" in capsys.readouterr().err


def test_secure_config_values_stay_secret(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.demo.yaml").write_text(
        "config:\n"
        "  aws:region: eu-west-1\n"
        "  retraining:slackToken:\n"
        "    secure: v1:AAAABBBBCCCC\n"
        "  retraining:trainingWindowDays: 7\n"
        "  retraining:slackEnabled: true\n"
        "  retraining:tags:\n"
        "    team: ml\n"
    )
    config = load_stack_config(
        "demo", project_root=tmp_path, overrides={"retraining:logLevel": "DEBUG"}
    )
    assert config.values == {
        "aws:region": "eu-west-1",
        "retraining:slackToken": UNDECRYPTABLE_SECRET,
        "retraining:trainingWindowDays": "7",
        "retraining:slackEnabled": "true",
        "retraining:tags": '{"team": "ml"}',
        "retraining:logLevel": "DEBUG",
    }
    assert config.secret_keys == {"retraining:slackToken"}
