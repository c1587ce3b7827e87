"""`pulumi up` runs infra/ the way Pulumi's Python host does: cwd infra/, run_path(".")."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from localcloud.deploy.pulumi_program import REPO_ROOT

pytestmark = pytest.mark.unit

# The harness needs localcloud; it appends the repository root *last*, so that only
# infra/__main__.py can put it first, as the program needs.
HARNESS = """
import json, runpy, sys
from pathlib import Path
sys.path.append(sys.argv[1])
from localcloud.plan import PlanMocks
from localcloud.deploy.pulumi_program import run_program

seen = {}
def program():
    sys.path.insert(0, ".")  # what runpy.run_path(".") leaves for a directory
    runpy.run_path(".", run_name="__main__")
    seen["path"] = list(sys.path)

run = run_program("dev", PlanMocks("eu-west-1"), program=program)
infra_dir = str(Path.cwd().resolve())
print(json.dumps({
    "resources": len(run.resources),
    "models": sorted(run.outputs["models"]),
    "first": seen["path"][0],
    "infra_on_path": any(str(Path(p or ".").resolve()) == infra_dir for p in seen["path"]),
    "infra_package": sys.modules["infra"].__file__,
}))
"""


def test_the_program_runs_from_infra_as_pulumi_starts_it() -> None:
    result = subprocess.run(
        [sys.executable, "-c", HARNESS, str(REPO_ROOT)],
        cwd=REPO_ROOT / "infra",
        env={"PATH": "", "PYTHONHASHSEED": "0"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["models"] == ["linear-learner"]
    assert report["resources"] > 50
    assert report["first"] == str(REPO_ROOT)
    assert not report["infra_on_path"]
    assert report["infra_package"] == str(REPO_ROOT / "infra" / "__init__.py")
