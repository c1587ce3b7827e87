"""The decisions the workflows delegate to .github/scripts: which stacks a change affects,
which commit may go to prod, and the GitHub API calls that record and promote it (run
against a fake `gh` that logs its arguments)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from tests.github.workflow_checks import REPO

pytestmark = pytest.mark.unit

SCRIPTS = REPO / ".github" / "scripts"


def _load_gitops() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gitops", SCRIPTS / "gitops.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gitops = _load_gitops()

GIT_ENV = {
    "GIT_AUTHOR_NAME": "t",
    "GIT_AUTHOR_EMAIL": "t@example.invalid",
    "GIT_COMMITTER_NAME": "t",
    "GIT_COMMITTER_EMAIL": "t@example.invalid",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


class Repo:
    """A scratch git repository; `main` plays origin/main."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet", "--initial-branch=main")

    def git(self, *args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=self.path, check=True, capture_output=True, text=True
        ).stdout.strip()

    def commit(self, files: dict[str, str | None], message: str = "change") -> str:
        for name, content in files.items():
            target = self.path / name
            if content is None:
                self.git("rm", "--quiet", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
            self.git("add", name)
        self.git("commit", "--quiet", "--allow-empty", "-m", message)
        return self.git("rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repo:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return Repo(tmp_path / "repo")


# --- which stacks a change affects ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "stacks"),
    [
        ("Pulumi.dev.yaml", {"dev"}),
        ("Pulumi.prod.yaml", {"prod"}),
        ("Pulumi.qa.yaml", set()),
        ("deploy/prod.ref", {"prod"}),
        ("infra/program.py", {"dev", "prod"}),
        ("functions/check_data.py", {"dev", "prod"}),
        ("workflow/pipeline.py", {"dev", "prod"}),
        ("uv.lock", {"dev", "prod"}),
        ("pyproject.toml", {"dev", "prod"}),
        ("Pulumi.yaml", {"dev", "prod"}),
        ("Makefile", {"dev", "prod"}),
        (".github/workflows/deploy-dev.yml", {"dev", "prod"}),
        ("a-new-top-level/thing.py", {"dev", "prod"}),
        ("docs/gitops.md", set()),
        ("README.md", set()),
        ("infra/README.md", set()),
        ("tests/github/test_workflows.py", set()),
        ("localcloud/demo.py", set()),
        (".github/dependabot.yml", set()),
    ],
)
def test_stacks_for_path(path: str, stacks: set[str]) -> None:
    assert gitops.stacks_for_path(path) == stacks


def test_affected_stacks_is_the_union_in_deployment_order() -> None:
    assert gitops.affected_stacks(["Pulumi.prod.yaml", "Pulumi.dev.yaml"]) == ["dev", "prod"]
    assert gitops.affected_stacks(["deploy/prod.ref", "docs/x.md"]) == ["prod"]
    assert gitops.affected_stacks(["docs/x.md"]) == []
    assert gitops.affected_stacks([]) == []


@pytest.mark.parametrize(
    "text",
    ["", "abc", "A" * 40, "a" * 39 + "\n", "a" * 41, f"{'a' * 40}\n{'b' * 40}\n", f" {'a' * 40}"],
)
def test_a_malformed_prod_ref_is_refused(text: str) -> None:
    with pytest.raises(gitops.GitOpsError):
        gitops.parse_prod_ref(text)


def test_a_prod_ref_holds_one_sha() -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    assert gitops.parse_prod_ref(sha + "\n") == sha
    assert gitops.parse_prod_ref(sha) == sha


def test_changed_files_count_both_sides_of_a_rename(repo: Repo) -> None:
    base = repo.commit({"Pulumi.dev.yaml": "config: {}\n", "docs/a.md": "a\n"})
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.git("mv", "Pulumi.dev.yaml", "docs/old-dev.yaml")
    repo.commit({})
    changed = gitops.changed_files(base, "HEAD", cwd=repo.path)
    assert sorted(changed) == ["Pulumi.dev.yaml", "docs/old-dev.yaml"]
    assert gitops.affected_stacks(changed) == ["dev"]


def _outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines())


def test_affected_stacks_command_writes_the_job_outputs(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = repo.commit({"infra/program.py": "x = 1\n"})
    repo.git("checkout", "--quiet", "-b", "promote/prod")
    repo.commit({"deploy/prod.ref": first + "\n"})
    output, summary = tmp_path / "out", tmp_path / "summary"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.chdir(repo.path)
    assert gitops.main(["affected-stacks", "--base", "main"]) == 0
    assert _outputs(output) == {
        "stacks": '["prod"]',
        "prod-ref-changed": "true",
        "prod-ref": first,
        "promotion-only": "true",
    }
    assert "deploy/prod.ref" in summary.read_text(encoding="utf-8")

    repo.commit({"Pulumi.dev.yaml": "config: {}\n"})
    output.unlink()
    assert gitops.main(["affected-stacks", "--base", "main"]) == 0
    assert _outputs(output) == {
        "stacks": '["dev","prod"]',
        "prod-ref-changed": "true",
        "prod-ref": first,
        "promotion-only": "false",
    }


# --- which commit may go to prod ------------------------------------------------------------


@pytest.fixture
def history(repo: Repo) -> dict[str, str]:
    """main: a - b (live/dev) - c; side branch: s (never merged)."""
    shas = {"a": repo.commit({"f": "a"}), "b": repo.commit({"f": "b"})}
    repo.git("tag", "live/dev", shas["b"])
    shas["c"] = repo.commit({"f": "c"})
    repo.git("checkout", "--quiet", "-b", "side", shas["a"])
    shas["s"] = repo.commit({"f": "s"})
    repo.git("checkout", "--quiet", "main")
    return shas


def test_the_commit_live_in_dev_on_main_may_be_promoted(
    repo: Repo, history: dict[str, str]
) -> None:
    assert gitops.promotion_problems(history["b"], main="main", cwd=repo.path) == []
    assert gitops.live_dev(cwd=repo.path) == history["b"]


def test_a_commit_that_is_not_live_in_dev_is_refused(repo: Repo, history: dict[str, str]) -> None:
    (problem,) = gitops.promotion_problems(history["a"], main="main", cwd=repo.path)
    assert "not the commit live in dev" in problem


def test_a_commit_off_main_is_refused_even_if_dev_runs_it(
    repo: Repo, history: dict[str, str]
) -> None:
    repo.git("tag", "--force", "live/dev", history["s"])
    (problem,) = gitops.promotion_problems(history["s"], main="main", cwd=repo.path)
    assert "is not an ancestor of main" in problem


def test_nothing_is_promoted_before_dev_was_deployed(repo: Repo, history: dict[str, str]) -> None:
    repo.git("tag", "--delete", "live/dev")
    (problem,) = gitops.promotion_problems(history["b"], main="main", cwd=repo.path)
    assert "there is no tag live/dev" in problem
    with pytest.raises(gitops.GitOpsError):
        gitops.live_dev(cwd=repo.path)


@pytest.mark.parametrize("sha", ["", "HEAD", "b" * 39, "f" * 40])
def test_anything_but_a_known_full_sha_is_refused(
    repo: Repo, history: dict[str, str], sha: str
) -> None:
    assert gitops.promotion_problems(sha, main="main", cwd=repo.path)


def test_verify_promotion_command_exit_codes(
    repo: Repo,
    history: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(repo.path)
    assert gitops.main(["verify-promotion", "--sha", history["b"], "--main", "main"]) == 0
    assert gitops.main(["verify-promotion", "--sha", history["c"], "--main", "main"]) == 1
    assert "::error title=Promotion refused::" in capsys.readouterr().err


def test_deployed_sha_of_each_stack(
    repo: Repo, history: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(repo.path)
    assert gitops.deployed_sha("dev") == history["b"]
    with pytest.raises(gitops.GitOpsError, match="nothing was promoted"):
        gitops.deployed_sha("prod")
    repo.commit({"deploy/prod.ref": history["a"] + "\n"})
    assert gitops.deployed_sha("prod") == history["a"]
    assert gitops.main(["prod-ref", "--rev", "main"]) == 0


# --- which Pulumi CLI to install ---------------------------------------------------------------


def _lock(version: str, *, extra: str = "") -> str:
    """A uv.lock with `pulumi` at `version` (and a provider whose name starts the same)."""
    template = textwrap.dedent(
        """\
        version = 1
        requires-python = ">=3.11"

        [[package]]
        name = "pulumi"
        version = "{version}"
        source = {{ registry = "https://pypi.org/simple" }}

        [[package]]
        name = "pulumi-aws"
        version = "7.0.0"
        source = {{ registry = "https://pypi.org/simple" }}
        """
    )
    return template.format(version=version) + extra


def _pyproject(pin: str) -> str:
    return f'[project]\nname = "x"\ndependencies = ["{pin}", "pulumi-aws==7.0.0"]\n'


def test_the_cli_version_is_the_pulumi_sdk_locked_in_uv_lock(
    repo: Repo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    old = repo.commit(
        {"uv.lock": _lock("3.200.0"), "pyproject.toml": _pyproject("pulumi==3.200.0")}
    )
    repo.commit({"uv.lock": _lock("3.201.1"), "pyproject.toml": _pyproject("pulumi==3.201.1")})
    output = tmp_path / "out"
    monkeypatch.setenv("GITHUB_OUTPUT", str(output))
    monkeypatch.chdir(repo.path)
    assert gitops.main(["pulumi-version"]) == 0
    assert capsys.readouterr().out.strip() == "3.201.1"
    assert _outputs(output) == {"version": "3.201.1"}
    # At a revision: that commit's lock, whatever the working tree holds.
    output.unlink()
    assert gitops.main(["pulumi-version", "--rev", old]) == 0
    assert _outputs(output) == {"version": "3.200.0"}


def test_the_cli_version_follows_a_lock_bump_without_a_pin(repo: Repo) -> None:
    repo.commit({"uv.lock": _lock("3.210.0"), "pyproject.toml": _pyproject("pulumi>=3.200")})
    assert gitops.pulumi_version(cwd=repo.path) == "3.210.0"
    assert gitops.pulumi_version("HEAD", cwd=repo.path) == "3.210.0"


@pytest.mark.parametrize(
    ("lock", "pyproject", "message"),
    [
        (_lock("3.201.0"), _pyproject("pulumi==3.200.0"), "pins pulumi==3.200.0 but uv.lock locks"),
        (_lock("latest"), _pyproject("pulumi>=3"), "not a release number"),
        (_lock("3.1.0").replace('name = "pulumi"\n', 'name = "pulumi-x"\n'), "", "exactly one"),
        (
            _lock("3.1.0", extra='\n[[package]]\nname = "pulumi"\nversion = "3.2.0"\n'),
            "",
            "found 2",
        ),
        ("[[package]\n", "", "not valid TOML"),
        (None, "", "uv.lock does not exist"),
    ],
)
def test_a_lock_that_names_no_single_release_is_refused(
    repo: Repo, lock: str | None, pyproject: str, message: str
) -> None:
    files: dict[str, str | None] = {"pyproject.toml": pyproject}
    if lock is not None:
        files["uv.lock"] = lock
    repo.commit(files)
    for rev in (None, "HEAD"):
        with pytest.raises(gitops.GitOpsError, match=re.escape(message)):
            gitops.pulumi_version(rev, cwd=repo.path)


def test_the_cli_version_command_fails_the_step_on_a_bad_lock(
    repo: Repo, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo.commit({"uv.lock": _lock("3.201.0"), "pyproject.toml": _pyproject("pulumi==3.200.0")})
    monkeypatch.chdir(repo.path)
    assert gitops.main(["pulumi-version"]) == 1
    assert "::error::pyproject.toml pins pulumi==3.200.0" in capsys.readouterr().err


def test_the_sdk_pin_is_pulumi_itself_not_a_provider() -> None:
    assert gitops.pinned_version(_pyproject("pulumi==3.5.0")) == "3.5.0"
    assert (
        gitops.pinned_version(_pyproject("Pulumi[grpc] == 3.5.0 ; python_version>'3'")) == "3.5.0"
    )
    text = '[project]\ndependencies = ["pulumi-aws==7.0.0", "pulumi>=3"]\n'
    assert gitops.pinned_version(text) is None


# --- the shell scripts, against a fake gh -------------------------------------------------------

FAKE_GH = textwrap.dedent(
    """\
    #!{python}
    import json, os, sys
    args = sys.argv[1:]
    with open(os.environ["FAKE_GH_LOG"], "a") as log:
        log.write(json.dumps(args) + "\\n")
    state = json.loads(os.environ.get("FAKE_GH_STATE", "{{}}"))
    joined = " ".join(args)
    if args[:1] == ["api"] and "--method" not in args:
        # GET: does the ref / file exist?
        exists = any(key in joined for key in state.get("existing", []))
        if "--jq" in args and exists:
            print("blob-sha")
        sys.exit(0 if exists else 1)
    if args[:2] in (["issue", "list"], ["pr", "list"]):
        print(state.get("found", ""))
    if args[:2] == ["pr", "create"]:
        print("https://github.com/o/r/pull/7")
    """
)


@pytest.fixture
def fake_gh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    gh = bin_dir / "gh"
    gh.write_text(FAKE_GH.format(python=sys.executable), encoding="utf-8")
    gh.chmod(gh.stat().st_mode | stat.S_IEXEC)
    log = tmp_path / "gh.log"
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_GH_LOG", str(log))
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    return log


def run_script(
    name: str, *args: str, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPTS / name), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=cwd,
        timeout=60,
        check=False,
    )


def gh_calls(log: Path) -> list[list[str]]:
    return (
        [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
        if log.exists()
        else []
    )


SHA = "0123456789abcdef0123456789abcdef01234567"


def test_set_ref_creates_a_missing_tag(fake_gh: Path) -> None:
    result = run_script("set-ref.sh", "tags/live/dev", SHA)
    assert result.returncode == 0, result.stderr
    assert gh_calls(fake_gh)[-1] == [
        "api",
        "--method",
        "POST",
        "repos/o/r/git/refs",
        "-f",
        "ref=refs/tags/live/dev",
        "-f",
        f"sha={SHA}",
    ]


def test_set_ref_moves_an_existing_tag(fake_gh: Path) -> None:
    result = run_script(
        "set-ref.sh", "tags/live/dev", SHA, FAKE_GH_STATE='{"existing": ["git/ref/tags/live/dev"]}'
    )
    assert result.returncode == 0, result.stderr
    assert gh_calls(fake_gh)[-1] == [
        "api",
        "--method",
        "PATCH",
        "repos/o/r/git/refs/tags/live/dev",
        "-f",
        f"sha={SHA}",
        "-F",
        "force=true",
    ]


@pytest.mark.parametrize(
    ("ref", "sha"), [("tags/live/dev", "HEAD"), ("tags/live/dev", SHA[:12]), ("../x", SHA)]
)
def test_set_ref_refuses_odd_arguments(fake_gh: Path, ref: str, sha: str) -> None:
    result = run_script("set-ref.sh", ref, sha)
    assert result.returncode == 1
    assert gh_calls(fake_gh) == []


def test_drift_opens_an_issue_per_stack(fake_gh: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text(
        "~ aws:lambda:Function check-data update [diff: ~timeout]\n", encoding="utf-8"
    )
    result = run_script(
        "drift-issue.sh", STACK="prod", DRIFT="true", REPORT=str(report), DEPLOYED=SHA
    )
    assert result.returncode == 0, result.stderr
    create = next(c for c in gh_calls(fake_gh) if c[:2] == ["issue", "create"])
    assert create[create.index("--title") + 1] == "Drift detected in stack prod"
    assert create[create.index("--label") + 1] == "drift"
    body = Path(create[create.index("--body-file") + 1]).read_text(encoding="utf-8")
    assert "~timeout" in body and SHA in body and "```diff" in body


def test_drift_updates_the_open_issue(fake_gh: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("diff\n", encoding="utf-8")
    result = run_script(
        "drift-issue.sh",
        STACK="dev",
        DRIFT="true",
        REPORT=str(report),
        FAKE_GH_STATE='{"found": "12"}',
    )
    assert result.returncode == 0, result.stderr
    kinds = [c[:3] for c in gh_calls(fake_gh)]
    assert ["issue", "edit", "12"] in kinds and ["issue", "comment", "12"] in kinds
    assert not any(c[:2] == ["issue", "create"] for c in gh_calls(fake_gh))


def test_a_clean_stack_closes_its_issue(fake_gh: Path) -> None:
    result = run_script(
        "drift-issue.sh", STACK="dev", DRIFT="false", FAKE_GH_STATE='{"found": "12"}'
    )
    assert result.returncode == 0, result.stderr
    assert any(c[:3] == ["issue", "close", "12"] for c in gh_calls(fake_gh))


def test_a_clean_stack_without_issue_does_nothing(fake_gh: Path) -> None:
    result = run_script("drift-issue.sh", STACK="dev", DRIFT="false")
    assert result.returncode == 0, result.stderr
    assert not any(c[0] == "issue" and c[1] != "list" for c in gh_calls(fake_gh))


def test_promotion_opens_a_pull_request_and_starts_its_checks(
    fake_gh: Path, repo: Repo, tmp_path: Path
) -> None:
    old = repo.commit({"f": "old"}, "old")
    new = repo.commit({"f": "new"}, "the change being promoted")
    output = tmp_path / "out"
    result = run_script(
        "open-promotion-pr.sh", cwd=repo.path, SHA=new, CURRENT=old, GITHUB_OUTPUT=str(output)
    )
    assert result.returncode == 0, result.stderr
    calls = gh_calls(fake_gh)
    # the branch starts at main's head, then deploy/prod.ref = SHA is committed on it
    assert [
        "api",
        "--method",
        "POST",
        "repos/o/r/git/refs",
        "-f",
        "ref=refs/heads/promote/prod",
        "-f",
        f"sha={new}",
    ] in calls
    put = next(c for c in calls if c[:3] == ["api", "--method", "PUT"])
    content = next(a for a in put if a.startswith("content="))
    assert (
        subprocess.run(
            ["base64", "-d"], input=content[8:], capture_output=True, text=True, check=True
        ).stdout
        == new + "\n"
    )
    create = next(c for c in calls if c[:2] == ["pr", "create"])
    assert create[create.index("--head") + 1] == "promote/prod"
    body = Path(create[create.index("--body-file") + 1]).read_text(encoding="utf-8")
    assert "the change being promoted" in body and new in body
    assert calls[-1] == [
        "workflow",
        "run",
        "pull-request.yml",
        "--repo",
        "o/r",
        "--ref",
        "promote/prod",
        "-f",
        "pr-number=7",
    ]
    assert output.read_text(encoding="utf-8") == "pr=7\n"


def test_promotion_updates_the_open_pull_request(fake_gh: Path, repo: Repo) -> None:
    sha = repo.commit({"f": "x"})
    state = json.dumps(
        {"found": "9", "existing": ["git/ref/heads/promote/prod", "contents/deploy/prod.ref"]}
    )
    result = run_script(
        "open-promotion-pr.sh", cwd=repo.path, SHA=sha, CURRENT="", FAKE_GH_STATE=state
    )
    assert result.returncode == 0, result.stderr
    calls = gh_calls(fake_gh)
    assert any(c[:3] == ["pr", "edit", "9"] for c in calls)
    assert not any(c[:2] == ["pr", "create"] for c in calls)
    put = next(c for c in calls if c[:3] == ["api", "--method", "PUT"])
    assert "sha=blob-sha" in put  # updating a file needs its current blob
    assert calls[-1][-1] == "pr-number=9"
