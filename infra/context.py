"""Deploy-time facts every component needs: who and where we deploy, and the tags.

The account, region and partition come from the AWS provider (synchronous invokes), so
ARNs are plain strings at program time: policies are plain dicts, and the state machine's
ARN can be granted before the state machine exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi_aws as aws

from infra.arns import Arns, partition_of
from infra.config import ConfigError, StackSettings
from infra.naming import PROJECT, StackNames


@dataclass(frozen=True)
class DeployContext:
    settings: StackSettings
    arns: Arns

    @property
    def stack(self) -> str:
        return self.settings.stack

    @property
    def names(self) -> StackNames:
        return StackNames(self.stack)

    def tags(self, **extra: str) -> dict[str, str]:
        """The stack's tags: the project's own, the configured ones, then `extra`."""
        tags = {"project": PROJECT, "stack": self.stack, "managed-by": "pulumi"}
        tags.update(dict(self.settings.tags))
        tags.update(extra)
        return dict(sorted(tags.items()))


def resolve_context(settings: StackSettings) -> DeployContext:
    identity = aws.get_caller_identity()
    region = aws.get_region().region
    if region != settings.region:
        raise ConfigError(
            [f"aws:region is {settings.region!r} but the AWS provider deploys to {region!r}"]
        )
    arns = Arns(partition=partition_of(identity.arn), region=region, account_id=identity.account_id)
    return DeployContext(settings=settings, arns=arns)
