"""localcloud reaches into private Pulumi and moto internals through one module each.

`localcloud/internals/pulumi_sdk.py` and `localcloud/internals/moto_private.py` name the
versions they were verified against: after an upgrade these tests fail, naming the module to
re-verify. The rest of localcloud must not import those libraries' internals itself.
"""

from __future__ import annotations

import ast
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

import pytest

from localcloud.internals import moto_private, pulumi_sdk
from tests import source_trees

pytestmark = pytest.mark.unit

LOCALCLOUD = Path(__file__).resolve().parents[2] / "localcloud"
INTERNALS = {
    "pulumi": (pulumi_sdk, "localcloud/internals/pulumi_sdk.py"),
    "moto": (moto_private, "localcloud/internals/moto_private.py"),
}
# What Pulumi documents of `pulumi.runtime` for unit tests (mocks and config).
PUBLIC_PULUMI_RUNTIME = frozenset(
    {"Mocks", "MockResourceArgs", "MockCallArgs", "set_mocks", "set_all_config"}
)


@pytest.mark.parametrize("distribution", sorted(INTERNALS))
def test_the_internals_modules_were_written_against_the_installed_version(
    distribution: str,
) -> None:
    module, path = INTERNALS[distribution]
    installed = version(distribution)
    assert installed == module.WRITTEN_AGAINST, (
        f"{distribution} is {installed}, but {path} was written against "
        f"{distribution} {module.WRITTEN_AGAINST}. Re-verify {path}: every private name its "
        f"docstring lists still exists and behaves as described in {distribution} {installed}; "
        "run tests/localcloud, tests/e2e, tests/infra and tests/workflow; then set its "
        f'WRITTEN_AGAINST = "{installed}".'
    )


def test_every_moto_attribute_localcloud_replaces_still_exists() -> None:
    missing = [
        f"{getattr(owner, '__name__', owner)}.{name}"
        for owner, name in moto_private.patched()
        if not hasattr(owner, name)
    ]
    assert missing == [], (
        f"moto {version('moto')} no longer has {missing}: localcloud/internals/moto_private.py "
        "lists what localcloud patches there; find where moto moved it"
    )


@pytest.mark.parametrize(
    ("modules", "names"),
    [
        (moto_private.INTERPRETER_THREADING_MODULES, ("threading", "Thread", "Event")),
        (moto_private.INTERPRETER_TIME_MODULES, ("time",)),
        (moto_private.INTERPRETER_DATETIME_MODULES, ("datetime",)),
    ],
)
def test_each_listed_interpreter_module_still_has_a_name_virtual_time_swaps(
    modules: tuple[str, ...], names: tuple[str, ...]
) -> None:
    # A module that stopped importing these would silently run on the wall clock.
    stale = [m for m in modules if not _has_any(moto_private.interpreter_module(m), names)]
    assert stale == [], (
        f"moto.stepfunctions.parser modules {stale} no longer use {names}: update the lists in "
        "localcloud/internals/moto_private.py"
    )


def _has_any(module: ModuleType, names: tuple[str, ...]) -> bool:
    return any(hasattr(module, name) for name in names)


def _private_uses(path: Path) -> list[str]:
    """What `path` imports or reads of moto and pulumi beyond their public API."""
    tree = source_trees.parse_file(path)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [
                f"{node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.split(".")[0] == "moto"
                or (alias.name.startswith("pulumi.") and alias.name != "pulumi.runtime")
            ]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top = node.module.split(".")[0]
            names = {alias.name for alias in node.names}
            if (top == "moto" and (node.module != "moto" or names != {"mock_aws"})) or (
                top == "pulumi" and node.module != "pulumi"
            ):
                found.append(f"{node.lineno}: from {node.module} import {', '.join(sorted(names))}")
        elif (
            isinstance(node, ast.Attribute)
            and _dotted(node.value) == "pulumi.runtime"
            and node.attr not in PUBLIC_PULUMI_RUNTIME
        ):
            found.append(f"{node.lineno}: pulumi.runtime.{node.attr}")
    return sorted(found, key=lambda use: int(use.split(":", 1)[0]))


def _dotted(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def test_nothing_else_in_localcloud_touches_moto_or_pulumi_internals() -> None:
    owners = {LOCALCLOUD.parent / path for _, path in INTERNALS.values()}
    offenders = {
        str(path.relative_to(LOCALCLOUD.parent)): uses
        for path in sorted(LOCALCLOUD.rglob("*.py"))
        if path not in owners and (uses := _private_uses(path))
    }
    assert offenders == {}, (
        "import moto's and Pulumi's internals from localcloud/internals/moto_private.py and "
        "localcloud/internals/pulumi_sdk.py (add them there, with who uses them and why)"
    )


def test_the_check_catches_private_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import pulumi\nimport pulumi.runtime\nfrom moto import mock_aws\n"
        "from moto.s3.models import s3_backends\nfrom pulumi.runtime import settings\n"
        "pulumi.runtime.Mocks\npulumi.runtime._sync_await\n"
    )
    assert _private_uses(sample) == [
        "4: from moto.s3.models import s3_backends",
        "5: from pulumi.runtime import settings",
        "7: pulumi.runtime._sync_await",
    ]
