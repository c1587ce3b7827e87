"""LICENSE is the license pyproject.toml declares (`license = "MIT-0"`, an SPDX id)."""

from __future__ import annotations

import re
import tomllib

import pytest

from tests.github.workflow_checks import REPO

pytestmark = pytest.mark.unit

# What tells MIT No Attribution from MIT: its title, and a grant that ends at "to do so."
# (MIT goes on: "subject to the following conditions: The above copyright notice ...").
SPDX_MARKERS = {
    "MIT-0": (
        "MIT No Attribution",
        "to permit persons to whom the Software is furnished to do so.",
    ),
}
MIT_ATTRIBUTION = "The above copyright notice and this permission notice shall be included"


def _words(text: str) -> str:
    return " ".join(text.split())


def test_license_matches_the_spdx_id_in_pyproject() -> None:
    spdx = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "license"
    ]
    assert spdx in SPDX_MARKERS, f"no LICENSE check for {spdx!r}"
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    title, grant = SPDX_MARKERS[spdx]
    assert text.splitlines()[0] == title
    assert _words(grant) in _words(text)
    assert MIT_ATTRIBUTION not in _words(text)
    assert re.search(r"^Copyright 2026 the retraining project contributors$", text, re.M)
    assert "NONINFRINGEMENT" in text and "WITHOUT WARRANTY OF ANY KIND" in text
