"""Evaluate bucket-policy Conditions the way S3 does, for the operators our policies use.

moto 5 checks a bucket policy on every object request but ignores condition operators it does
not know (everything but StringEquals) and treats a statement whose condition fails as a Deny.
Our TLS-only statement (`Deny s3:* if aws:SecureTransport is false`) therefore denies every
request in moto, although on AWS it denies none that boto3 makes (boto3 always uses HTTPS).

Here a statement applies only when all its conditions hold for the request context; requests
made in process count as TLS requests, as boto3's are on AWS. An operator we cannot evaluate is
an error naming it, never a silent allow.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from localcloud.internals.moto_private import FakeBucket, IAMPolicy, PermissionResult
from localcloud.s3.faults import S3Faults

# What S3 would know of a request made by boto3 inside this process.
REQUEST_CONTEXT: Mapping[str, str] = {"aws:SecureTransport": "true"}


class UnsupportedCondition(ValueError):
    """A bucket policy uses a condition operator this emulation does not evaluate."""


def _values(expected: Any) -> list[str]:
    items = expected if isinstance(expected, list) else [expected]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def _bool(expected: list[str], actual: str) -> bool:
    return actual.lower() in {value.lower() for value in expected}


def _string_equals(expected: list[str], actual: str) -> bool:
    return actual in expected


OPERATORS: dict[str, Callable[[list[str], str], bool]] = {
    "Bool": _bool,
    "StringEquals": _string_equals,
    "StringNotEquals": lambda expected, actual: not _string_equals(expected, actual),
}


def conditions_hold(
    conditions: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]
) -> bool:
    """True when every condition of a statement holds for `context` (keys absent: no match)."""
    for operator, keys in conditions.items():
        if_exists = operator.endswith("IfExists")
        base = operator.removesuffix("IfExists")
        if base not in OPERATORS:
            raise UnsupportedCondition(
                f"bucket policy condition operator {operator!r} is not emulated by localcloud "
                f"(supported: {', '.join(sorted(OPERATORS))})"
            )
        for key, expected in keys.items():
            if key not in context:
                if if_exists:
                    continue
                return False
            if not OPERATORS[base](_values(expected), context[key]):
                return False
    return True


def without_unmet_statements(policy: bytes | str, context: Mapping[str, str]) -> str:
    """The policy reduced to the statements whose conditions hold, conditions removed."""
    document = json.loads(policy)
    statements = document.get("Statement", [])
    if isinstance(statements, dict):
        statements = [statements]
    kept = []
    for statement in statements:
        conditions = statement.get("Condition")
        if conditions and not conditions_hold(conditions, context):
            continue
        kept.append({k: v for k, v in statement.items() if k != "Condition"})
    return json.dumps({**document, "Statement": kept})


def install_bucket_policy_conditions(
    context: Mapping[str, str] = REQUEST_CONTEXT, faults: S3Faults | None = None
) -> Callable[[], None]:
    """Patch moto's bucket permission check; returns the function that undoes it. `faults`:
    injected refusals, denied first as a bucket policy's Deny would be."""
    original = FakeBucket.get_permission

    def get_permission(bucket: Any, action: str, resource: str) -> Any:
        if faults is not None and faults.denies(bucket.name, action, resource):
            return PermissionResult.DENIED
        if bucket.policy is None:
            return PermissionResult.NEUTRAL
        effective = without_unmet_statements(bucket.policy, context)
        return IAMPolicy(effective).is_action_permitted(action, resource)

    setattr(FakeBucket, "get_permission", get_permission)

    def uninstall() -> None:
        setattr(FakeBucket, "get_permission", original)

    return uninstall
