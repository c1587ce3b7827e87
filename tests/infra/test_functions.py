"""The Lambda functions: environment, packaging, logging, runtime settings."""

from __future__ import annotations

import ast
import base64
import hashlib
import zipfile
from pathlib import Path

import pulumi
import pytest

from contract import lambdas
from infra.archives import (
    FIXED_TIMESTAMP,
    REPO_ROOT,
    build_function_package,
    build_slack_layer,
    function_package_entries,
    zip_bytes,
)
from localcloud.deploy.pulumi_program import ProgramRun
from tests import source_trees

pytestmark = pytest.mark.unit


def functions_of(run: ProgramRun) -> dict[str, dict]:
    """Each declared function's inputs, by its key (the name's suffix)."""
    found = {}
    for resource in run.of_type("aws:lambda/function:Function"):
        handler = resource.inputs["handler"]
        module = handler.removeprefix("functions.").removesuffix(".handler")
        (spec,) = [s for s in lambdas.ALL_FUNCTIONS if s.key == module]
        found[spec.key] = resource.inputs
    return found


def test_each_function_gets_exactly_its_declared_variables(
    all_runs: dict[str, ProgramRun],
) -> None:
    for run_name, run in all_runs.items():
        for key, inputs in functions_of(run).items():
            spec = lambdas.BY_KEY[key]
            variables = set(inputs["environment"]["variables"])
            required = {v.name for v in spec.variables if v.required}
            assert required <= variables, (run_name, key)
            assert variables <= set(spec.variable_names), (run_name, key)


def test_optional_variables_are_set_when_configured(runs: dict[str, ProgramRun]) -> None:
    dev, prod = functions_of(runs["dev"]), functions_of(runs["prod"])
    # dev trains on spot: SageMaker needs the max wait; prod does not.
    assert "TRAINING_MAX_WAIT_SECONDS" in dev["start_training_job"]["environment"]["variables"]
    assert "TRAINING_MAX_WAIT_SECONDS" not in prod["start_training_job"]["environment"]["variables"]
    # Slack is on in both: the token's secret is named, the API URL is not overridden.
    for functions in (dev, prod):
        variables = functions["notify_slack"]["environment"]["variables"]
        assert variables["SLACK_ENABLED"] == "true"
        assert variables["SLACK_TOKEN_SECRET_ARN"].startswith("arn:aws:secretsmanager:")
        assert "SLACK_API_URL" not in variables


def test_the_embedded_runtime_can_point_slack_elsewhere() -> None:
    from tests.infra.conftest import run_stack

    run = run_stack(
        "dev", config_overrides={"retraining:slackApiUrl": "http://127.0.0.1:8765/api/"}
    )
    variables = functions_of(run)["notify_slack"]["environment"]["variables"]
    assert variables["SLACK_API_URL"] == "http://127.0.0.1:8765/api/"


def test_variables_hold_values_from_config(runs: dict[str, ProgramRun]) -> None:
    dev = functions_of(runs["dev"])
    check = dev["check_data"]["environment"]["variables"]
    assert check == {
        "BUCKET": "retraining-dev-123456789012-eu-west-1",
        "CHANGED_HISTORY": "retrain",  # the default of the model's `changedHistory`
        "DATA_PREFIX": "data/linear-learner/train/",
        "DRIFT_THRESHOLD": "3.0",  # the default of the model's `driftThreshold`
        "ENDPOINT_NAME": "dev--linear-learner",  # is it InService? what does it serve?
        "HOLDOUT_DAYS": "1",  # Pulumi.dev.yaml's `holdoutDays`: the quality gate's holdout
        "LOG_LEVEL": "DEBUG",
        "MANIFEST_PREFIX": "data/linear-learner/manifests/",
        "MARKER_PARAMETER": "/retraining/dev/models/linear-learner/train/latest",
        "MODEL_NAME": "linear-learner",
        "MODEL_PACKAGE_GROUP": "dev--linear-learner",  # a rollback's versions (functions.rollback)
        "RUN_LOCK_KEY": "data/linear-learner/lock/run.lock",
        "RUN_TIMEOUT_SECONDS": "30600",
        "STACK_NAME": "dev",
        "TIME_ZONE": "Europe/Paris",
        "TRAINING_WINDOW_DAYS": "14",
    }
    gate = dev["evaluate_model"]["environment"]["variables"]
    assert (gate["QUALITY_METRIC"], gate["QUALITY_MAX_REGRESSION_PERCENT"]) == ("rmse", "10.0")
    assert "QUALITY_MAX_SCORE" not in gate  # unset: no absolute bound
    assert gate["DRIFT_ACTION"] == "warn"  # the default of `driftAction`: a shift only warns
    prod_gate = functions_of(runs["prod"])["evaluate_model"]["environment"]["variables"]
    assert prod_gate["QUALITY_MAX_REGRESSION_PERCENT"] == "2.0"
    training = dev["start_training_job"]["environment"]["variables"]
    assert training["TRAINING_IMAGE"].endswith(".dkr.ecr.eu-west-1.amazonaws.com/linear-learner:1")
    assert training["SAGEMAKER_ROLE_ARN"] == (
        "arn:aws:iam::123456789012:role/retraining-dev-linear-learner-sagemaker"
    )
    debounce = dev["debounce_upload"]["environment"]["variables"]
    assert (
        debounce["STATE_MACHINE_ARN"]
        == (runs["dev"].outputs["models"]["linear-learner"]["stateMachineArn"])
    )
    assert debounce["SCHEDULE_GROUP"] == "retraining-dev-linear-learner"


def test_runtime_logging_and_tracing(runs: dict[str, ProgramRun]) -> None:
    for stack, tracing in (("dev", "PassThrough"), ("prod", "Active")):
        groups = {r.inputs["name"] for r in runs[stack].of_type("aws:cloudwatch/logGroup:LogGroup")}
        for key, inputs in functions_of(runs[stack]).items():
            spec = lambdas.BY_KEY[key]
            assert inputs["runtime"] == "python3.14"
            assert inputs["handler"] == spec.handler
            assert inputs["timeout"] == spec.timeout_seconds
            assert inputs["memorySize"] == spec.memory_mb
            logging_config = inputs["loggingConfig"]
            assert logging_config["logFormat"] == "JSON"
            assert logging_config["logGroup"] == f"/aws/lambda/{inputs['name']}"
            assert logging_config["logGroup"] in groups
            assert inputs["tracingConfig"] == {"mode": tracing}
    assert (
        functions_of(runs["dev"])["check_data"]["loggingConfig"]["applicationLogLevel"] == "DEBUG"
    )
    assert (
        functions_of(runs["prod"])["check_data"]["loggingConfig"]["applicationLogLevel"] == "INFO"
    )


def test_only_notify_slack_carries_the_slack_layer(runs: dict[str, ProgramRun]) -> None:
    (layer,) = runs["prod"].of_type("aws:lambda/layerVersion:LayerVersion")
    for key, inputs in functions_of(runs["prod"]).items():
        assert inputs.get("layers", []) == ([layer.state["arn"]] if key == "notify_slack" else [])


def test_code_is_the_reproducible_package_with_its_hash(runs: dict[str, ProgramRun]) -> None:
    package = build_function_package()
    for inputs in functions_of(runs["dev"]).values():
        code = inputs["code"]
        assert isinstance(code, pulumi.FileArchive)
        assert Path(code.path) == package.path
        assert inputs["codeSha256"] == package.sha256_base64
    digest = base64.b64encode(hashlib.sha256(package.path.read_bytes()).digest()).decode()
    assert digest == package.sha256_base64
    (layer,) = runs["dev"].of_type("aws:lambda/layerVersion:LayerVersion")
    assert layer.inputs["sourceCodeHash"] == build_slack_layer().sha256_base64


def test_the_package_holds_every_handler_and_the_contract_and_nothing_else() -> None:
    package = build_function_package()
    with zipfile.ZipFile(package.path) as archive:
        names = archive.namelist()
        infos = archive.infolist()
    assert names == sorted(names)
    for spec in lambdas.ALL_FUNCTIONS:
        assert f"functions/{spec.key}.py" in names
    contract_modules = sorted(p.name for p in (REPO_ROOT / "contract").glob("*.py"))
    assert [n.removeprefix("contract/") for n in names if n.startswith("contract/")] == (
        contract_modules
    )
    assert all(n.startswith(("functions/", "contract/")) and n.endswith(".py") for n in names)
    assert not any("__pycache__" in n or "/." in n for n in names)
    assert {i.date_time for i in infos} == {FIXED_TIMESTAMP}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}


def _imported_modules(source: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(source_trees.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_handlers_import_the_contract_the_package_ships() -> None:
    with zipfile.ZipFile(build_function_package().path) as archive:
        names = set(archive.namelist())
        sources = {name: archive.read(name).decode() for name in names}
    for spec in lambdas.ALL_FUNCTIONS:
        # Every handler is declared in the contract and reads its settings through it.
        assert "contract.lambdas" in _imported_modules(sources[f"functions/{spec.key}.py"])
    for name, source in sources.items():
        for module in _imported_modules(source):
            if module.startswith("contract.") and module.count(".") == 1:
                assert f"{module.replace('.', '/')}.py" in names, (name, module)


def test_the_layer_puts_slack_sdk_on_the_lambda_path() -> None:
    with zipfile.ZipFile(build_slack_layer().path) as archive:
        names = archive.namelist()
    assert "python/slack_sdk/__init__.py" in names
    assert "python/slack_sdk/web/client.py" in names
    assert not any(n.endswith(".pyc") for n in names)


def test_archives_depend_only_on_content(tmp_path: Path) -> None:
    source = tmp_path / "functions"
    source.mkdir()
    sources = (source,)
    (source / "b.py").write_text("B = 2\n")
    (source / "a.py").write_text("A = 1\n")
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    (source / ".a.py.1234.tmp").write_text("partial write")
    (source / "notes.txt").write_text("not code")
    first = build_function_package(sources, tmp_path / "one")
    (source / "a.py").touch()  # a new mtime changes nothing
    second = build_function_package(sources, tmp_path / "two")
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256_base64 == second.sha256_base64
    assert [n for n, _ in function_package_entries(sources)] == ["functions/a.py", "functions/b.py"]
    (source / "a.py").write_text("A = 3\n")
    assert build_function_package(sources, tmp_path / "three").sha256_base64 != first.sha256_base64


def test_zip_bytes_ignores_entry_order() -> None:
    entries = [("x/b", b"2"), ("x/a", b"1")]
    assert zip_bytes(entries) == zip_bytes(list(reversed(entries)))
