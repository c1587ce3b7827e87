"""The explicit AWS providers of the program (`pulumi:providers:aws`), as the embedded AWS
honours them.

The program declares its providers as resources; Pulumi hands each one to the mocks like any
other resource, with its inputs as the engine sends provider config: every value a string,
lists and objects as JSON text. What the real AWS provider does with them, this does:

- `allowedAccountIds`: configuring a provider for any other account fails with the provider's
  own error, `AWS account ID not allowed: <account>`, so nothing is deployed through it;
- `defaultTags`: merged into the tags of every resource created through the provider that
  supports tags (the resource's own tags win on a conflict), as its `tagsAll` reports;
- `region`: the region of the resources created through it, unless they name their own.

Any other provider input is refused, and so is a resource or a lookup that does not name one
of these providers (the default provider, configured from `aws:*` keys, is not emulated). As
in the engine, a provider's refusal surfaces where it is first used.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

PROVIDER_TYPE = "pulumi:providers:aws"
# What the program sets, and the two flags pulumi_aws's SDK always sends with their defaults
# (they only skip checks that the embedded AWS does not make).
ACCEPTED_INPUTS = frozenset(
    {
        "region",
        "defaultTags",
        "allowedAccountIds",
        "skipRegionValidation",
        "skipCredentialsValidation",
    }
)


class ProviderRefused(RuntimeError):
    """A provider cannot be configured: a wrong account, or inputs not emulated."""


@dataclass(frozen=True)
class AwsProvider:
    name: str  # logical name
    region: str
    default_tags: Mapping[str, str]
    allowed_account_ids: tuple[str, ...]

    def tags_of(self, resource_tags: Mapping[str, Any]) -> dict[str, str]:
        """What the provider writes to AWS: its default tags, then the resource's own."""
        merged = dict(self.default_tags)
        merged.update({str(k): str(v) for k, v in resource_tags.items()})
        return merged


def _decoded(name: str, key: str, text: Any) -> Any:
    try:
        return json.loads(text) if isinstance(text, str) else text
    except json.JSONDecodeError as error:
        raise ProviderRefused(f"provider {name!r}: {key} is not valid JSON: {error}") from error


def configure(name: str, inputs: Mapping[str, Any], account: str, stack_region: str) -> AwsProvider:
    """The provider `name` as configured for `account`; raises ProviderRefused."""
    given = {k: v for k, v in inputs.items() if v is not None}
    if unsupported := sorted(set(given) - ACCEPTED_INPUTS):
        raise ProviderRefused(
            f"{PROVIDER_TYPE} {name!r}: input(s) {', '.join(unsupported)} are not emulated by "
            "localcloud.deploy"
        )
    allowed = tuple(
        str(a) for a in _decoded(name, "allowedAccountIds", given.get("allowedAccountIds", "[]"))
    )
    if allowed and account not in allowed:
        # The real provider's message, when it configures itself (terraform-provider-aws).
        raise ProviderRefused(f"AWS account ID not allowed: {account}")
    default_tags = _decoded(name, "defaultTags", given.get("defaultTags", "{}")) or {}
    if unknown := sorted(set(default_tags) - {"tags"}):
        raise ProviderRefused(
            f"{PROVIDER_TYPE} {name!r}: defaultTags field(s) {', '.join(unknown)} are not emulated"
        )
    tags = {str(k): str(v) for k, v in (default_tags.get("tags") or {}).items()}
    return AwsProvider(name, str(given.get("region") or stack_region), tags, allowed)


class Providers:
    """The providers declared so far, by the id Pulumi's references end with.

    Like the engine, which configures a provider when something first uses it, a provider
    that cannot be configured is registered, and every resource or lookup through it fails
    with the reason: the program stops at its first use (its account lookup), cleanly.
    """

    def __init__(self) -> None:
        self._by_id: dict[str, AwsProvider | ProviderRefused] = {}

    def declare(self, name: str, inputs: Mapping[str, Any], account: str, stack_region: str) -> str:
        provider_id = f"{name}-{secrets.token_hex(8)}"
        try:
            self._by_id[provider_id] = configure(name, inputs, account, stack_region)
        except ProviderRefused as refused:
            self._by_id[provider_id] = refused
        return provider_id

    def of(self, reference: str | None, what: str) -> AwsProvider:
        """The provider a reference (`<urn>::<id>`) names; raises ProviderRefused."""
        provider_id = (reference or "").rpartition("::")[2]
        provider = self._by_id.get(provider_id)
        if isinstance(provider, ProviderRefused):
            raise ProviderRefused(str(provider))
        if provider is None:
            raise ProviderRefused(
                f"{what} does not use one of the program's explicit AWS providers (reference "
                f"{reference!r}): the default provider is not emulated by localcloud.deploy; "
                "give it the stack's provider (opts=ResourceOptions(parent=...) or providers=)"
            )
        return provider
