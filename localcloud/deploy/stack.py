"""Deploy the real Pulumi program into the embedded, moto-backed AWS.

`deploy_stack("dev")` runs `infra.program.define_stack` (through
`localcloud.deploy.pulumi_program`) under `MotoMocks`, the real counterpart of the plan's
`PlanMocks`: every resource the program declares is created in moto, in process, with its
configuration (`localcloud.deploy.resources`, `.pipeline`, `.alarms`), and every provider
function it calls is answered from moto (`localcloud.deploy.calls`). Outputs flow as they would
from AWS: the ARNs, ids and names the program wires together are moto's, so the state machine's
definition names functions that exist, the functions run the package infra built with the
environment infra declared, and the stack outputs point at real resources. The program's
explicit AWS providers are honoured as the real provider honours them (allowed accounts,
default tags, region: `localcloud.deploy.providers`).

The caller activates `moto.mock_aws()` first (MotoMocks refuses to run without it: its boto3
calls would otherwise reach whatever account the shell holds). Each deployment goes into the
moto it finds; deploying again into the same moto is not idempotent (names collide), but
stacks with different names (dev and prod) live side by side.

A resource type with no creator raises, naming the type and the resource: nothing is skipped
silently. Types deliberately left out would be listed in `NOT_EMULATED` with the reason;
their resources get an id and their inputs as outputs, and are reported as skipped.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi.runtime

from localcloud.deploy import alarms, pipeline, registry  # noqa: F401 - they register creators
from localcloud.deploy.calls import ProviderFunctions
from localcloud.deploy.providers import PROVIDER_TYPE, ProviderRefused, Providers
from localcloud.deploy.pulumi_program import ProgramFailed, ProgramRun, run_program, unwrap_secrets
from localcloud.deploy.resources import EMULATED, AwsApi, ResourceRequest
from localcloud.internals.moto_private import MockAWS
from localcloud.plan import stack_region

# Resource types knowingly not created in moto, with the reason. Every type the program
# declares today (dev, prod and the variants of tests/infra) is created: see EMULATED.
NOT_EMULATED: dict[str, str] = {}


class NotInMoto(RuntimeError):
    """MotoMocks was asked to deploy while no `moto.mock_aws()` is active."""


class UnknownResourceType(NotImplementedError):
    """The program declares a resource type the embedded AWS does not know."""


class ResourceCreationFailed(RuntimeError):
    """Creating one resource in moto failed; the message names the resource."""


class DeployFailed(RuntimeError):
    """The program failed under MotoMocks; `__cause__` is what the program or a mock raised
    (a ConfigError naming the key, a ResourceCreationFailed naming the resource, ...)."""


@dataclass(frozen=True)
class DeployedResource:
    type: str
    name: str  # logical (Pulumi) name
    id: str  # physical id, as the provider reports it
    arn: str | None


@dataclass(frozen=True)
class SkippedResource:
    type: str
    name: str
    reason: str


@dataclass
class Deployment:
    stack: str
    region: str
    outputs: dict[str, Any]  # resolved stack outputs (secret ones masked)
    resources: list[DeployedResource]  # created in moto, in creation order
    run: ProgramRun
    skipped: list[SkippedResource] = field(default_factory=list)  # NOT_EMULATED types

    def of_type(self, resource_type: str) -> list[DeployedResource]:
        return [r for r in self.resources if r.type == resource_type]

    def get(self, resource_type: str, name: str) -> DeployedResource:
        for resource in self.resources:
            if resource.type == resource_type and resource.name == name:
                return resource
        raise KeyError(f"{resource_type} {name!r} was not deployed")


def moto_active() -> bool:
    # moto keeps no public flag; MockAWS counts its active (nested) contexts on the class.
    return bool(getattr(MockAWS, "_mocks_active", False))


class MotoMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that create each declared resource in moto (see the module docstring).

    Pulumi calls `new_resource` and `call` on its own threads, concurrently: one lock makes
    each creation (its API calls and its bookkeeping) atomic, and keeps the shared boto3
    clients to one thread at a time.
    """

    def __init__(self, region: str) -> None:
        if not moto_active():
            raise NotInMoto(
                "MotoMocks creates resources through boto3: activate moto.mock_aws() first, "
                "or the calls would reach a real AWS account"
            )
        self.region = region
        self._lock = threading.RLock()
        self._api = AwsApi()
        self._functions = ProviderFunctions(self._api, region)
        self._providers = Providers()
        self.created: list[DeployedResource] = []
        self.skipped: list[SkippedResource] = []

    @property
    def account(self) -> str:
        return self._api.account

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        with self._lock:
            provider = self._providers.of(args.provider, f"the lookup {args.token}")
            if provider.region != self.region:
                raise ProviderRefused(
                    f"the lookup {args.token} goes through provider {provider.name!r} in "
                    f"{provider.region}, but the embedded AWS answers for {self.region}"
                )
            return self._functions.answer(args.token, dict(args.args)), []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.custom is None:  # only a read (`Resource.get`) comes without the flag
            raise UnknownResourceType(
                f"reading an existing {args.typ} ({args.name!r}, id {args.resource_id!r}) is "
                "not emulated by localcloud.deploy"
            )
        if not args.custom:  # a component: nothing exists in AWS
            return args.name, {}
        with self._lock:
            if args.typ == PROVIDER_TYPE:  # configured, as the engine configures a provider
                provider_id = self._providers.declare(
                    args.name, args.inputs, self.account, self.region
                )
                return provider_id, dict(args.inputs)
            return self._create(args)

    def _create(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        reason = NOT_EMULATED.get(args.typ)
        if reason is not None:
            self.skipped.append(SkippedResource(args.typ, args.name, reason))
            return args.name, dict(args.inputs)
        emulation = EMULATED.get(args.typ)
        if emulation is None:
            raise UnknownResourceType(
                f"localcloud.deploy cannot create {args.typ} {args.name!r}: the type is neither "
                "emulated (localcloud.deploy.resources) nor listed in NOT_EMULATED"
            )
        inputs = {k: v for k, v in unwrap_secrets(dict(args.inputs)).items() if v is not None}
        if unsupported := emulation.unsupported(inputs):
            raise ResourceCreationFailed(
                f"{args.typ} {args.name!r}: input(s) {', '.join(unsupported)} are not emulated "
                "by localcloud.deploy"
            )
        provider = self._providers.of(args.provider, f"{args.typ} {args.name!r}")
        if "tags" in emulation.accepts:  # a taggable resource: the provider adds its defaults
            tags = provider.tags_of(inputs.get("tags") or {})
            inputs = {**inputs, "tags": tags} if tags else inputs
        region = str(inputs.get("region") or provider.region)
        request = ResourceRequest(args.typ, args.name, inputs, region)
        try:
            created = emulation.create(self._api, request)
        except Exception as error:  # named after the resource: Pulumi's trace would not say
            raise ResourceCreationFailed(
                f"creating {args.typ} {args.name!r} in the embedded AWS failed: "
                f"{type(error).__name__}: {error}"
            ) from error
        self.created.append(DeployedResource(args.typ, args.name, created.id, created.arn))
        # What the provider reports: the inputs (secrets still wrapped, so they stay secret
        # in the outputs), then what AWS computed.
        state: dict[str, Any] = {**args.inputs, **created.outputs}
        if "region" in emulation.accepts:
            state.setdefault("region", region)
        return created.id, state


def deploy_stack(
    stack: str,
    *,
    region: str | None = None,
    config_overrides: Mapping[str, str] | None = None,
    secret_overrides: Mapping[str, str] | None = None,
) -> Deployment:
    """Deploy `stack` (Pulumi.<stack>.yaml) into the active moto; see the module docstring.

    `region` overrides the stack's `aws:region` (the program checks that the two agree).
    """
    overrides = dict(config_overrides or {})
    try:
        region = region or overrides.get("aws:region") or stack_region(stack)
    except (OSError, ValueError) as error:
        raise DeployFailed(f"cannot deploy stack {stack!r}: {error}") from error
    overrides["aws:region"] = region
    mocks = MotoMocks(region)
    try:
        run = run_program(
            stack, mocks, config_overrides=overrides, secret_overrides=secret_overrides
        )
    except ProgramFailed as failed:
        cause = failed.__cause__ or failed  # what the program (or a mock) raised
        raise DeployFailed(
            f"deploying stack {stack!r} to the embedded AWS ({region}) failed: {cause}"
        ) from cause
    return Deployment(
        stack=stack,
        region=region,
        outputs=run.outputs,
        resources=list(mocks.created),
        run=run,
        skipped=list(mocks.skipped),
    )
