"""Deploy-time facts every component needs: who and where we deploy, through which provider.

The stack deploys through explicit AWS providers (Pulumi's and AWS's recommendation for
tags): one for what the stack's models share and one per model, each configured with the
stack's region, its `aws:allowedAccountIds` and its tags as the provider's `default_tags`.
The AWS provider merges default tags into every resource that supports tags (resource
tags would win on conflict; no resource sets any), so no resource repeats them. The per-model
provider adds the `model` tag that teams cost-allocate by: every resource of a model's
component inherits it through `parent`, including any resource added later. (Resources
without tags, such as policies, targets and permissions, take no default tags either.)

The account, region and partition come from the stack's provider (synchronous invokes), so
ARNs are plain strings at program time: policies are plain dicts, and the state machine's
ARN can be granted before the state machine exists.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.arns import Arns, partition_of
from infra.config import ConfigError, StackSettings
from infra.naming import PROJECT, StackNames

STACK_PROVIDER_NAME = "aws"  # logical name of the provider of the stack's shared resources
MODEL_TAG = "model"


@dataclass(frozen=True)
class DeployContext:
    settings: StackSettings
    arns: Arns
    provider: aws.Provider  # the stack's shared resources and lookups

    @property
    def stack(self) -> str:
        return self.settings.stack

    @property
    def names(self) -> StackNames:
        return StackNames(self.stack)

    @property
    def options(self) -> pulumi.ResourceOptions:
        """Options of a top-level component or resource of the shared part of the stack."""
        return pulumi.ResourceOptions(providers=[self.provider])

    def model_options(self, model: str) -> pulumi.ResourceOptions:
        """Options of a model's component: a provider of its own that also tags `model`
        (it declares the provider: once per model)."""
        provider = aws_provider(
            self.settings, f"{model}-{STACK_PROVIDER_NAME}", **{MODEL_TAG: model}
        )
        return pulumi.ResourceOptions(providers=[provider])


def stack_tags(settings: StackSettings, **extra: str) -> dict[str, str]:
    """The stack's tags: the project's own, the configured ones, then `extra`."""
    tags = {"project": PROJECT, "stack": settings.stack, "managed-by": "pulumi"}
    tags.update(dict(settings.tags))
    tags.update(extra)
    return dict(sorted(tags.items()))


def aws_provider(settings: StackSettings, logical_name: str, **extra_tags: str) -> aws.Provider:
    """An AWS provider of this stack: its region, allowed accounts and default tags."""
    return aws.Provider(
        logical_name,
        region=settings.region,
        allowed_account_ids=list(settings.allowed_account_ids) or None,
        default_tags=aws.ProviderDefaultTagsArgs(tags=stack_tags(settings, **extra_tags)),
    )


def resolve_context(settings: StackSettings) -> DeployContext:
    provider = aws_provider(settings, STACK_PROVIDER_NAME)
    invoke = pulumi.InvokeOptions(provider=provider)
    identity = aws.get_caller_identity(opts=invoke)
    region = aws.get_region(opts=invoke).region
    if region != settings.region:
        raise ConfigError(
            [f"aws:region is {settings.region!r} but the AWS provider deploys to {region!r}"]
        )
    arns = Arns(partition=partition_of(identity.arn), region=region, account_id=identity.account_id)
    return DeployContext(settings=settings, arns=arns, provider=provider)
