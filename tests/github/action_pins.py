"""Every action commit the workflows may pin, as verified against its upstream repository.

Each row was checked in a snapshot of the action's own repository (not copied from a third
party's workflow):

    git -C <repo.git> rev-parse 'refs/tags/<version>^{commit}'   # == sha
    git -C <repo.git> show <sha>:action.yml                       # runs.using == runtime

A pin that is not in this table fails `tests/github` (`check_action_runtimes`): after a
Dependabot bump, check the new tag and action.yml the same way and add the row. A pin whose
action declares Node 20 or older fails too: GitHub's runners no longer provide Node 20.
Rows of the releases the workflows used before stay here, with their runtime, so that going
back to one of them is refused by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Pin:
    action: str  # owner/repo
    version: str  # the release tag, as in the `# vX.Y.Z` comment
    sha: str  # the commit that tag points at
    runtime: str  # `runs.using` in that commit's action.yml


PINS: tuple[Pin, ...] = (
    # In use.
    Pin("actions/checkout", "v7.0.1", "3d3c42e5aac5ba805825da76410c181273ba90b1", "node24"),
    Pin("actions/setup-python", "v7.0.0", "5fda3b95a4ea91299a34e894583c3862153e4b97", "node24"),
    Pin(
        "aws-actions/configure-aws-credentials",
        "v6.2.3",
        "e6de054238d6b7531b4efff3b6587d9aade6a06c",
        "node24",
    ),
    Pin("pulumi/actions", "v7.0.0", "8e5e406f4007fca908480587cb9893c07090f58d", "node24"),
    # Used before; still on a current runtime.
    Pin("actions/checkout", "v5.0.0", "08c6903cd8c0fde910a37f88322edcfb5dd907a8", "node24"),
    Pin("actions/setup-python", "v6.0.0", "e797f83bcb11b83ae66e0230d6156d7c80228e7c", "node24"),
    # Node 20: refused.
    Pin("pulumi/actions", "v6.6.1", "8582a9e8cc630786854029b4e09281acd6794b58", "node20"),
    Pin("pulumi/actions", "v6.6.0", "d7ceb0215da5a14ec84f50b703365ddf0194a9c8", "node20"),
    Pin("pulumi/actions", "v5.5.1", "cd99a7f8865434dd3532b586a26f9ebea596894f", "node20"),
    Pin(
        "aws-actions/configure-aws-credentials",
        "v5.1.1",
        "61815dcd50bd041e203e49132bacad1fd04d2708",
        "node20",
    ),
    Pin(
        "aws-actions/configure-aws-credentials",
        "v4.3.1",
        "7474bc4690e29a8392af63c5b98e7449536d5c3a",
        "node20",
    ),
    Pin("actions/checkout", "v4.3.1", "34e114876b0b11c390a56381ad16ebd13914f8d5", "node20"),
    Pin("actions/checkout", "v4.2.2", "11bd71901bbe5b1630ceea73d27597364c9af683", "node20"),
    Pin("actions/setup-python", "v5.6.0", "a26af69be951a213d495a4c3e4e4022e16d87065", "node20"),
)

# The oldest Node runtime an action may declare (GitHub's runners removed Node 20).
MIN_NODE = 24

_NODE = re.compile(r"node(\d+)")


def node_major(runtime: str) -> int | None:
    """20 for `node20`; None for a runtime that is not Node (composite, docker)."""
    match = _NODE.fullmatch(runtime)
    return int(match.group(1)) if match else None


def pin_for(action: str, sha: str) -> Pin | None:
    return next((p for p in PINS if p.action == action and p.sha == sha), None)
