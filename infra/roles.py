"""IAM roles with one inline policy each: the only shape of role this stack creates."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws


def policy_json(document: dict[str, Any]) -> str:
    """Canonical JSON of a policy document: stable bytes, so no spurious diffs."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class RoleWithPolicy:
    role: aws.iam.Role
    policy: aws.iam.RolePolicy


def role_with_policy(
    logical_name: str,
    *,
    role_name: str,
    description: str,
    trust_policy: dict[str, Any],
    policy: pulumi.Input[str],
    parent: pulumi.Resource,
) -> RoleWithPolicy:
    """A role and its inline policy (`policy` is the document's JSON, maybe an Output)."""
    role = aws.iam.Role(
        logical_name,
        name=role_name,
        description=description,
        assume_role_policy=policy_json(trust_policy),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    inline = aws.iam.RolePolicy(
        logical_name,
        name="least-privilege",
        role=role.name,
        policy=policy,
        opts=pulumi.ResourceOptions(parent=role),
    )
    return RoleWithPolicy(role, inline)
