"""Fixtures of the tests of .github/: the workflows as checked in, loaded once."""

from __future__ import annotations

import pytest

from tests.github.workflow_checks import Workflow, load_workflows


@pytest.fixture(scope="session")
def workflows() -> dict[str, Workflow]:
    loaded = {workflow.name: workflow for workflow in load_workflows()}
    assert loaded, "no workflow in .github/workflows"
    return loaded
