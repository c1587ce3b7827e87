"""The deployed definition: the real pipeline with this stack's function ARNs, lint-clean."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from statelint.linter import Linter

from contract import lambdas
from infra.config import parse_settings, pipeline_options
from infra.definition import DefinitionError, render_definition
from localcloud.deploy.pulumi_program import REPO_ROOT, ProgramRun, load_stack_config
from localcloud.plan import plan_entries

pytestmark = pytest.mark.unit


def definition_of(run: ProgramRun, model: str = "linear-learner") -> dict[str, Any]:
    machines = {r.inputs["name"]: r for r in run.of_type("aws:sfn/stateMachine:StateMachine")}
    return json.loads(machines[f"retraining-{run.stack}-{model}"].inputs["definition"])


def lambda_arns_in(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value} if value.startswith("arn:aws:lambda:") else set()
    if isinstance(value, dict):
        return set().union(*(lambda_arns_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(lambda_arns_in(v) for v in value)) if value else set()
    return set()


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_pipeline_function_is_resolved_to_this_stacks_arn(
    runs: dict[str, ProgramRun], stack: str
) -> None:
    definition = definition_of(runs[stack])
    function_arns = runs[stack].outputs["models"]["linear-learner"]["functionArns"]
    expected = {function_arns[spec.key] for spec in lambdas.PIPELINE_FUNCTIONS}
    assert lambda_arns_in(definition) == expected


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_definition_passes_statelint(runs: dict[str, ProgramRun], stack: str) -> None:
    assert Linter.validate(definition_of(runs[stack])) == []


def test_definitions_follow_each_models_settings(variant_run: ProgramRun) -> None:
    demand, churn = definition_of(variant_run, "demand"), definition_of(variant_run, "churn")
    assert lambda_arns_in(demand).isdisjoint(lambda_arns_in(churn))


def test_rendering_is_deterministic() -> None:
    settings = parse_settings(load_stack_config("prod").values, stack="prod")
    options = pipeline_options(settings.models[0])
    arns = {
        s.key: f"arn:aws:lambda:eu-west-1:123456789012:function:{s.key}"
        for s in lambdas.PIPELINE_FUNCTIONS
    }
    first = render_definition(options, arns)
    assert render_definition(options, dict(reversed(list(arns.items())))) == first


def test_a_missing_function_arn_is_an_error() -> None:
    settings = parse_settings(load_stack_config("dev").values, stack="dev")
    options = pipeline_options(settings.models[0])
    with pytest.raises(DefinitionError):
        render_definition(options, {"check_data": "arn:aws:lambda:eu-west-1:1:function:x"})


def test_plans_are_identical_across_processes_and_hash_seeds(
    plans: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """Same config → byte-identical plan (definition, policies, archive hashes), whatever
    PYTHONHASHSEED says: no set or dict ordering leaks into what Pulumi compares."""
    processes = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = {**os.environ, "PYTHONHASHSEED": seed}
        command = [
            sys.executable,
            "-m",
            "localcloud.plan",
            "--stack",
            "prod",
            "--out-dir",
            str(out),
        ]
        processes.append(
            (out, subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL))
        )
    written = []
    for out, process in processes:
        assert process.wait(timeout=120) == 0
        written.append((out / "plan-prod.json").read_bytes())
    assert written[0] == written[1]
    in_process = json.loads(written[0])
    # In process the Slack token is configured: same plan plus its secret version.
    assert [
        e for e in plans["prod"] if e["type"] != "aws:secretsmanager/secretVersion:SecretVersion"
    ] == in_process


def test_plan_entries_are_sorted(runs: dict[str, ProgramRun]) -> None:
    entries = plan_entries(runs["dev"])
    assert entries == sorted(entries, key=lambda e: (e["name"], e["type"]))
