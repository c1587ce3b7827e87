#!/usr/bin/env python3
"""GitOps helpers for the workflows in .github/workflows (standard library only).

Every decision the workflows make about *which* stack and *which* commit lives here, so it
can be unit-tested (tests/github/test_gitops_script.py) instead of hiding in shell snippets.

    gitops.py affected-stacks [--base origin/main] [--head HEAD]
        The stacks a change can affect (see stacks_for_path), as JSON, plus whether it
        touches deploy/prod.ref. Writes `stacks`, `prod-ref-changed`, `prod-ref` and
        `promotion-only` to $GITHUB_OUTPUT when that variable is set.
    gitops.py prod-ref [--rev REV] [--allow-missing]
        The validated 40-hex SHA pinned in deploy/prod.ref (working tree, or at REV).
    gitops.py live-dev
        The commit the `live/dev` tag points at: what the last successful dev deploy ran.
    gitops.py verify-promotion --sha SHA [--main origin/main] [--live-dev live/dev]
        Refuses (exit 1, reasons on stderr) unless SHA is a commit on main that is the one
        live in dev.
    gitops.py deployed-sha --stack dev|prod
        The commit deployed to a stack (dev: live/dev; prod: deploy/prod.ref), for drift.
    gitops.py pulumi-version [--rev REV]
        The Pulumi CLI release to install: the version of the `pulumi` SDK locked in uv.lock
        (working tree, or at REV), checked against pyproject.toml's `pulumi==` pin. Writes
        `version` to $GITHUB_OUTPUT when that variable is set. The one source of the CLI
        version: no workflow names a release.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path

STACKS = ("dev", "prod")
PROD_REF_PATH = "deploy/prod.ref"
LIVE_DEV_TAG = "live/dev"
MAIN = "origin/main"

_SHA = re.compile(r"[0-9a-f]{40}")

LOCK_PATH = "uv.lock"
PYPROJECT_PATH = "pyproject.toml"
PULUMI_SDK = "pulumi"
# A release as the Pulumi CLI installer and pulumi/actions take it: X.Y.Z or X.Y.Z-alpha.N.
_RELEASE = re.compile(r"\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?")
# `pulumi==X` (optionally with extras or a marker) among pyproject.toml's dependencies; not
# `pulumi-aws==X`.
_SDK_PIN = re.compile(r"\s*pulumi\s*(?:\[[^\]]*\])?\s*==\s*(?P<version>[^\s;,]+)", re.IGNORECASE)

# Paths that cannot change what any stack deploys. Everything else is assumed to affect
# both stacks unless a rule below narrows it: a new top-level folder is previewed
# everywhere until someone decides otherwise here (fail safe, not fail silent).
_INERT_PREFIXES = ("docs/", "tests/", "localcloud/", ".ci/", ".github/ISSUE_TEMPLATE/")
_INERT_FILES = frozenset(
    {".github/dependabot.yml", ".gitignore", ".gitattributes", "LICENSE", "CODEOWNERS"}
)
_STACK_FILE = re.compile(r"Pulumi\.(?P<stack>[^./]+)\.ya?ml")


class GitOpsError(Exception):
    """A condition the workflow must refuse to continue past."""


def stacks_for_path(path: str) -> frozenset[str]:
    """The stacks a change to `path` (repository-relative, `/`-separated) can affect.

    - `Pulumi.dev.yaml` -> dev; `Pulumi.prod.yaml` -> prod; another `Pulumi.<x>.yaml` -> none
      (a stack these workflows do not deploy).
    - `deploy/...` (the prod pin `deploy/prod.ref`) -> prod.
    - documentation, tests, the embedded runtime (`localcloud/`, never imported by the
      program), CI entry point, dependabot config -> none.
    - anything else (the program, Lambda code, the workflow definition, `Pulumi.yaml`,
      `pyproject.toml`, `uv.lock`, `Makefile`, these workflows) -> every stack.
    """
    match = _STACK_FILE.fullmatch(path)
    if match:
        stack = match["stack"]
        return frozenset({stack}) & frozenset(STACKS)
    if path.startswith("deploy/"):
        return frozenset({"prod"})
    if path in _INERT_FILES or path.startswith(_INERT_PREFIXES) or path.endswith(".md"):
        return frozenset()
    return frozenset(STACKS)


def affected_stacks(paths: Iterable[str]) -> list[str]:
    """The union of stacks_for_path over `paths`, in deployment order (dev before prod)."""
    touched: set[str] = set()
    for path in paths:
        touched |= stacks_for_path(path)
    return [stack for stack in STACKS if stack in touched]


def parse_prod_ref(text: str) -> str:
    """The SHA in a deploy/prod.ref file: exactly one lowercase 40-hex line."""
    lines = text.splitlines()
    if len(lines) != 1 or not _SHA.fullmatch(lines[0]):
        raise GitOpsError(
            f"{PROD_REF_PATH} must hold exactly one line with a full 40-hex commit SHA "
            f"(lowercase), got {text[:100]!r}"
        )
    return lines[0]


def _git(
    *args: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None:
        raise GitOpsError("git is not on PATH")
    # Fixed argv, no shell: arguments are revisions and paths chosen by this script.
    return subprocess.run(  # noqa: S603
        [git, *args], cwd=cwd, check=check, capture_output=True, text=True
    )


def changed_files(base: str, head: str, cwd: Path | None = None) -> list[str]:
    """Files changed between merge-base(base, head) and head; a rename counts as both paths."""
    out = _git("diff", "--name-only", "--no-renames", "-z", f"{base}...{head}", cwd=cwd).stdout
    return [path for path in out.split("\0") if path]


def resolve_commit(rev: str, cwd: Path | None = None) -> str | None:
    """The commit `rev` names, or None if it names none (e.g. a tag that does not exist)."""
    result = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}", cwd=cwd, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def prod_ref_at(rev: str | None, cwd: Path | None = None) -> str | None:
    """The raw deploy/prod.ref content at `rev` (None: working tree); None if absent."""
    return file_at(PROD_REF_PATH, rev, cwd=cwd)


def live_dev(cwd: Path | None = None, tag: str = LIVE_DEV_TAG) -> str:
    sha = resolve_commit(f"refs/tags/{tag}", cwd=cwd)
    if sha is None:
        raise GitOpsError(
            f"there is no tag {tag}: no dev deploy has succeeded yet (or the checkout did not "
            "fetch tags: use actions/checkout with fetch-depth: 0)"
        )
    return sha


def promotion_problems(
    sha: str, *, main: str = MAIN, live_dev_tag: str = LIVE_DEV_TAG, cwd: Path | None = None
) -> list[str]:
    """Why `sha` must not be deployed to prod (empty: it may)."""
    if not _SHA.fullmatch(sha):
        return [f"{sha!r} is not a full 40-hex commit SHA"]
    problems: list[str] = []
    commit = resolve_commit(sha, cwd=cwd)
    if commit is None:
        return [f"{sha} is not a commit of this repository"]
    main_commit = resolve_commit(main, cwd=cwd)
    if main_commit is None:
        problems.append(f"cannot resolve {main}")
    elif _git("merge-base", "--is-ancestor", commit, main_commit, cwd=cwd, check=False).returncode:
        problems.append(f"{sha} is not an ancestor of {main} ({main_commit})")
    live = resolve_commit(f"refs/tags/{live_dev_tag}", cwd=cwd)
    if live is None:
        problems.append(f"there is no tag {live_dev_tag}: nothing is recorded as live in dev")
    elif live != commit:
        problems.append(
            f"{sha} is not the commit live in dev ({live_dev_tag} is {live}); "
            "run the Promote workflow again to promote what dev runs now"
        )
    return problems


def deployed_sha(stack: str, cwd: Path | None = None) -> str:
    if stack == "dev":
        return live_dev(cwd=cwd)
    if stack == "prod":
        text = prod_ref_at(None, cwd=cwd)
        if text is None:
            raise GitOpsError(f"{PROD_REF_PATH} does not exist: nothing was promoted to prod yet")
        return parse_prod_ref(text)
    raise GitOpsError(f"unknown stack {stack!r} (known: {', '.join(STACKS)})")


def file_at(path: str, rev: str | None, cwd: Path | None = None) -> str | None:
    """A repository file's text in the working tree (rev None) or at `rev`; None if absent."""
    if rev is None:
        target = (cwd or Path.cwd()) / path
        return target.read_text(encoding="utf-8") if target.is_file() else None
    result = _git("show", f"{rev}:{path}", cwd=cwd, check=False)
    return result.stdout if result.returncode == 0 else None


def locked_version(lock_text: str, package: str = PULUMI_SDK) -> str:
    """The version of `package` in a uv.lock (exactly one entry, a plain release)."""
    try:
        lock = tomllib.loads(lock_text)
    except tomllib.TOMLDecodeError as error:
        raise GitOpsError(f"{LOCK_PATH} is not valid TOML: {error}") from error
    versions = [
        str(entry.get("version", ""))
        for entry in lock.get("package", [])
        if isinstance(entry, dict) and entry.get("name") == package
    ]
    if len(versions) != 1:
        raise GitOpsError(
            f"{LOCK_PATH} must lock exactly one {package!r} package, found {len(versions)}"
        )
    (version,) = versions
    if not _RELEASE.fullmatch(version):
        raise GitOpsError(f"{LOCK_PATH} locks {package} {version!r}, not a release number")
    return version


def pinned_version(pyproject_text: str) -> str | None:
    """The X of a `pulumi==X` dependency in pyproject.toml (None without an exact pin)."""
    try:
        project = tomllib.loads(pyproject_text).get("project", {})
    except tomllib.TOMLDecodeError as error:
        raise GitOpsError(f"{PYPROJECT_PATH} is not valid TOML: {error}") from error
    for dependency in project.get("dependencies", []):
        match = _SDK_PIN.match(str(dependency))
        if match:
            return match["version"]
    return None


def pulumi_version(rev: str | None = None, cwd: Path | None = None) -> str:
    """The Pulumi CLI release that matches the SDK the program runs with: the `pulumi`
    version in uv.lock (at `rev`, or in the working tree), which pyproject.toml's exact pin,
    if any, must agree with (`uv sync --locked` refuses a stale lock; this says why early)."""
    where = f"at {rev}" if rev else "in the working tree"
    lock = file_at(LOCK_PATH, rev, cwd=cwd)
    if lock is None:
        raise GitOpsError(f"{LOCK_PATH} does not exist {where}")
    version = locked_version(lock)
    pyproject = file_at(PYPROJECT_PATH, rev, cwd=cwd)
    pin = pinned_version(pyproject) if pyproject is not None else None
    if pin is not None and pin != version:
        raise GitOpsError(
            f"{PYPROJECT_PATH} pins {PULUMI_SDK}=={pin} but {LOCK_PATH} locks {version} "
            f"{where}: run `uv lock`"
        )
    return version


def _write_outputs(values: dict[str, str]) -> None:
    target = os.environ.get("GITHUB_OUTPUT")
    if not target:
        return
    with open(target, "a", encoding="utf-8") as handle:
        for key, value in values.items():
            if "\n" in value:
                raise GitOpsError(f"output {key} must be a single line")
            handle.write(f"{key}={value}\n")


def _write_summary(lines: Sequence[str]) -> None:
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")


def _cmd_affected(args: argparse.Namespace) -> int:
    paths = changed_files(args.base, args.head)
    stacks = affected_stacks(paths)
    prod_ref_changed = PROD_REF_PATH in paths
    prod_ref = ""
    if prod_ref_changed:
        text = prod_ref_at(args.head)
        # An invalid pin is reported by verify-promotion; here it only selects what to preview.
        if text is not None and _SHA.fullmatch(text.strip()):
            prod_ref = text.strip()
    outputs = {
        "stacks": json.dumps(stacks, separators=(",", ":")),
        "prod-ref-changed": str(prod_ref_changed).lower(),
        "prod-ref": prod_ref,
        "promotion-only": str(paths == [PROD_REF_PATH]).lower(),
    }
    _write_outputs(outputs)
    _write_summary(
        [
            "### Stacks affected by this change",
            "",
            f"{', '.join(f'`{s}`' for s in stacks) or 'none'} "
            f"({len(paths)} changed file{'s' if len(paths) != 1 else ''})",
            "",
            *(
                f"- `{path}` → {', '.join(sorted(stacks_for_path(path))) or '—'}"
                for path in paths[:200]
            ),
        ]
    )
    print(json.dumps(outputs, indent=2))
    return 0


def _cmd_prod_ref(args: argparse.Namespace) -> int:
    text = prod_ref_at(args.rev)
    if text is None:
        if args.allow_missing:
            return 0
        raise GitOpsError(f"{PROD_REF_PATH} does not exist at {args.rev or 'the working tree'}")
    print(parse_prod_ref(text))
    return 0


def _cmd_live_dev(_: argparse.Namespace) -> int:
    print(live_dev())
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    problems = promotion_problems(args.sha, main=args.main, live_dev_tag=args.live_dev)
    for problem in problems:
        print(f"::error title=Promotion refused::{problem}", file=sys.stderr)
    if not problems:
        print(f"{args.sha} is on {args.main} and is the commit live in dev")
    return 1 if problems else 0


def _cmd_deployed(args: argparse.Namespace) -> int:
    print(deployed_sha(args.stack))
    return 0


def _cmd_pulumi_version(args: argparse.Namespace) -> int:
    version = pulumi_version(args.rev)
    _write_outputs({"version": version})
    print(version)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gitops.py", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    affected = commands.add_parser("affected-stacks", help="stacks a change can affect")
    affected.add_argument("--base", default=MAIN)
    affected.add_argument("--head", default="HEAD")
    affected.set_defaults(run=_cmd_affected)

    prod_ref = commands.add_parser("prod-ref", help="the SHA pinned in deploy/prod.ref")
    prod_ref.add_argument("--rev", default=None, help="read it at this revision")
    prod_ref.add_argument("--allow-missing", action="store_true", help="print nothing if absent")
    prod_ref.set_defaults(run=_cmd_prod_ref)

    live = commands.add_parser("live-dev", help="the commit live in dev")
    live.set_defaults(run=_cmd_live_dev)

    verify = commands.add_parser("verify-promotion", help="may this SHA be deployed to prod?")
    verify.add_argument("--sha", required=True)
    verify.add_argument("--main", default=MAIN)
    verify.add_argument("--live-dev", default=LIVE_DEV_TAG)
    verify.set_defaults(run=_cmd_verify)

    deployed = commands.add_parser("deployed-sha", help="the commit deployed to a stack")
    deployed.add_argument("--stack", required=True, choices=STACKS)
    deployed.set_defaults(run=_cmd_deployed)

    version = commands.add_parser(
        "pulumi-version", help="the Pulumi CLI release: the pulumi SDK locked in uv.lock"
    )
    version.add_argument("--rev", default=None, help="read uv.lock at this revision")
    version.set_defaults(run=_cmd_pulumi_version)

    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except GitOpsError as error:
        print(f"::error::{error}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as error:
        print(f"::error::{' '.join(error.cmd)} failed: {error.stderr.strip()}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
