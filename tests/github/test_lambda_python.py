"""The functions' tests run in CI under the Python the Lambdas are declared with."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra.lambda_function import RUNTIME

pytestmark = pytest.mark.unit

WORKFLOW = Path(__file__).parents[2] / ".github" / "workflows" / "pull-request.yml"
JOB = "functions-on-lambda-python"


def test_the_lambda_python_job_uses_the_declared_runtime() -> None:
    job = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"][JOB]
    declared = str(RUNTIME.value if hasattr(RUNTIME, "value") else RUNTIME)
    assert declared.startswith("python"), declared
    assert job["env"]["LAMBDA_PYTHON_VERSION"] == declared.removeprefix("python"), (
        f"{WORKFLOW.name} jobs.{JOB}.env.LAMBDA_PYTHON_VERSION must be the Lambda runtime "
        f"{declared} (infra/lambda_function.py RUNTIME)"
    )
    (setup,) = [
        s for s in job["steps"] if str(s.get("uses", "")).startswith("actions/setup-python@")
    ]
    assert setup["with"]["python-version"] == "${{ env.LAMBDA_PYTHON_VERSION }}"
    (run,) = [s for s in job["steps"] if "make test" in s.get("run", "")]
    assert "${LAMBDA_PYTHON_VERSION}" in run["run"]
    assert run["env"]["PYTEST_ARGS"].split()[0] == "tests/functions"
