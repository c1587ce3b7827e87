"""Static checks of the GitHub workflows: each returns the problems it finds (empty = fine).

The tests run every check on the real files (no problem allowed) and on mutated copies
(the problem must be reported), so no check here can pass vacuously.
"""

from __future__ import annotations

import copy
import re
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.github.action_pins import MIN_NODE, node_major, pin_for

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / ".github"
WORKFLOWS = GITHUB / "workflows"

STACKS = ("dev", "prod")
PROD_REF = "deploy/prod.ref"
MATRIX_STACK = "${{ matrix.stack }}"

# Scopes a job may be granted `write` on, and why (everything else stays read or none).
WRITE_SCOPES = {
    "id-token": "OIDC to AWS; only with aws-actions/configure-aws-credentials",
    "pull-requests": "preview comments, promotion pull request",
    "issues": "drift issues",
    "contents": "the live/dev tag, the promotion branch",
    "actions": "dispatching the promotion pull request's checks",
}
AWS_ACTION = "aws-actions/configure-aws-credentials"
PULUMI_ACTION = "pulumi/actions"
CHECKOUT_ACTION = "actions/checkout"

_SHA_PIN = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")
_VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\b")
_EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_STACK_COMMANDS = {
    "up",
    "update",
    "preview",
    "refresh",
    "destroy",
    "stack",
    "import",
    "state",
    "cancel",
    "config",
}


@dataclass
class Workflow:
    name: str
    text: str
    data: dict[str, Any] = field(repr=False)

    @classmethod
    def from_text(cls, name: str, text: str) -> Workflow:
        data = yaml.safe_load(text)
        if not isinstance(data, dict):
            raise ValueError(f"{name}: not a mapping")
        # YAML 1.1 reads the key `on` as the boolean true.
        if True in data:
            data["on"] = data.pop(True)
        return cls(name, text, data)

    @classmethod
    def load(cls, path: Path) -> Workflow:
        return cls.from_text(path.name, path.read_text(encoding="utf-8"))

    def mutated(self, old: str, new: str) -> Workflow:
        """A copy whose text has `old` (which must occur) replaced by `new`, once."""
        if old not in self.text:
            raise AssertionError(f"{self.name}: {old!r} does not occur")
        return Workflow.from_text(self.name, self.text.replace(old, new, 1))

    def with_data(self, data: dict[str, Any]) -> Workflow:
        return Workflow(self.name, yaml.safe_dump(data, sort_keys=False), copy.deepcopy(data))

    @property
    def jobs(self) -> dict[str, dict[str, Any]]:
        return self.data.get("jobs") or {}

    @property
    def env(self) -> dict[str, Any]:
        return self.data.get("env") or {}

    def triggers(self) -> dict[str, Any]:
        on = self.data.get("on")
        if isinstance(on, str):
            return {on: None}
        if isinstance(on, list):
            return dict.fromkeys(on)
        return dict(on or {})


def load_workflows(directory: Path = WORKFLOWS) -> list[Workflow]:
    return [Workflow.load(path) for path in sorted(directory.glob("*.y*ml"))]


# --- reading jobs -------------------------------------------------------------------------


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


def action(step: dict[str, Any]) -> str | None:
    """`owner/repo` (or `owner/repo/path`) of a step's `uses`, without the ref."""
    uses = step.get("uses")
    return uses.split("@", 1)[0] if isinstance(uses, str) else None


def runs(job: dict[str, Any]) -> list[str]:
    return [str(step["run"]) for step in steps(job) if "run" in step]


def script(job: dict[str, Any]) -> str:
    """All `run:` scripts of a job, with line continuations joined."""
    return "\n".join(runs(job)).replace("\\\n", " ")


def normalize(expression: Any) -> str:
    """`${{  matrix.stack }}` -> `${{ matrix.stack }}`, for comparisons."""
    return _EXPR.sub(lambda m: "${{ " + m.group(1) + " }}", str(expression)).strip()


def environment(job: dict[str, Any]) -> str | None:
    env = job.get("environment")
    if isinstance(env, dict):
        env = env.get("name")
    return None if env is None else str(env)


def effective_env(workflow: Workflow, job: dict[str, Any], step: dict[str, Any]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for scope in (workflow.env, job.get("env") or {}, step.get("env") or {}):
        merged.update({str(k): str(v) for k, v in scope.items()})
    return merged


def resolve(value: Any, env: dict[str, str]) -> str:
    """`${{ env.X }}` and `$X` / `${X}` (whole value) replaced by X's value in `env`."""
    text = normalize(value)
    match = re.fullmatch(r"\$\{\{ env\.(\w+) \}\}|\$\{?(\w+)\}?", text)
    if match:
        name = match.group(1) or match.group(2)
        if name in env:
            return normalize(env[name])
    return text


def needs(job: dict[str, Any]) -> list[str]:
    value = job.get("needs") or []
    return [value] if isinstance(value, str) else list(value)


def transitive_needs(workflow: Workflow, job_id: str) -> set[str]:
    seen: set[str] = set()
    todo = list(needs(workflow.jobs[job_id]))
    while todo:
        current = todo.pop()
        if current in seen or current not in workflow.jobs:
            continue
        seen.add(current)
        todo.extend(needs(workflow.jobs[current]))
    return seen


def matrix_stacks(job: dict[str, Any]) -> list[str] | None:
    """The literal `matrix.stack` values, or None when the matrix is computed at run time."""
    matrix = (job.get("strategy") or {}).get("matrix") or {}
    values = matrix.get("stack") if isinstance(matrix, dict) else None
    return [str(v) for v in values] if isinstance(values, list) else None


def pulumi_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for step in steps(job) if action(step) == PULUMI_ACTION]


def _cli_invocations(job: dict[str, Any]) -> Iterator[tuple[dict[str, Any], str, list[str]]]:
    """(step, subcommand, words) of each `pulumi ...` or `python -m infra.smoke ...` command
    in the job's scripts; `echo "pulumi up"` and comments are not commands."""
    for step in steps(job):
        if "run" not in step:
            continue
        for words in _commands(str(step["run"])):
            if Path(words[0]).name == "pulumi":
                rest = iter(words[1:])
                for word in rest:
                    if word in ("-C", "--cwd"):
                        next(rest, None)
                    elif not word.startswith("-"):
                        yield step, word, words
                        break
            elif Path(words[0]).name.startswith("python") and words[1:3] == ["-m", "infra.smoke"]:
                yield step, "smoke", words


def pulumi_commands(job: dict[str, Any]) -> set[str]:
    """Pulumi commands a job runs against a stack (the action's `command`, or the CLI), plus
    `smoke` for the smoke check that reads a stack."""
    commands = {
        str((step.get("with") or {}).get("command"))
        for step in pulumi_steps(job)
        if (step.get("with") or {}).get("command")
    }
    return commands | {
        sub for _, sub, _ in _cli_invocations(job) if sub in _STACK_COMMANDS or sub == "smoke"
    }


def touches_stack(job: dict[str, Any]) -> bool:
    return bool(pulumi_commands(job))


def runs_up(job: dict[str, Any]) -> bool:
    return bool(pulumi_commands(job) & {"up", "update"})


def refresh_invocations(job: dict[str, Any]) -> list[list[str]]:
    return [words for _, sub, words in _cli_invocations(job) if sub == "refresh"]


def mutates_stack(job: dict[str, Any]) -> bool:
    """Writes a stack's state: up, destroy, import, state edits, a refresh that is not a preview."""
    if pulumi_commands(job) & {"up", "update", "destroy", "import", "state", "cancel"}:
        return True
    if any((s.get("with") or {}).get("command") == "refresh" for s in pulumi_steps(job)):
        return True
    return any("--preview-only" not in words for words in refresh_invocations(job))


def _stack_arguments(words: list[str]) -> list[str]:
    found = []
    for i, word in enumerate(words):
        if word in ("--stack", "-s") and i + 1 < len(words):
            found.append(words[i + 1])
        elif word.startswith("--stack="):
            found.append(word.split("=", 1)[1])
    return found


def job_stacks(workflow: Workflow, job: dict[str, Any]) -> set[str]:
    """Stacks a job names: literal names, or MATRIX_STACK when it is `matrix.stack`."""
    named: list[tuple[dict[str, Any], str]] = [
        (step, str(step["with"]["stack-name"]))
        for step in pulumi_steps(job)
        if (step.get("with") or {}).get("stack-name")
    ]
    named += [
        (step, name) for step, _, words in _cli_invocations(job) for name in _stack_arguments(words)
    ]
    found: set[str] = set()
    for step, name in named:
        value = resolve(name, effective_env(workflow, job, step))
        found.add(MATRIX_STACK if "matrix.stack" in value else value)
    return found


def program_ref(workflow: Workflow, job: dict[str, Any]) -> str | None:
    """What the job's work tree holds last: a checkout `ref`, or a `git checkout` of an env
    variable; None for the event's default commit."""
    current: str | None = None
    for step in steps(job):
        if action(step) == CHECKOUT_ACTION:
            ref = (step.get("with") or {}).get("ref")
            current = None if ref is None else normalize(ref)
        elif "run" in step:
            env = effective_env(workflow, job, step)
            for var in re.findall(
                r"git\s+checkout\s+(?:--detach\s+)?\"?\$\{?(\w+)\}?\"?", step["run"]
            ):
                current = normalize(env.get(var, f"${var}"))
    return current


def is_property_job(workflow: Workflow, job: dict[str, Any]) -> bool:
    text = script(job)
    if not (
        re.search(r"\bmake\s+properties\b", text)
        or re.search(r"pytest\b.*-m\s+\"?properties\b", text)
    ):
        return False
    return any(
        effective_env(workflow, job, step).get("HYPOTHESIS_PROFILE") == "thorough"
        for step in steps(job)
        if "run" in step and ("properties" in step["run"])
    )


def is_test_job(workflow: Workflow, job: dict[str, Any]) -> bool:
    return bool(re.search(r"\bmake\s+test\b|\bpytest\b", script(job))) and not is_property_job(
        workflow, job
    )


def all_uses(workflow: Workflow) -> Iterator[tuple[str, str]]:
    for job_id, job in workflow.jobs.items():
        if isinstance(job.get("uses"), str):
            yield job_id, job["uses"]
        for step in steps(job):
            if isinstance(step.get("uses"), str):
                yield job_id, step["uses"]


# --- checks: security ----------------------------------------------------------------------


def check_triggers(workflow: Workflow) -> list[str]:
    bad = {"pull_request_target", "workflow_run"} & set(workflow.triggers())
    return [f"{workflow.name}: trigger {t} runs untrusted code with secrets" for t in sorted(bad)]


def check_top_level_permissions(workflow: Workflow) -> list[str]:
    permissions = workflow.data.get("permissions", "missing")
    if permissions in ({}, {"contents": "read"}):
        return []
    return [
        f"{workflow.name}: top-level permissions must be {{}} or contents: read, "
        f"not {permissions!r}"
    ]


def check_job_permissions(workflow: Workflow) -> list[str]:
    problems = []
    for job_id, job in workflow.jobs.items():
        where = f"{workflow.name}:{job_id}"
        permissions = job.get("permissions")
        if not isinstance(permissions, dict):
            problems.append(
                f"{where}: permissions must be an explicit mapping, not {permissions!r}"
            )
            continue
        for scope, level in permissions.items():
            if level not in ("read", "write", "none"):
                problems.append(f"{where}: permission {scope}: {level!r}")
            elif level == "write" and scope not in WRITE_SCOPES:
                problems.append(f"{where}: {scope}: write is never needed here")
        uses_aws = any(action(step) == AWS_ACTION for step in steps(job))
        if (permissions.get("id-token") == "write") != uses_aws:
            problems.append(
                f"{where}: id-token: write must be granted exactly to the jobs that assume an "
                f"AWS role (uses AWS: {uses_aws}, id-token: {permissions.get('id-token')})"
            )
    return problems


def check_pinned_actions(workflow: Workflow) -> list[str]:
    problems = []
    for job_id, uses in all_uses(workflow):
        if uses.startswith("./") or re.fullmatch(r"docker://\S+@sha256:[0-9a-f]{64}", uses):
            continue
        if not _SHA_PIN.match(uses):
            problems.append(f"{workflow.name}:{job_id}: {uses} is not pinned to a 40-hex commit")
            continue
        lines = [line for line in workflow.text.splitlines() if uses in line]
        if not all(_VERSION_COMMENT.search(line.split(uses, 1)[1]) for line in lines):
            problems.append(f"{workflow.name}:{job_id}: {uses} lacks its `# vX.Y.Z` comment")
    return problems


def check_checkout_credentials(workflow: Workflow) -> list[str]:
    return [
        f"{workflow.name}:{job_id}: actions/checkout without persist-credentials: false"
        for job_id, job in workflow.jobs.items()
        for step in steps(job)
        if action(step) == CHECKOUT_ACTION
        and (step.get("with") or {}).get("persist-credentials") is not False
    ]


def check_no_expressions_in_scripts(workflow: Workflow) -> list[str]:
    """`${{ }}` is pasted into a script before the shell parses it: pass values via env."""
    return [
        f"{workflow.name}:{job_id}: `${{{{ }}}}` inside run: {step['run'].strip()[:60]!r}"
        for job_id, job in workflow.jobs.items()
        for step in steps(job)
        if "run" in step and "${{" in str(step["run"])
    ]


def check_aws_oidc(workflow: Workflow) -> list[str]:
    problems = []
    for job_id, job in workflow.jobs.items():
        for step in steps(job):
            inputs = step.get("with") or {}
            if action(step) == AWS_ACTION and (
                not inputs.get("role-to-assume")
                or {"aws-access-key-id", "aws-secret-access-key"} & set(inputs)
            ):
                problems.append(f"{workflow.name}:{job_id}: AWS must be OIDC role-to-assume only")
    if re.search(r"AWS_(SECRET_)?ACCESS_KEY(_ID)?\s*:", workflow.text):
        problems.append(f"{workflow.name}: static AWS keys in env")
    return problems


# --- checks: stacks -------------------------------------------------------------------------


def check_concurrency(workflow: Workflow) -> list[str]:
    """Every job that touches a stack is in a per-stack group. Jobs that write a stack share
    `pulumi-<stack>` and never cancel one another; read-only jobs keep out of that group,
    because GitHub cancels the older of two *pending* jobs of a group."""
    problems = []
    for job_id, job in workflow.jobs.items():
        if not touches_stack(job):
            continue
        where = f"{workflow.name}:{job_id}"
        stacks = job_stacks(workflow, job)
        concurrency = job.get("concurrency")
        if not stacks:
            problems.append(f"{where}: touches a stack but names none")
            continue
        if not isinstance(concurrency, dict) or not concurrency.get("group"):
            problems.append(
                f"{where}: touches stack(s) {sorted(stacks)} without a concurrency group"
            )
            continue
        group = normalize(concurrency["group"])
        if len(stacks) != 1:
            problems.append(f"{where}: one job, one stack (found {sorted(stacks)})")
            continue
        (stack,) = stacks
        if stack not in group:
            problems.append(f"{where}: concurrency group {group!r} does not name stack {stack}")
        if mutates_stack(job):
            if group != f"pulumi-{stack}" or concurrency.get("cancel-in-progress") is not False:
                problems.append(
                    f"{where}: writes stack {stack}: needs group pulumi-{stack} with "
                    f"cancel-in-progress: false (has {group!r}, "
                    f"{concurrency.get('cancel-in-progress')!r})"
                )
        elif group == f"pulumi-{stack}":
            problems.append(f"{where}: read-only job in the deploy group pulumi-{stack}")
    return problems


def check_up_is_gated(workflow: Workflow) -> list[str]:
    """Every `pulumi up` transitively needs a property-test job and a test job, both run on
    the very commit that is deployed."""
    problems = []
    for job_id, job in workflow.jobs.items():
        if not runs_up(job):
            continue
        where = f"{workflow.name}:{job_id}"
        upstream = transitive_needs(workflow, job_id)
        props = [j for j in upstream if is_property_job(workflow, workflow.jobs[j])]
        tests = [j for j in upstream if is_test_job(workflow, workflow.jobs[j])]
        if not props:
            problems.append(
                f"{where}: pulumi up does not need the property tests (HYPOTHESIS_PROFILE=thorough)"
            )
        if not tests:
            problems.append(f"{where}: pulumi up does not need a test job")
        deployed = program_ref(workflow, job)
        for gate in props + tests:
            tested = program_ref(workflow, workflow.jobs[gate])
            if tested != deployed:
                problems.append(
                    f"{where}: deploys {deployed or 'the event commit'} but {gate} tests "
                    f"{tested or 'the event commit'}"
                )
    return problems


def _is_push_to_main_only(workflow: Workflow) -> bool:
    triggers = workflow.triggers()
    push = triggers.get("push") or {}
    return set(triggers) == {"push"} and push.get("branches") == ["main"] and not push.get("tags")


def check_deploy_paths(workflow: Workflow) -> list[str]:
    """dev: environment dev, push to main except promotion merges. prod: environment prod,
    only from a push to main that changes deploy/prod.ref, from the SHA it pins (verified
    against main and live/dev right before the up)."""
    problems = []
    for job_id, job in workflow.jobs.items():
        if not runs_up(job):
            continue
        where = f"{workflow.name}:{job_id}"
        stacks = job_stacks(workflow, job)
        if stacks - set(STACKS):
            problems.append(f"{where}: pulumi up must name its stack literally ({sorted(stacks)})")
        push = workflow.triggers().get("push") or {}
        if not _is_push_to_main_only(workflow):
            problems.append(f"{where}: pulumi up in a workflow not triggered only by push to main")
        if "prod" in stacks:
            if environment(job) != "prod":
                problems.append(f"{where}: prod up outside environment prod")
            if push.get("paths") != [PROD_REF] or push.get("paths-ignore"):
                problems.append(f"{where}: prod up not restricted to pushes changing {PROD_REF}")
            ref = program_ref(workflow, job) or ""
            producers = [
                other
                for other in transitive_needs(workflow, job_id)
                if f"needs.{other}.outputs." in ref
                and "gitops.py prod-ref" in script(workflow.jobs[other])
            ]
            if not producers:
                problems.append(f"{where}: prod up does not check out the SHA read from {PROD_REF}")
            if "gitops.py verify-promotion" not in script(job):
                problems.append(f"{where}: prod up does not verify the SHA (main, live/dev) itself")
        if "dev" in stacks:
            if environment(job) != "dev":
                problems.append(f"{where}: dev up outside environment dev")
            if PROD_REF not in (push.get("paths-ignore") or []):
                problems.append(
                    f"{where}: dev deploys must ignore pushes that only change {PROD_REF}"
                )
    return problems


def check_drift(workflows: Iterable[Workflow]) -> list[str]:
    """A scheduled job per stack runs `pulumi refresh --preview-only --expect-no-changes`;
    nothing anywhere runs a refresh that writes state."""
    problems = []
    covered: set[str] = set()
    for workflow in workflows:
        for job_id, job in workflow.jobs.items():
            if any((s.get("with") or {}).get("command") == "refresh" for s in pulumi_steps(job)):
                problems.append(
                    f"{workflow.name}:{job_id}: pulumi/actions refresh writes the state"
                )
            for words in refresh_invocations(job):
                flags = {"--preview-only", "--expect-no-changes"} - set(words)
                if flags:
                    problems.append(
                        f"{workflow.name}:{job_id}: pulumi refresh without {sorted(flags)}"
                    )
                elif "schedule" in workflow.triggers():
                    stacks = job_stacks(workflow, job)
                    if MATRIX_STACK in stacks:
                        stacks = (stacks - {MATRIX_STACK}) | set(matrix_stacks(job) or [])
                    covered |= stacks
    missing = sorted(set(STACKS) - covered)
    if missing:
        problems.append(f"no scheduled drift check for stack(s) {missing}")
    return problems


# --- checks: day-2 operations ---------------------------------------------------------------

# The one source of the Pulumi CLI version: the step that reads uv.lock.
_LOCK_COMMAND = re.compile(r"gitops\.py\s+pulumi-version\b")
_STEP_OUTPUT = re.compile(r"\$\{\{ steps\.([\w-]+)\.outputs\.version \}\}")
_NEEDS_OUTPUT = re.compile(r"\$\{\{ needs\.([\w-]+)\.outputs\.([\w-]+) \}\}")


def _reads_lock(step: dict[str, Any]) -> bool:
    return "run" in step and bool(_LOCK_COMMAND.search(str(step["run"])))


def _lock_outputs(job: dict[str, Any]) -> set[str]:
    """The job outputs that carry the version a lock-reading step of that job wrote."""
    readers = {str(s["id"]) for s in steps(job) if "id" in s and _reads_lock(s)}
    found = set()
    for name, value in (job.get("outputs") or {}).items():
        match = _STEP_OUTPUT.fullmatch(normalize(value))
        if match and match.group(1) in readers:
            found.add(str(name))
    return found


def check_pulumi_version(workflow: Workflow) -> list[str]:
    """Every pulumi/actions step installs the CLI release that uv.lock locks: its
    `pulumi-version` is the `version` output of an earlier step of the job that runs
    `gitops.py pulumi-version`, or a job output of a needed job that carries it."""
    problems = []
    for job_id, job in workflow.jobs.items():
        where = f"{workflow.name}:{job_id}"
        job_steps = steps(job)
        for index, step in enumerate(job_steps):
            if action(step) != PULUMI_ACTION:
                continue
            inputs = step.get("with") or {}
            if "pulumi-version-file" in inputs:
                problems.append(
                    f"{where}: pulumi-version-file instead of the version gitops.py reads "
                    "from uv.lock"
                )
                continue
            value = normalize(inputs.get("pulumi-version") or "")
            from_step = _STEP_OUTPUT.fullmatch(value)
            from_job = _NEEDS_OUTPUT.fullmatch(value)
            if from_step and any(
                s.get("id") == from_step.group(1) and _reads_lock(s) for s in job_steps[:index]
            ):
                continue
            if (
                from_job
                and from_job.group(1) in needs(job)
                and from_job.group(1) in workflow.jobs
                and from_job.group(2) in _lock_outputs(workflow.jobs[from_job.group(1)])
            ):
                continue
            problems.append(
                f"{where}: Pulumi CLI {value or None!r} is not the version an earlier step "
                "read from uv.lock (gitops.py pulumi-version)"
            )
    return problems


_HARD_CODED_CLI = (
    re.compile(r"pulumi-version:\s*[\"']?v?\d+\.\d+"),
    re.compile(r"\bPULUMI_VERSION\b"),
    re.compile(r"get\.pulumi\.com\S*.*--version"),
)


def hard_coded_cli_versions(files: dict[str, str], sdk_version: str) -> list[str]:
    """Places in `files` (name -> text) that name a Pulumi CLI release instead of reading it
    from uv.lock: the SDK's release itself, a literal `pulumi-version:`, a PULUMI_VERSION
    variable, the installer's `--version`."""
    problems = []
    for name, text in sorted(files.items()):
        for number, line in enumerate(text.splitlines(), 1):
            if sdk_version in line or any(p.search(line) for p in _HARD_CODED_CLI):
                problems.append(f"{name}:{number}: hard-coded Pulumi CLI version: {line.strip()}")
    return problems


def github_files(root: Path = GITHUB) -> dict[str, str]:
    """Every text file under .github, by path relative to the repository."""
    found = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            found[str(path.relative_to(root.parent))] = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not text (an image): names no version
    return found


def check_action_runtimes(workflow: Workflow) -> list[str]:
    """Every pinned action is a commit recorded in tests/github/action_pins.py (checked
    against its upstream tag), its comment names that tag, and its action.yml declares a
    Node runtime the runners still have (MIN_NODE or later)."""
    problems = []
    for job_id, uses in all_uses(workflow):
        if uses.startswith(("./", "docker://")) or "@" not in uses:
            continue
        where = f"{workflow.name}:{job_id}"
        path, ref = uses.split("@", 1)
        repo = "/".join(path.split("/")[:2])
        pin = pin_for(repo, ref)
        if pin is None:
            problems.append(
                f"{where}: {uses} is not a verified pin (tests/github/action_pins.py): check "
                "the tag's commit and its action.yml upstream, then record it"
            )
            continue
        major = node_major(pin.runtime)
        if major is not None and major < MIN_NODE:
            problems.append(
                f"{where}: {repo} {pin.version} declares {pin.runtime}; the runners no "
                f"longer provide it (node{MIN_NODE} or later)"
            )
        for line in workflow.text.splitlines():
            if uses not in line:
                continue
            comment = _VERSION_COMMENT.search(line.split(uses, 1)[1])
            if comment and comment.group(0).lstrip("# ").strip() != pin.version:
                problems.append(
                    f"{where}: {uses} is tag {pin.version}, but its comment says "
                    f"{comment.group(0).lstrip('# ')}"
                )
    return problems


def _truthy(value: Any) -> bool:
    return value is True or str(value).strip().lower() == "true"


def check_preview_comments(workflow: Workflow) -> list[str]:
    """A preview commented on a pull request keeps its resource summary when GitHub's
    64,000-character limit trims it (always-include-summary: trim from the front) and puts
    the whole diff in the job summary (comment-on-summary, up to 1 MB)."""
    problems = []
    for job_id, job in workflow.jobs.items():
        for step in pulumi_steps(job):
            inputs = step.get("with") or {}
            comments = _truthy(inputs.get("comment-on-pr")) or inputs.get("comment-on-pr-number")
            if inputs.get("command") != "preview" or not comments:
                continue
            where = f"{workflow.name}:{job_id}"
            for key, why in (
                ("always-include-summary", "a long diff loses its summary"),
                ("diff", "the comment shows no diff"),
                ("comment-on-summary", "the whole diff is nowhere when the comment is trimmed"),
            ):
                if not _truthy(inputs.get(key)):
                    problems.append(f"{where}: preview comment without {key}: true ({why})")
    return problems


def _is_up_step(step: dict[str, Any]) -> bool:
    if action(step) == PULUMI_ACTION:
        return (step.get("with") or {}).get("command") in ("up", "update")
    return "run" in step and any(
        sub in ("up", "update") for s, sub, _ in _cli_invocations({"steps": [step]})
    )


_REFRESH_FLAGS = {"--refresh", "--refresh=true", "-r"}


def _step_stacks(workflow: Workflow, job: dict[str, Any], step: dict[str, Any]) -> set[str]:
    """The stacks one step names (the action's stack-name, the CLI's --stack), resolved."""
    env = effective_env(workflow, job, step)
    names = [str((step.get("with") or {}).get("stack-name") or "")] if action(step) else []
    names += [
        name
        for _, _, words in _cli_invocations({"steps": [step]})
        for name in _stack_arguments(words)
    ]
    return {resolve(name, env) for name in names if name}


def _diff_reaches_summary(text: str) -> bool:
    """The preview's output is written to $GITHUB_STEP_SUMMARY: tee'd there, or redirected
    to a file that a `{ ...; } >> "$GITHUB_STEP_SUMMARY"` group or line then reads."""
    joined = text.replace("\\\n", " ")
    preview = re.search(r"pulumi\s+preview\b[^\n]*", joined)
    if not preview:
        return False
    if re.search(r"tee\s+(-a\s+)?\"?\$\{?GITHUB_STEP_SUMMARY", preview.group(0)):
        return True
    target = re.search(r"(?<![0-9&])>\s*\"?\$\{?(\w+)\}?\"?", preview.group(0))
    if not target:
        return False
    report = rf"\$\{{?{target.group(1)}\b"
    summary = r">>\s*\"?\$\{?GITHUB_STEP_SUMMARY\b"
    groups = re.finditer(r"\{\n(?P<body>.*?)\n\s*\}\s*" + summary, joined, re.S)
    if any(re.search(report, g.group("body")) for g in groups):
        return True
    return any(re.search(report, line) and re.search(summary, line) for line in joined.splitlines())


def check_convergence(workflow: Workflow) -> list[str]:
    """After each `pulumi up`, a later step of the same job runs `pulumi preview --refresh
    --expect-no-changes` on the same stack (preview-only: it writes no state), fails the job
    when it reports changes, and writes the diff to the job summary. The CLI, not
    pulumi/actions: the action fails before writing its summary, so the diff would be lost."""
    problems = []
    for job_id, job in workflow.jobs.items():
        job_steps = steps(job)
        ups = [i for i, step in enumerate(job_steps) if _is_up_step(step)]
        if not ups:
            continue
        where = f"{workflow.name}:{job_id}"
        stacks = set().union(*(_step_stacks(workflow, job, job_steps[i]) for i in ups))
        checks = []
        for step in job_steps[ups[-1] + 1 :]:
            for _, sub, words in _cli_invocations({"steps": [step]}):
                env = effective_env(workflow, job, step)
                named = {resolve(name, env) for name in _stack_arguments(words)}
                if (
                    sub == "preview"
                    and "--expect-no-changes" in words
                    and _REFRESH_FLAGS & set(words)
                    and stacks
                    and named >= stacks
                ):
                    checks.append(step)
        if not checks:
            problems.append(
                f"{where}: pulumi up without a later `pulumi preview --refresh "
                f"--expect-no-changes` of {sorted(stacks)} (convergence check)"
            )
            continue
        for step in checks:
            text = str(step["run"])
            if _truthy(step.get("continue-on-error")) or step.get("if") is not None:
                problems.append(f"{where}: the convergence check may be skipped or ignored")
            swallowed = re.search(
                r"pulumi\s+preview[^\n]*\|\|\s*(true|:)", text.replace("\\\n", " ")
            )
            unchecked = "set +e" in text and not re.search(
                r"^\s*exit\s+\"?\$\{?status\b", text, re.M
            )
            if swallowed or unchecked:
                problems.append(f"{where}: the convergence check ignores the preview's exit status")
            if not _diff_reaches_summary(text):
                problems.append(f"{where}: the convergence check's diff is not in the job summary")
    return problems


def _previews(job: dict[str, Any], stack: str) -> list[dict[str, Any]]:
    """Steps that preview `stack`: pulumi/actions `command: preview` or `pulumi preview`."""
    found = [
        step
        for step in pulumi_steps(job)
        if (step.get("with") or {}).get("command") == "preview"
        and str((step.get("with") or {}).get("stack-name")) == stack
    ]
    found += [
        step
        for step, sub, words in _cli_invocations(job)
        if sub == "preview" and stack in _stack_arguments(words)
    ]
    return found


def _preview_faults(workflow: Workflow, job_id: str, deployed: str | None, stack: str) -> list[str]:
    job = workflow.jobs[job_id]
    faults = []
    if environment(job) is not None:
        faults.append(f"runs in environment {environment(job)} (behind its approval)")
    if mutates_stack(job):
        faults.append("writes the stack")
    permissions = job.get("permissions") if isinstance(job.get("permissions"), dict) else {}
    writes = sorted(k for k, v in (permissions or {}).items() if v == "write" and k != "id-token")
    if writes or not isinstance(job.get("permissions"), dict):
        faults.append(f"is not read-only (write: {writes or job.get('permissions')!r})")
    for step in steps(job):
        role = str((step.get("with") or {}).get("role-to-assume", ""))
        if action(step) == AWS_ACTION and "PREVIEW" not in role:
            faults.append(f"assumes {role}, not the read-only preview role")
    summarised = False
    for step in _previews(job, stack):
        if action(step) == PULUMI_ACTION:
            summarised |= _truthy((step.get("with") or {}).get("comment-on-summary"))
        else:
            summarised |= _diff_reaches_summary(str(step.get("run", "")))
    if not summarised:
        faults.append("does not put the diff in the job summary")
    if program_ref(workflow, job) != deployed:
        faults.append(
            f"previews {program_ref(workflow, job) or 'the event commit'} but the deploy runs "
            f"{deployed or 'the event commit'}"
        )
    return faults


def check_prod_preview_before_approval(workflow: Workflow) -> list[str]:
    """A prod `up` behind the `prod` environment's reviewers needs a job that previews prod
    before the gate: no environment, read-only permissions and role, the diff in its job
    summary (what the reviewer reads on the run page), the very commit that is deployed."""
    problems = []
    for job_id, job in workflow.jobs.items():
        if not runs_up(job) or "prod" not in job_stacks(workflow, job):
            continue
        where = f"{workflow.name}:{job_id}"
        deployed = program_ref(workflow, job)
        candidates = [
            other
            for other in sorted(transitive_needs(workflow, job_id))
            if _previews(workflow.jobs[other], "prod")
        ]
        if not candidates:
            problems.append(f"{where}: prod up does not need a read-only preview of prod")
            continue
        faults = {other: _preview_faults(workflow, other, deployed, "prod") for other in candidates}
        if all(faults.values()):
            problems += [
                f"{where}: the preview before approval ({other}) {fault}"
                for other, found in faults.items()
                for fault in found
            ]
    return problems


def _runs_pulumi(job: dict[str, Any]) -> bool:
    return bool(pulumi_steps(job)) or any(True for _ in _cli_invocations(job))


def check_pulumi_about(workflow: Workflow) -> list[str]:
    """Every job that runs Pulumi logs `pulumi about` once the CLI is installed (after the
    first pulumi/actions step) and before its first stack command, so a failing job's log
    says which CLI, plugins, backend and program dependencies it ran with."""
    problems = []
    for job_id, job in workflow.jobs.items():
        if not _runs_pulumi(job):
            continue
        job_steps = steps(job)
        installed = next(
            (i for i, step in enumerate(job_steps) if action(step) == PULUMI_ACTION), None
        )
        first_command = next(
            (i for i, step in enumerate(job_steps) if touches_stack({"steps": [step]})), None
        )
        about = [
            i
            for i, step in enumerate(job_steps)
            if any(sub == "about" for _, sub, _ in _cli_invocations({"steps": [step]}))
        ]
        where = f"{workflow.name}:{job_id}"
        if installed is None or not [
            i for i in about if i > installed and (first_command is None or i < first_command)
        ]:
            problems.append(
                f"{where}: no `pulumi about` between installing the CLI and the first stack command"
            )
    return problems


SECURITY_CHECKS = (
    check_triggers,
    check_top_level_permissions,
    check_job_permissions,
    check_pinned_actions,
    check_checkout_credentials,
    check_no_expressions_in_scripts,
    check_aws_oidc,
)
STACK_CHECKS = (check_concurrency, check_up_is_gated, check_deploy_paths)
OPERATIONS_CHECKS = (
    check_action_runtimes,
    check_pulumi_version,
    check_preview_comments,
    check_convergence,
    check_prod_preview_before_approval,
    check_pulumi_about,
)


# --- cross-checks with the rest of the repository ------------------------------------------


def _commands(text: str) -> Iterator[list[str]]:
    """Shell words of each simple command in a script (a good-enough reading of YAML runs)."""
    for line in text.replace("\\\n", " ").splitlines():
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            words = line.split()
        command: list[str] = []
        for word in words:
            if word in {"|", "||", "&&", ";", "then", "do", "else", "if", "{", "}", "(", ")"}:
                if command:
                    yield command
                command = []
            else:
                command.append(word)
        if command:
            yield command


def make_targets_used(workflow: Workflow) -> set[str]:
    targets = set()
    for job in workflow.jobs.values():
        for command in _commands(script(job)):
            if command and Path(command[0]).name == "make":
                targets |= {w for w in command[1:] if not w.startswith("-") and "=" not in w}
    return targets


def makefile_targets(makefile: str) -> set[str]:
    targets = set()
    for line in makefile.splitlines():
        match = re.match(r"^([A-Za-z0-9_.%/-]+(?:\s+[A-Za-z0-9_.%/-]+)*)\s*:(?!=)", line)
        if match:
            targets |= set(match.group(1).split())
    return targets


def check_make_targets(workflow: Workflow, makefile: str) -> list[str]:
    known = makefile_targets(makefile)
    return [
        f"{workflow.name}: `make {target}` but the Makefile has no target {target}"
        for target in sorted(make_targets_used(workflow) - known)
    ]


def marker_expressions(workflow: Workflow) -> list[str]:
    """`-m EXPR` of pytest command lines and of PYTEST_ARGS values."""
    found = []
    sources = [script(job) for job in workflow.jobs.values()]
    for job in workflow.jobs.values():
        for step in steps(job):
            args = effective_env(workflow, job, step).get("PYTEST_ARGS")
            if args:
                sources.append("pytest " + args)
    for source in sources:
        for command in _commands(source):
            if not any("pytest" in word for word in command):
                continue
            found += [
                command[i + 1]
                for i, w in enumerate(command[:-1])
                if w == "-m" and command[i + 1] != "pytest"
            ]
    return found


def check_pytest_markers(workflow: Workflow, registered: set[str]) -> list[str]:
    problems = []
    for expression in marker_expressions(workflow):
        names = set(re.findall(r"[A-Za-z_]\w*", expression)) - {"and", "or", "not"}
        problems += [
            f"{workflow.name}: pytest -m {expression!r}: marker {name} is not registered"
            for name in sorted(names - registered)
        ]
    return problems


# Modules run with `python -m` that are not this repository's.
EXTERNAL_MODULES = {"pip", "venv", "pytest", "check_jsonschema", "json.tool", "ensurepip"}


def python_modules_used(workflow: Workflow) -> set[str]:
    modules = set()
    for job in workflow.jobs.values():
        for command in _commands(script(job)):
            for i, word in enumerate(command[:-2]):
                if Path(word).name.startswith("python") and command[i + 1] == "-m":
                    modules.add(command[i + 2])
    return modules - EXTERNAL_MODULES


def module_files(module: str) -> tuple[str, str]:
    """The two files that can make `python -m module` work: module.py, module/__main__.py."""
    base = module.replace(".", "/")
    return f"{base}.py", f"{base}/__main__.py"


def missing_module_files(workflow: Workflow, root: Path = REPO) -> dict[str, str]:
    """module -> the file it needs, for every module invoked with -m that the repo lacks."""
    missing = {}
    for module in sorted(python_modules_used(workflow)):
        as_file, as_package = module_files(module)
        if not (root / as_file).is_file() and not (root / as_package).is_file():
            missing[module] = as_package if (root / module.replace(".", "/")).is_dir() else as_file
    return missing


def scripts_used(workflow: Workflow) -> set[str]:
    return set(re.findall(r"\.github/scripts/[\w.-]+", workflow.text))


def stacks_used(workflows: Iterable[Workflow]) -> set[str]:
    stacks: set[str] = set()
    for workflow in workflows:
        for job in workflow.jobs.values():
            names = job_stacks(workflow, job)
            if MATRIX_STACK in names:
                names = (names - {MATRIX_STACK}) | set(matrix_stacks(job) or STACKS)
            stacks |= names
            stacks |= {str(env) for env in [environment(job)] if env}
    return stacks


def missing_files(workflows: list[Workflow], root: Path = REPO) -> list[str]:
    """Repository files the workflows rely on by name and that do not exist."""
    needed = {f"Pulumi.{stack}.yaml" for stack in stacks_used(workflows)}
    for workflow in workflows:
        needed |= scripts_used(workflow)
        needed |= set(missing_module_files(workflow, root).values())
    return sorted(path for path in needed if not (root / path).is_file())
