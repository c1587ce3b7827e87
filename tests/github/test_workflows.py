"""Structure of the GitOps workflows, and their agreement with the rest of the repository.

Every check in workflow_checks.py runs on the real files (no problem allowed) and on a
mutated copy (the problem must be reported): a check that cannot fail is caught here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from typing import NamedTuple

import pytest

from tests.github.workflow_checks import (
    REPO,
    SECURITY_CHECKS,
    STACK_CHECKS,
    Workflow,
    check_aws_oidc,
    check_checkout_credentials,
    check_concurrency,
    check_deploy_paths,
    check_drift,
    check_job_permissions,
    check_make_targets,
    check_no_expressions_in_scripts,
    check_pinned_actions,
    check_pulumi_version,
    check_pytest_markers,
    check_top_level_permissions,
    check_triggers,
    check_up_is_gated,
    environment,
    job_stacks,
    make_targets_used,
    marker_expressions,
    missing_files,
    python_modules_used,
    runs_up,
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
    return check_pulumi_version(workflow, SDK_VERSION)


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


@pytest.mark.parametrize("check", SECURITY_CHECKS + STACK_CHECKS, ids=lambda c: c.__name__)
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
    (step,) = [s for s in preview["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")]
    assert step["with"]["command"] == "preview"
    assert step["with"]["comment-on-pr"] is True
    assert step["with"]["diff"] is True
    assert step["with"]["work-dir"] == "."
    assert "matrix.stack" in step["with"]["stack-name"]
    assert "gitops.py affected-stacks" in workflow.jobs["changes"]["steps"][-1]["run"]


def test_the_state_machine_diagram_goes_to_the_job_summary(workflows: dict[str, Workflow]) -> None:
    runs = [s["run"] for s in workflows["pull-request.yml"].jobs["tests"]["steps"] if "run" in s]
    (diagram,) = [run for run in runs if "-m workflow mermaid" in run]
    assert re.search(r"```mermaid'\n.*-m workflow mermaid\n.*\n.*'```'", diagram, re.S)
    assert '>> "$GITHUB_STEP_SUMMARY"' in diagram


def test_the_pulumi_cli_is_the_sdk_release(workflows: dict[str, Workflow]) -> None:
    assert [p for wf in workflows.values() for p in check_pulumi_version(wf, SDK_VERSION)] == []


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
        "needs: [resolve, tests, properties]",
        "needs: [resolve, tests]",
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
        "actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0",
        "actions/checkout@v5",
        per_file(check_pinned_actions),
        "not pinned to a 40-hex commit",
    ),
    Mutation(
        "pin-without-version-comment",
        "drift.yml",
        "configure-aws-credentials@61815dcd50bd041e203e49132bacad1fd04d2708 # v5.1.1",
        "configure-aws-credentials@61815dcd50bd041e203e49132bacad1fd04d2708",
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
        "stack-name: prod",
        "stack-name: ${{ vars.STACK }}",
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
        "        with:\n          pulumi-version: ${{ env.PULUMI_VERSION }}\n",
        "        with:\n          command: refresh\n          stack-name: dev\n"
        "          pulumi-version: ${{ env.PULUMI_VERSION }}\n",
        drift,
        "pulumi/actions refresh writes the state",
    ),
    Mutation(
        "cli-not-the-sdk-release",
        "pull-request.yml",
        'PULUMI_VERSION: "3.272.0"',
        'PULUMI_VERSION: "3.271.0"',
        pulumi_version,
        "'3.271.0' != SDK",
    ),
    Mutation(
        "cli-unpinned",
        "deploy-dev.yml",
        "          pulumi-version: ${{ env.PULUMI_VERSION }}\n",
        "",
        pulumi_version,
        "None != SDK",
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
    assert {drift, pulumi_version, make_targets, markers, files} <= {m.check for m in MUTATIONS}
