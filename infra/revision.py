"""The git revision of the code a stack is deployed from (model packages' `CommitId`).

The checkout's `HEAD` first: the prod deploy checks out the promoted commit, which is not the
workflow's `GITHUB_SHA` (main's newest commit when the deploy was triggered). Without a git
checkout (an exported tree in CI), `GITHUB_SHA`; anything else says so instead of guessing.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path

from contract.registry import GIT_REVISION_UNKNOWN

_SHA = re.compile(r"[0-9a-f]{40}")
REPO = Path(__file__).resolve().parents[1]


def _head(checkout: Path) -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"],  # noqa: S607 - git from PATH, as a developer runs it
            cwd=checkout,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    head = result.stdout.strip()
    return head if result.returncode == 0 and _SHA.fullmatch(head) else None


def deployed_revision(environ: Mapping[str, str] | None = None, checkout: Path = REPO) -> str:
    """`git rev-parse HEAD` of the checkout, else GITHUB_SHA, else the truth."""
    head = _head(checkout)
    if head is not None:
        return head
    environ = os.environ if environ is None else environ
    sha = environ.get("GITHUB_SHA", "").strip().lower()
    return sha if _SHA.fullmatch(sha) else GIT_REVISION_UNKNOWN
