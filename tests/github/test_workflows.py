"""Structure of the GitOps workflows, and their agreement with the rest of the repository.

Every check in workflow_checks.py runs on the real files (no problem allowed) and on a
mutated copy (the problem must be reported): a check that cannot fail is caught here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable
from typing import NamedTuple

import pytest

from tests.github.action_pins import MIN_NODE, PINS, node_major, pin_for
from tests.github.workflow_checks import (
    OPERATIONS_CHECKS,
    REPO,
    SECURITY_CHECKS,
    STACK_CHECKS,
    Workflow,
    all_uses,
    check_action_runtimes,
    check_aws_oidc,
    check_checkout_credentials,
    check_concurrency,
    check_convergence,
    check_deploy_paths,
    check_drift,
    check_job_permissions,
    check_make_targets,
    check_no_expressions_in_scripts,
    check_pinned_actions,
    check_preview_comments,
    check_prod_preview_before_approval,
    check_pulumi_about,
    check_pulumi_version,
    check_pytest_markers,
    check_top_level_permissions,
    check_triggers,
    check_up_is_gated,
    environment,
    github_files,
    hard_coded_cli_versions,
    job_stacks,
    make_targets_used,
    marker_expressions,
    missing_files,
    needs,
    normalize,
    program_ref,
    pulumi_steps,
    python_modules_used,
    runs,
    runs_up,
    steps,
    touches_stack,
)

pytestmark = pytest.mark.unit

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
MAKEFILE = (REPO / "Makefile").read_text(encoding="utf-8")
MARKERS = {
    entry.split(":", 1)[0].strip()
    for entry in PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]
}
SDK_VERSION = next(
    dep.split("==", 1)[1]
    for dep in PYPROJECT["project"]["dependencies"]
    if dep.startswith("pulumi==")
)

# Files the workflows name that other rooms are writing while this one lands. While one of
# them is missing, the cross-check xfails naming it; any other missing file fails it.
# Empty this set once they have landed, so that a later rename fails CI.
PENDING: dict[str, str] = {}

Check = Callable[[Workflow, dict[str, Workflow]], list[str]]


def _replace(workflows: dict[str, Workflow], mutated: Workflow) -> list[Workflow]:
    return [mutated if name == mutated.name else wf for name, wf in workflows.items()]


class per_file:
    """Adapts a one-workflow check to the (workflow, all workflows) signature."""

    def __init__(self, check: Callable[[Workflow], list[str]]) -> None:
        self.check = check

    def __call__(self, workflow: Workflow, _: dict[str, Workflow]) -> list[str]:
        return self.check(workflow)


def drift(workflow: Workflow, workflows: dict[str, Workflow]) -> list[str]:
    return check_drift(_replace(workflows, workflow))


def pulumi_version(workflow: Workflow, _: dict[str, Workflow]) -> list[str]:
    """The CLI version comes from the lock step, and no line names a release."""
    return check_pulumi_version(workflow) + hard_coded_cli_versions(
        {workflow.name: workflow.text}, SDK_VERSION
    )


def make_targets(workflow: Workflow, _: dict[str, Workflow]) -> list[str]:
    return check_make_targets(workflow, MAKEFILE)


def markers(workflow: Workflow, _: dict[str, Workflow]) -> list[str]:
    return check_pytest_markers(workflow, MARKERS)


def files(workflow: Workflow, workflows: dict[str, Workflow]) -> list[str]:
    return [f"missing {path}" for path in missing_files(_replace(workflows, workflow))]


# --- the real files ---------------------------------------------------------------------------


def test_the_gitops_workflows_exist(workflows: dict[str, Workflow]) -> None:
    assert set(workflows) == {
        "pull-request.yml",
        "deploy-dev.yml",
        "deploy-prod.yml",
        "promote.yml",
        "drift.yml",
    }


@pytest.mark.parametrize(
    "check", SECURITY_CHECKS + STACK_CHECKS + OPERATIONS_CHECKS, ids=lambda c: c.__name__
)
def test_workflows_pass(
    check: Callable[[Workflow], list[str]], workflows: dict[str, Workflow]
) -> None:
    assert [problem for wf in workflows.values() for problem in check(wf)] == []


def test_drift_check_covers_every_stack(workflows: dict[str, Workflow]) -> None:
    assert check_drift(workflows.values()) == []


def test_the_checks_see_what_the_workflows_do(workflows: dict[str, Workflow]) -> None:
    """The structural checks judge the jobs below; if a refactoring hid them from the checks
    (e.g. a `pulumi up` they no longer recognise), the checks would pass vacuously."""
    ups = {
        (wf.name, job_id): (job_stacks(wf, job), environment(job))
        for wf in workflows.values()
        for job_id, job in wf.jobs.items()
        if runs_up(job)
    }
    assert ups == {
        ("deploy-dev.yml", "deploy"): ({"dev"}, "dev"),
        ("deploy-prod.yml", "deploy"): ({"prod"}, "prod"),
    }
    touching = {
        (wf.name, job_id)
        for wf in workflows.values()
        for job_id, job in wf.jobs.items()
        if touches_stack(job)
    }
    assert touching == {
        ("pull-request.yml", "preview"),
        ("deploy-dev.yml", "deploy"),
        ("deploy-prod.yml", "preview"),
        ("deploy-prod.yml", "deploy"),
        ("drift.yml", "drift"),
    }


def test_pull_requests_preview_each_affected_stack_and_comment(
    workflows: dict[str, Workflow],
) -> None:
    workflow = workflows["pull-request.yml"]
    preview = workflow.jobs["preview"]
    assert set(preview["needs"]) >= {"tests", "properties", "lint", "changes"}
    assert "needs.changes.outputs.stacks" in preview["strategy"]["matrix"]["stack"]
    # The action's steps that run a command (the first one only installs the CLI).
    (step,) = [
        s
        for s in preview["steps"]
        if str(s.get("uses", "")).startswith("pulumi/actions@") and s["with"].get("command")
    ]
    assert step["with"]["command"] == "preview"
    assert step["with"]["comment-on-pr"] is True
    assert step["with"]["diff"] is True
    assert step["with"]["always-include-summary"] is True
    assert step["with"]["comment-on-summary"] is True
    assert step["with"]["work-dir"] == "."
    assert "matrix.stack" in step["with"]["stack-name"]
    assert "gitops.py affected-stacks" in workflow.jobs["changes"]["steps"][-1]["run"]


def test_the_state_machine_diagram_goes_to_the_job_summary(workflows: dict[str, Workflow]) -> None:
    runs = [s["run"] for s in workflows["pull-request.yml"].jobs["tests"]["steps"] if "run" in s]
    (diagram,) = [run for run in runs if "-m workflow mermaid" in run]
    assert re.search(r"```mermaid'\n.*-m workflow mermaid\n.*\n.*'```'", diagram, re.S)
    assert '>> "$GITHUB_STEP_SUMMARY"' in diagram


def test_the_pulumi_cli_is_the_sdk_release(workflows: dict[str, Workflow]) -> None:
    """Every pulumi/actions step installs what the lock step reads, and that step's answer
    for this repository is the SDK that uv.lock locks and pyproject.toml pins."""
    assert [p for wf in workflows.values() for p in check_pulumi_version(wf)] == []
    lock = tomllib.loads((REPO / "uv.lock").read_text(encoding="utf-8"))
    (locked,) = [entry["version"] for entry in lock["package"] if entry["name"] == "pulumi"]
    assert locked == SDK_VERSION
    result = subprocess.run(
        [sys.executable, str(REPO / ".github/scripts/gitops.py"), "pulumi-version"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if k != "GITHUB_OUTPUT"},
    )
    assert result.stdout.strip() == locked


def test_every_pulumi_step_installs_the_locked_cli(workflows: dict[str, Workflow]) -> None:
    """Not vacuous: the jobs that run Pulumi are the ones expected, each with its lock step
    (or the job output of one)."""
    sources = {
        (wf.name, job_id): {normalize(s["with"]["pulumi-version"]) for s in pulumi_steps(job)}
        for wf in workflows.values()
        for job_id, job in wf.jobs.items()
        if pulumi_steps(job)
    }
    assert sources == {
        ("pull-request.yml", "preview"): {"${{ steps.pulumi-version.outputs.version }}"},
        ("deploy-dev.yml", "deploy"): {"${{ steps.pulumi-version.outputs.version }}"},
        ("deploy-prod.yml", "preview"): {"${{ needs.resolve.outputs.pulumi-version }}"},
        ("deploy-prod.yml", "deploy"): {"${{ needs.resolve.outputs.pulumi-version }}"},
        ("drift.yml", "drift"): {"${{ steps.deployed.outputs.version }}"},
    }


def test_no_file_in_github_hard_codes_the_cli_version() -> None:
    files = github_files()
    assert ".github/workflows/deploy-dev.yml" in files and ".github/dependabot.yml" in files
    assert hard_coded_cli_versions(files, SDK_VERSION) == []
    # ...and the check sees one where there is one.
    assert hard_coded_cli_versions({"x.yml": f'          pulumi-version: "{SDK_VERSION}"'}, "9.9.9")
    assert hard_coded_cli_versions(
        {"x.sh": "curl -fsSL https://get.pulumi.com | sh -s -- --version 3.1.0"}, "9.9.9"
    )


def test_every_action_is_a_verified_node24_pin(workflows: dict[str, Workflow]) -> None:
    used = {uses for wf in workflows.values() for _, uses in all_uses(wf)}
    assert {uses.split("@")[0] for uses in used} == {
        "actions/checkout",
        "actions/setup-python",
        "aws-actions/configure-aws-credentials",
        "pulumi/actions",
    }
    for uses in used:
        pin = pin_for(*uses.split("@"))
        assert pin is not None, uses
        assert node_major(pin.runtime) is not None and node_major(pin.runtime) >= MIN_NODE
    assert [p for wf in workflows.values() for p in check_action_runtimes(wf)] == []


def test_the_pin_table_is_well_formed() -> None:
    assert len({(p.action, p.sha) for p in PINS}) == len(PINS), "duplicate rows"
    assert len({(p.action, p.version) for p in PINS}) == len(PINS), "a tag with two commits"
    for pin in PINS:
        assert re.fullmatch(r"[\w.-]+/[\w.-]+", pin.action), pin
        assert re.fullmatch(r"v\d+\.\d+\.\d+", pin.version), pin
        assert re.fullmatch(r"[0-9a-f]{40}", pin.sha), pin
        assert re.fullmatch(r"node\d+|composite|docker", pin.runtime), pin
    # The releases the issue named are known, and refused.
    for action, sha in (
        ("pulumi/actions", "8582a9e8cc630786854029b4e09281acd6794b58"),
        ("aws-actions/configure-aws-credentials", "61815dcd50bd041e203e49132bacad1fd04d2708"),
    ):
        pin = pin_for(action, sha)
        assert pin is not None and pin.runtime == "node20"


def test_the_approver_sees_a_preview_of_what_is_deployed(workflows: dict[str, Workflow]) -> None:
    workflow = workflows["deploy-prod.yml"]
    preview, deploy = workflow.jobs["preview"], workflow.jobs["deploy"]
    assert "preview" in needs(deploy)
    assert environment(preview) is None and environment(deploy) == "prod"
    assert preview["permissions"] == {"contents": "read", "id-token": "write"}
    assert program_ref(workflow, preview) == program_ref(workflow, deploy)
    (step,) = [s for s in pulumi_steps(preview) if s["with"].get("command")]
    assert step["with"]["command"] == "preview" and step["with"]["stack-name"] == "prod"
    assert step["with"]["comment-on-summary"] is True and step["with"]["diff"] is True
    assert check_prod_preview_before_approval(workflow) == []


def test_each_up_is_followed_by_a_convergence_check(workflows: dict[str, Workflow]) -> None:
    for name, stack in (("deploy-dev.yml", "dev"), ("deploy-prod.yml", "prod")):
        job = workflows[name].jobs["deploy"]
        runs = [str(s.get("run", "")) for s in steps(job)]
        up = next(i for i, s in enumerate(steps(job)) if s.get("with", {}).get("command") == "up")
        (check,) = [i for i, run in enumerate(runs) if "--expect-no-changes" in run]
        assert check > up
        assert f"pulumi preview --stack {stack} --refresh --expect-no-changes" in runs[check]
        assert "pulumi refresh" not in runs[check]
        assert check_convergence(workflows[name]) == []


def test_every_job_that_runs_pulumi_logs_pulumi_about(workflows: dict[str, Workflow]) -> None:
    about = {
        (wf.name, job_id)
        for wf in workflows.values()
        for job_id, job in wf.jobs.items()
        if any("pulumi about" in run for run in runs(job))
    }
    assert about == {
        ("pull-request.yml", "preview"),
        ("deploy-dev.yml", "deploy"),
        ("deploy-prod.yml", "preview"),
        ("deploy-prod.yml", "deploy"),
        ("drift.yml", "drift"),
    }
    assert [p for wf in workflows.values() for p in check_pulumi_about(wf)] == []


def test_make_targets_exist(workflows: dict[str, Workflow]) -> None:
    used = set().union(*(make_targets_used(wf) for wf in workflows.values()))
    assert used >= {"lint", "test", "properties", "install"}
    assert [p for wf in workflows.values() for p in check_make_targets(wf, MAKEFILE)] == []


def test_pytest_markers_are_registered(workflows: dict[str, Workflow]) -> None:
    assert {e for wf in workflows.values() for e in marker_expressions(wf)} == {"not properties"}
    assert [p for wf in workflows.values() for p in check_pytest_markers(wf, MARKERS)] == []


def test_the_files_the_workflows_name_exist(workflows: dict[str, Workflow]) -> None:
    modules = set().union(*(python_modules_used(wf) for wf in workflows.values()))
    assert modules == {"workflow", "infra.smoke"}
    missing = missing_files(list(workflows.values()))
    assert [path for path in missing if path not in PENDING] == []
    if missing:
        pytest.xfail("not landed yet: " + "; ".join(f"{p} ({PENDING[p]})" for p in missing))


# --- mutated copies: each problem must be reported --------------------------------------------


class Mutation(NamedTuple):
    id: str
    workflow: str
    old: str  # text that must occur in the workflow
    new: str  # what replaces it (once)
    check: Check
    expected: str  # a fragment of the problem the check must now report


MUTATIONS = [
    Mutation(
        "up-without-property-tests",
        "deploy-dev.yml",
        "needs: [tests, properties]",
        "needs: [tests]",
        per_file(check_up_is_gated),
        "does not need the property tests",
    ),
    Mutation(
        "up-without-any-needs",
        "deploy-dev.yml",
        "    needs: [tests, properties]\n",
        "",
        per_file(check_up_is_gated),
        "does not need a test job",
    ),
    Mutation(
        "prod-up-without-property-tests",
        "deploy-prod.yml",
        "needs: [resolve, tests, properties, preview]",
        "needs: [resolve, tests, preview]",
        per_file(check_up_is_gated),
        "does not need the property tests",
    ),
    Mutation(
        "prod-tests-another-commit",
        "deploy-prod.yml",
        "          ref: ${{ needs.resolve.outputs.sha }}\n",
        "",
        per_file(check_up_is_gated),
        "tests tests the event commit",
    ),
    Mutation(
        "unpinned-action",
        "pull-request.yml",
        "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
        "actions/checkout@v7",
        per_file(check_pinned_actions),
        "not pinned to a 40-hex commit",
    ),
    Mutation(
        "pin-without-version-comment",
        "drift.yml",
        "configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
        "configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c",
        per_file(check_pinned_actions),
        "lacks its `# vX.Y.Z` comment",
    ),
    Mutation(
        "up-without-concurrency",
        "deploy-dev.yml",
        "    concurrency:\n      group: pulumi-dev\n      cancel-in-progress: false\n"
        "    permissions:\n      contents: read\n      id-token: write",
        "    permissions:\n      contents: read\n      id-token: write",
        per_file(check_concurrency),
        "without a concurrency group",
    ),
    Mutation(
        "concurrency-not-per-stack",
        "deploy-prod.yml",
        "group: pulumi-prod",
        "group: deploy-${{ github.ref }}",
        per_file(check_concurrency),
        "does not name stack prod",
    ),
    Mutation(
        "up-cancels-up",
        "deploy-prod.yml",
        "      group: pulumi-prod\n      cancel-in-progress: false",
        "      group: pulumi-prod\n      cancel-in-progress: true",
        per_file(check_concurrency),
        "writes stack prod",
    ),
    Mutation(
        "read-only-job-in-deploy-group",
        "drift.yml",
        "group: drift-${{ matrix.stack }}",
        "group: pulumi-${{ matrix.stack }}",
        per_file(check_concurrency),
        "read-only job in the deploy group",
    ),
    Mutation(
        "pull-request-target",
        "pull-request.yml",
        "  pull_request:\n    branches: [main]",
        "  pull_request_target:\n    branches: [main]",
        per_file(check_triggers),
        "pull_request_target",
    ),
    Mutation(
        "write-all",
        "promote.yml",
        "permissions: {}",
        "permissions: write-all",
        per_file(check_top_level_permissions),
        "top-level permissions",
    ),
    Mutation(
        "id-token-without-aws",
        "pull-request.yml",
        "      contents: read\n    steps:",
        "      contents: read\n      id-token: write\n    steps:",
        per_file(check_job_permissions),
        "id-token: write must be granted exactly",
    ),
    Mutation(
        "aws-without-id-token",
        "pull-request.yml",
        "      id-token: write # OIDC: assume the stack's read-only preview role\n",
        "",
        per_file(check_job_permissions),
        "id-token: write must be granted exactly",
    ),
    Mutation(
        "unneeded-write-scope",
        "promote.yml",
        "      actions: write",
        "      packages: write",
        per_file(check_job_permissions),
        "packages: write is never needed",
    ),
    Mutation(
        "persisted-credentials",
        "deploy-dev.yml",
        "persist-credentials: false",
        "persist-credentials: true",
        per_file(check_checkout_credentials),
        "persist-credentials: false",
    ),
    Mutation(
        "expression-in-script",
        "promote.yml",
        "run: bash .github/scripts/open-promotion-pr.sh",
        'run: bash .github/scripts/open-promotion-pr.sh "${{ github.event.inputs.ref }}"',
        per_file(check_no_expressions_in_scripts),
        "inside run",
    ),
    Mutation(
        "static-aws-keys",
        "deploy-dev.yml",
        "role-to-assume: ${{ vars.AWS_ROLE_ARN }}",
        "aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}",
        per_file(check_aws_oidc),
        "OIDC",
    ),
    Mutation(
        "prod-up-outside-prod-environment",
        "deploy-prod.yml",
        "    environment: prod\n",
        "    environment: dev\n",
        per_file(check_deploy_paths),
        "prod up outside environment prod",
    ),
    Mutation(
        "prod-up-on-any-push",
        "deploy-prod.yml",
        "    paths:\n      - deploy/prod.ref\n",
        "",
        per_file(check_deploy_paths),
        "not restricted to pushes changing deploy/prod.ref",
    ),
    Mutation(
        "prod-up-from-a-pull-request",
        "deploy-prod.yml",
        "on:\n  push:",
        "on:\n  pull_request:\n  push:",
        per_file(check_deploy_paths),
        "not triggered only by push to main",
    ),
    Mutation(
        "prod-up-of-main-not-the-pin",
        "deploy-prod.yml",
        '          git checkout --detach "$SHA"\n',
        "",
        per_file(check_deploy_paths),
        "does not check out the SHA read from deploy/prod.ref",
    ),
    Mutation(
        "prod-up-without-reverification",
        "deploy-prod.yml",
        '          python3 .github/scripts/gitops.py verify-promotion --sha "$SHA"\n'
        "          git checkout",
        "          git checkout",
        per_file(check_deploy_paths),
        "does not verify the SHA",
    ),
    Mutation(
        "prod-stack-not-literal",
        "deploy-prod.yml",
        "command: up\n          stack-name: prod",
        "command: up\n          stack-name: ${{ vars.STACK }}",
        per_file(check_deploy_paths),
        "must name its stack literally",
    ),
    Mutation(
        "dev-redeploys-promotions",
        "deploy-dev.yml",
        "    paths-ignore:\n      - deploy/prod.ref\n",
        "",
        per_file(check_deploy_paths),
        "must ignore pushes that only change deploy/prod.ref",
    ),
    Mutation(
        "dev-up-outside-dev-environment",
        "deploy-dev.yml",
        "    environment: dev\n",
        "",
        per_file(check_deploy_paths),
        "dev up outside environment dev",
    ),
    Mutation(
        "drift-without-expect-no-changes",
        "drift.yml",
        "--preview-only --expect-no-changes --diff",
        "--preview-only --diff",
        drift,
        "without ['--expect-no-changes']",
    ),
    Mutation(
        "drift-writes-state",
        "drift.yml",
        "--preview-only --expect-no-changes --diff",
        "--expect-no-changes --diff",
        drift,
        "without ['--preview-only']",
    ),
    Mutation(
        "drift-misses-prod",
        "drift.yml",
        "stack: [dev, prod]",
        "stack: [dev]",
        drift,
        "no scheduled drift check for stack(s) ['prod']",
    ),
    Mutation(
        "drift-not-scheduled",
        "drift.yml",
        '  schedule:\n    - cron: "17 5 * * *"',
        "  push:",
        drift,
        "no scheduled drift check for stack(s) ['dev', 'prod']",
    ),
    Mutation(
        "refresh-through-the-action",
        "drift.yml",
        "        with:\n          pulumi-version: ${{ steps.deployed.outputs.version }}\n",
        "        with:\n          command: refresh\n          stack-name: dev\n"
        "          pulumi-version: ${{ steps.deployed.outputs.version }}\n",
        drift,
        "pulumi/actions refresh writes the state",
    ),
    Mutation(
        "cli-hard-coded",
        "pull-request.yml",
        "pulumi-version: ${{ steps.pulumi-version.outputs.version }}",
        'pulumi-version: "3.271.0"',
        pulumi_version,
        "Pulumi CLI '3.271.0' is not the version an earlier step read from uv.lock",
    ),
    Mutation(
        "cli-the-sdk-release-literally",
        "deploy-prod.yml",
        "pulumi-version: ${{ needs.resolve.outputs.pulumi-version }}",
        f"pulumi-version: {SDK_VERSION}",
        pulumi_version,
        "hard-coded Pulumi CLI version",
    ),
    Mutation(
        "cli-version-variable",
        "drift.yml",
        'env:\n  PYTHON_VERSION: "3.11"\n',
        'env:\n  PYTHON_VERSION: "3.11"\n  PULUMI_VERSION: latest\n',
        pulumi_version,
        "hard-coded Pulumi CLI version: PULUMI_VERSION: latest",
    ),
    Mutation(
        "cli-unpinned",
        "deploy-dev.yml",
        "          pulumi-version: ${{ steps.pulumi-version.outputs.version }}\n",
        "",
        pulumi_version,
        "Pulumi CLI None is not the version",
    ),
    Mutation(
        "cli-version-file",
        "drift.yml",
        "pulumi-version: ${{ steps.deployed.outputs.version }}",
        "pulumi-version-file: .pulumi-version",
        pulumi_version,
        "pulumi-version-file instead of the version gitops.py reads",
    ),
    Mutation(
        "cli-version-from-a-step-that-reads-no-lock",
        "deploy-dev.yml",
        "run: python3 .github/scripts/gitops.py pulumi-version\n",
        'run: echo "version=3.271.0" >> "$GITHUB_OUTPUT"\n',
        pulumi_version,
        "is not the version an earlier step read from uv.lock",
    ),
    Mutation(
        "cli-version-from-another-job-output",
        "deploy-prod.yml",
        "pulumi-version: ${{ needs.resolve.outputs.pulumi-version }}",
        "pulumi-version: ${{ needs.resolve.outputs.sha }}",
        pulumi_version,
        "needs.resolve.outputs.sha",
    ),
    Mutation(
        "cli-version-job-output-not-from-the-lock",
        "deploy-prod.yml",
        "      pulumi-version: ${{ steps.pulumi-version.outputs.version }}\n",
        "      pulumi-version: ${{ steps.pin.outputs.sha }}\n",
        pulumi_version,
        "needs.resolve.outputs.pulumi-version",
    ),
    Mutation(
        "node20-action",
        "deploy-dev.yml",
        "pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0",
        "pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58 # v6.6.1",
        per_file(check_action_runtimes),
        "pulumi/actions v6.6.1 declares node20",
    ),
    Mutation(
        "node20-aws-credentials",
        "pull-request.yml",
        "configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
        "configure-aws-credentials@61815dcd50bd041e203e49132bacad1fd04d2708 # v5.1.1",
        per_file(check_action_runtimes),
        "aws-actions/configure-aws-credentials v5.1.1 declares node20",
    ),
    Mutation(
        "unverified-pin",
        "promote.yml",
        "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
        "actions/checkout@0123456789abcdef0123456789abcdef01234567 # v7.0.1",
        per_file(check_action_runtimes),
        "is not a verified pin",
    ),
    Mutation(
        "pin-comment-names-another-tag",
        "drift.yml",
        "setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0",
        "setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.1.0",
        per_file(check_action_runtimes),
        "is tag v7.0.0, but its comment says v7.1.0",
    ),
    Mutation(
        "preview-comment-loses-its-summary",
        "pull-request.yml",
        "          always-include-summary: true\n",
        "",
        per_file(check_preview_comments),
        "without always-include-summary: true",
    ),
    Mutation(
        "preview-comment-without-the-whole-diff",
        "pull-request.yml",
        "          comment-on-summary: true\n",
        "",
        per_file(check_preview_comments),
        "without comment-on-summary: true",
    ),
    Mutation(
        "up-without-convergence-check",
        "deploy-dev.yml",
        "pulumi preview --stack dev --refresh --expect-no-changes --diff",
        "pulumi preview --stack dev --refresh --diff",
        per_file(check_convergence),
        "without a later `pulumi preview --refresh --expect-no-changes` of ['dev']",
    ),
    Mutation(
        "convergence-check-without-refresh",
        "deploy-prod.yml",
        "pulumi preview --stack prod --refresh --expect-no-changes --diff",
        "pulumi preview --stack prod --expect-no-changes --diff",
        per_file(check_convergence),
        "without a later `pulumi preview --refresh --expect-no-changes` of ['prod']",
    ),
    Mutation(
        "convergence-check-of-another-stack",
        "deploy-prod.yml",
        "pulumi preview --stack prod --refresh --expect-no-changes --diff",
        "pulumi preview --stack dev --refresh --expect-no-changes --diff",
        per_file(check_convergence),
        "convergence check",
    ),
    Mutation(
        "convergence-check-never-fails",
        "deploy-prod.yml",
        '          exit "$status"\n',
        "          exit 0\n",
        per_file(check_convergence),
        "ignores the preview's exit status",
    ),
    Mutation(
        "convergence-check-allowed-to-fail",
        "deploy-dev.yml",
        "      - name: Converged? pulumi preview",
        "      - continue-on-error: true\n        name: Converged? pulumi preview",
        per_file(check_convergence),
        "may be skipped or ignored",
    ),
    Mutation(
        "convergence-diff-not-in-the-summary",
        "deploy-dev.yml",
        '          } >> "$GITHUB_STEP_SUMMARY"\n',
        '          } >> "$RUNNER_TEMP/summary.md"\n',
        per_file(check_convergence),
        "diff is not in the job summary",
    ),
    Mutation(
        "prod-approval-without-preview",
        "deploy-prod.yml",
        "needs: [resolve, tests, properties, preview]",
        "needs: [resolve, tests, properties]",
        per_file(check_prod_preview_before_approval),
        "prod up does not need a read-only preview of prod",
    ),
    Mutation(
        "prod-preview-behind-the-approval",
        "deploy-prod.yml",
        "(read-only; diff in the job summary)\n    needs: resolve\n",
        "(read-only; diff in the job summary)\n    needs: resolve\n    environment: prod\n",
        per_file(check_prod_preview_before_approval),
        "(preview) runs in environment prod",
    ),
    Mutation(
        "prod-preview-with-the-deploy-role",
        "deploy-prod.yml",
        "role-to-assume: ${{ vars.AWS_PREVIEW_ROLE_ARN_PROD }}",
        "role-to-assume: ${{ vars.AWS_ROLE_ARN }}",
        per_file(check_prod_preview_before_approval),
        "not the read-only preview role",
    ),
    Mutation(
        "prod-preview-with-write-permission",
        "deploy-prod.yml",
        "      contents: read\n      id-token: write # OIDC: assume prod's read-only preview role",
        "      contents: write\n      id-token: write # OIDC: assume prod's read-only preview role",
        per_file(check_prod_preview_before_approval),
        "is not read-only (write: ['contents'])",
    ),
    Mutation(
        "prod-preview-not-in-the-summary",
        "deploy-prod.yml",
        "          comment-on-summary: true # the diff, in this job's summary\n",
        "",
        per_file(check_prod_preview_before_approval),
        "does not put the diff in the job summary",
    ),
    Mutation(
        "prod-preview-of-main-not-the-pin",
        "deploy-prod.yml",
        '        run: git checkout --detach "$SHA"\n',
        '        run: echo "$SHA"\n',
        per_file(check_prod_preview_before_approval),
        "previews the event commit but the deploy runs ${{ needs.resolve.outputs.sha }}",
    ),
    Mutation(
        "no-pulumi-about",
        "drift.yml",
        'run: pulumi about --stack "$STACK"',
        "run: pulumi version",
        per_file(check_pulumi_about),
        "no `pulumi about`",
    ),
    Mutation(
        "pulumi-about-after-the-up",
        "deploy-dev.yml",
        "        run: pulumi about --stack dev\n",
        "        run: pulumi whoami\n",
        per_file(check_pulumi_about),
        "no `pulumi about` between installing the CLI and the first stack command",
    ),
    Mutation(
        "renamed-make-target",
        "pull-request.yml",
        "run: make lint",
        "run: make lnt",
        make_targets,
        "no target lnt",
    ),
    Mutation(
        "unregistered-marker",
        "deploy-prod.yml",
        'PYTEST_ARGS: -m "not properties"',
        'PYTEST_ARGS: -m "not propertes"',
        markers,
        "marker propertes is not registered",
    ),
    Mutation(
        "marker-on-the-command-line",
        "deploy-dev.yml",
        "run: make properties",
        "run: .venv/bin/python -m pytest -m 'properties or slow'",
        markers,
        "marker slow is not registered",
    ),
    Mutation(
        "renamed-smoke-module",
        "deploy-dev.yml",
        "-m infra.smoke --stack dev",
        "-m infra.smoker --stack dev",
        files,
        "missing infra/smoker.py",
    ),
    Mutation(
        "renamed-workflow-package",
        "pull-request.yml",
        "-m workflow mermaid",
        "-m workflows mermaid",
        files,
        "missing workflows.py",
    ),
    Mutation(
        "unknown-stack",
        "deploy-dev.yml",
        "stack-name: dev",
        "stack-name: qa",
        files,
        "missing Pulumi.qa.yaml",
    ),
    Mutation(
        "renamed-script",
        "deploy-dev.yml",
        ".github/scripts/set-ref.sh",
        ".github/scripts/set_ref.sh",
        files,
        "missing .github/scripts/set_ref.sh",
    ),
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.id)
def test_a_mutated_workflow_is_reported(workflows: dict[str, Workflow], mutation: Mutation) -> None:
    original = workflows[mutation.workflow]
    assert not [p for p in mutation.check(original, workflows) if mutation.expected in p]
    problems = mutation.check(original.mutated(mutation.old, mutation.new), workflows)
    assert any(mutation.expected in problem for problem in problems), problems


def test_every_check_is_exercised_by_a_mutation() -> None:
    assert len({m.id for m in MUTATIONS}) == len(MUTATIONS), "duplicate mutation ids"
    exercised = {m.check.check for m in MUTATIONS if isinstance(m.check, per_file)}
    assert set(SECURITY_CHECKS + STACK_CHECKS) <= exercised
    assert set(OPERATIONS_CHECKS) - {check_pulumi_version} <= exercised
    assert {drift, pulumi_version, make_targets, markers, files} <= {m.check for m in MUTATIONS}
