"""The workflows and dependabot.yml against GitHub's schemas (check-jsonschema) and zizmor.

Both tools run offline: check-jsonschema's `vendor.*` schemas ship inside the package and
zizmor runs with --offline. Every proxy points at a closed local port while they run, so a
tool that tried to download something would fail here rather than pass by luck.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from check_jsonschema.cli.main_command import main as check_jsonschema_main
from click.testing import CliRunner

from tests.github.workflow_checks import REPO, WORKFLOWS

pytestmark = pytest.mark.unit

GITHUB = REPO / ".github"
DEPENDABOT = GITHUB / "dependabot.yml"
ZIZMOR = Path(sys.executable).parent / "zizmor"
_DEAD = "http://127.0.0.1:9"
PROXIES = {"HTTP_PROXY": _DEAD, "HTTPS_PROXY": _DEAD, "http_proxy": _DEAD, "https_proxy": _DEAD}
PROXIES |= {"NO_PROXY": "", "no_proxy": ""}
OFFLINE = {**os.environ, **PROXIES}


@dataclass
class Outcome:
    returncode: int
    output: str


def check_jsonschema(schema: str, *files: Path) -> Outcome:
    """check-jsonschema in process, through its click command (the package's entry point)."""
    with pytest.MonkeyPatch.context() as patch:
        for key, value in PROXIES.items():
            patch.setenv(key, value)
        result = CliRunner().invoke(
            check_jsonschema_main, ["--builtin-schema", schema, *map(str, files)]
        )
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.output)


def zizmor(directory: Path) -> tuple[list[dict], str]:
    """Findings of severity medium or above, and the log (which names every audited file)."""
    result = subprocess.run(
        [
            str(ZIZMOR),
            "--offline",
            "--no-progress",
            "--min-severity",
            "medium",
            "--format",
            "json",
            directory.name,
        ],
        capture_output=True,
        text=True,
        env=OFFLINE,
        cwd=directory.parent,
        timeout=120,
        check=False,
    )
    # 0: clean; 10-14: findings (by highest severity); anything else: zizmor itself failed.
    assert result.returncode == 0 or 10 <= result.returncode <= 14, result.stderr
    return json.loads(result.stdout or "[]"), result.stderr


def _workflow_files() -> list[Path]:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert len(files) == 5
    return files


def test_workflows_match_githubs_schema() -> None:
    result = check_jsonschema("vendor.github-workflows", *_workflow_files())
    assert result.returncode == 0, result.output


def test_dependabot_matches_githubs_schema() -> None:
    result = check_jsonschema("vendor.dependabot", DEPENDABOT)
    assert result.returncode == 0, result.output


def test_the_schema_check_rejects_a_malformed_workflow(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    text = (WORKFLOWS / "drift.yml").read_text(encoding="utf-8")
    broken.write_text(
        text.replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04"), encoding="utf-8"
    )
    result = check_jsonschema("vendor.github-workflows", broken)
    assert result.returncode == 1, result.output
    assert "runs_on" in result.output


def test_the_schema_check_rejects_a_malformed_dependabot_config(tmp_path: Path) -> None:
    broken = tmp_path / "dependabot.yml"
    text = DEPENDABOT.read_text(encoding="utf-8")
    broken.write_text(
        text.replace("interval: weekly", "interval: fortnightly", 1), encoding="utf-8"
    )
    result = check_jsonschema("vendor.dependabot", broken)
    assert result.returncode == 1, result.output


def test_dependabot_updates_actions_and_the_uv_lock_weekly_grouped() -> None:
    import yaml

    updates = {u["package-ecosystem"]: u for u in yaml.safe_load(DEPENDABOT.read_text())["updates"]}
    assert set(updates) == {"github-actions", "uv"}
    for update in updates.values():
        assert update["schedule"]["interval"] == "weekly"
        assert update["groups"]


def test_zizmor_finds_nothing_of_medium_severity_or_above() -> None:
    findings, log = zizmor(GITHUB)
    for path in [*_workflow_files(), DEPENDABOT]:
        assert f"completed .github/{path.relative_to(GITHUB)}" in log, log
    assert [(f["ident"], f["locations"][0]["symbolic"]["key"]) for f in findings] == []


def test_zizmor_reports_an_injected_expression_and_a_missing_cooldown(tmp_path: Path) -> None:
    copy = tmp_path / ".github"
    shutil.copytree(GITHUB, copy)
    workflow = copy / "workflows" / "pull-request.yml"
    workflow.write_text(
        workflow.read_text(encoding="utf-8").replace(
            "        run: make lint\n",
            '        run: make lint\n      - run: echo "${{ github.event.pull_request.title }}"\n',
            1,
        ),
        encoding="utf-8",
    )
    dependabot = copy / "dependabot.yml"
    dependabot.write_text(
        dependabot.read_text(encoding="utf-8").replace(
            "    cooldown:\n      default-days: 7\n", "", 1
        ),
        encoding="utf-8",
    )
    findings, _ = zizmor(copy)
    assert {f["ident"] for f in findings} >= {"template-injection", "dependabot-cooldown"}
