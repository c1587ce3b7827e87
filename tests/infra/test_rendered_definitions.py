"""The rendered definitions of both stacks, held against committed copies.

Every change to what Step Functions runs is then a visible diff in review (like README's routing
table), and a refactoring that claims to preserve behaviour proves it byte for byte. After an
intended change, refresh the copies with `python -m tests.infra.golden_definitions --write`.
"""

from __future__ import annotations

import pytest

from tests.infra.golden_definitions import GOLDEN_DIR, STACKS, render_stack

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("stack", STACKS)
def test_the_rendered_definition_equals_the_committed_copy(stack: str) -> None:
    for name, text in render_stack(stack).items():
        golden = GOLDEN_DIR / name
        assert golden.is_file(), (
            f"{golden} is missing: run python -m tests.infra.golden_definitions --write"
        )
        assert text == golden.read_text(encoding="utf-8"), (
            f"the {stack} definition changed; if intended, run "
            "`python -m tests.infra.golden_definitions --write` and commit the diff"
        )
