"""Who may enter which room: the imports of each production package, parsed, not grepped.

contract/ is the standard library only: the Lambda package ships it, and every other room may
read it. workflow/ is pure Python and never reaches into functions/; functions/ imports
boto3, slack_sdk and itself; infra/ reads the definition from workflow/ and never imports the
embedded runtime. A regression fails here, naming the file, the line and the import.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from tests import source_trees

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parent.parent
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}

# room -> (allowed top-level packages besides the stdlib, allowed modules of other rooms)
RULES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "contract": (frozenset({"contract"}), frozenset()),
    "workflow": (frozenset({"workflow", "contract"}), frozenset()),
    "functions": (
        frozenset({"functions", "contract", "boto3", "botocore", "slack_sdk", "mypy_boto3_s3"}),
        frozenset(),
    ),
    "infra": (
        frozenset(
            {"infra", "contract", "workflow", "pulumi", "pulumi_aws", "yaml", "boto3", "botocore"}
        ),
        frozenset(),
    ),
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = source_trees.parse_file(path)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found += [(node.lineno, node.module)]
            # `from contract import status` enters contract.status
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _allowed(module: str, packages: frozenset[str], modules: frozenset[str]) -> bool:
    top = module.split(".", maxsplit=1)[0]
    if top in STDLIB or top in packages or top.startswith("mypy_boto3_"):
        return True
    return any(module == m or module.startswith(f"{m}.") for m in modules)


def _violations(room: str) -> list[str]:
    packages, modules = RULES[room]
    problems = []
    for path in sorted((REPO / room).rglob("*.py")):
        imports = _imports(path)
        names = {name for _, name in imports}
        for line, module in imports:
            if _allowed(module, packages, modules):
                continue
            # `from contract import status` also yields `contract`, judged by its member.
            if any(n.startswith(f"{module}.") and _allowed(n, packages, modules) for n in names):
                continue
            problems.append(f"{path.relative_to(REPO)}:{line} imports {module}")
    return problems


@pytest.mark.parametrize("room", sorted(RULES))
def test_each_room_imports_only_what_it_may(room: str) -> None:
    assert _violations(room) == []


def test_the_check_catches_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import boto3\nfrom localcloud import runtime\nfrom functions import naming\n"
        "from contract import status\nfrom contract.document import KEY_DATA\n"
    )
    imports = _imports(sample)
    packages, modules = RULES["workflow"]
    bad = {m for _, m in imports if not _allowed(m, packages, modules)}
    assert {"boto3", "localcloud", "functions", "functions.naming"} <= bad
    assert not bad & {"contract", "contract.status", "contract.document"}
