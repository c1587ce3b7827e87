"""The git revision model packages record (infra.revision)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from contract.registry import GIT_REVISION_UNKNOWN
from infra.revision import REPO, deployed_revision

pytestmark = pytest.mark.unit

SHA = "0123456789abcdef0123456789abcdef01234567"


def test_a_checkout_records_its_head_even_when_ci_names_another_commit() -> None:
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.strip()
    # The prod deploy checks out the promoted commit; GITHUB_SHA is main's newest.
    assert deployed_revision({"GITHUB_SHA": SHA}, REPO) == head


def test_without_a_checkout_ci_s_commit_or_the_truth(tmp_path: Path) -> None:
    assert deployed_revision({"GITHUB_SHA": SHA.upper()}, tmp_path) == SHA
    assert deployed_revision({}, tmp_path) == GIT_REVISION_UNKNOWN
    assert deployed_revision({"GITHUB_SHA": "not-a-sha"}, tmp_path) == GIT_REVISION_UNKNOWN
