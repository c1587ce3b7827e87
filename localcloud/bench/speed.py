"""Wall-clock figures: `make demo`, the test suite, the handlers' cold-start proxy, the package.

Each timing runs in a fresh subprocess of this interpreter, from the repository root.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from contract import lambdas
from infra.archives import BUILD_DIR, REPO_ROOT, build_function_package, build_slack_layer

IMPORT_REPETITIONS = 5
PYCACHE_DIR = BUILD_DIR / "bench-pycache"
# Time the import alone, not the interpreter's start-up: the clock starts inside the child.
_IMPORT_TIMER = (
    "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
)
_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_SESSION_TOKEN": "bench",
    "AWS_EC2_METADATA_DISABLED": "true",
}


@dataclass(frozen=True)
class Timed:
    seconds: float
    exit_code: int
    tail: str  # the last lines of output, for a failure report


def _run(command: Sequence[str], env: Mapping[str, str] | None = None) -> Timed:
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and modules
        list(command),
        cwd=REPO_ROOT,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:])
    return Timed(round(seconds, 2), done.returncode, tail)


def time_demo() -> Timed:
    """`python -m localcloud demo` as `make demo` runs it (its report into a scratch dir)."""
    with tempfile.TemporaryDirectory(prefix="bench-demo-") as out_dir:
        return _run(
            [sys.executable, "-m", "localcloud", "demo", "--stack", "dev", "--out-dir", out_dir]
        )


def time_tests() -> Timed:
    return _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])


@dataclass(frozen=True)
class ImportTimes:
    boto3_seconds: float
    handlers: dict[str, float]  # handler module -> median import seconds


def _clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    """This process's environment without AWS settings or function variables, plus `extra`."""
    function_variables = {name for spec in lambdas.ALL_FUNCTIONS for name in spec.variable_names}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_")
        and k not in function_variables
        and k != "PYTHONDONTWRITEBYTECODE"
    }
    # Bytecode cached, as the Lambda runtime's own boto3 is; kept out of the source tree.
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE_DIR)
    env.update(_FAKE_AWS)
    env.update(extra)
    return env


def _median_import(module: str, env: Mapping[str, str], repetitions: int) -> float:
    samples = []
    # The first import compiles and caches the bytecode; it is not a sample.
    for _ in range(repetitions + 1):
        timed = subprocess.run(  # noqa: S603 - our own interpreter and modules
            [sys.executable, "-c", _IMPORT_TIMER.format(module=module)],
            cwd=REPO_ROOT,
            env=dict(env),
            capture_output=True,
            text=True,
            check=False,
        )
        if timed.returncode != 0:
            raise RuntimeError(
                f"importing {module} failed (exit {timed.returncode}): {timed.stderr.strip()}"
            )
        samples.append(float(timed.stdout.strip().splitlines()[-1]))
    return statistics.median(samples[1:])


def measure_imports(
    environments: Mapping[str, Mapping[str, str]],
    region: str,
    repetitions: int = IMPORT_REPETITIONS,
) -> ImportTimes:
    """Import time of every handler module (with the environment infra deployed for it:
    settings are parsed and clients made at import, as in a Lambda cold start) and of
    `import boto3` alone."""
    base = {"AWS_DEFAULT_REGION": region}
    boto3_seconds = _median_import("boto3", _clean_environment(base), repetitions)
    handlers = {}
    for spec in lambdas.ALL_FUNCTIONS:
        if spec.key not in environments:
            raise KeyError(f"no deployed environment for function {spec.key!r}")
        env = _clean_environment({**base, **environments[spec.key]})
        module = spec.handler.rsplit(".", 1)[0]
        handlers[module] = _median_import(module, env, repetitions)
    return ImportTimes(boto3_seconds, handlers)


@dataclass(frozen=True)
class PackageSizes:
    functions_bytes: int
    functions_path: Path
    layer_bytes: int
    layer_path: Path


def package_sizes() -> PackageSizes:
    """The archives infra deploys, built the way infra builds them (infra.archives)."""
    package = build_function_package()
    layer = build_slack_layer()
    return PackageSizes(package.size, package.path, layer.size, layer.path)
