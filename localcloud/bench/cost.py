"""Orchestration $ per run from AWS's published on-demand prices (no free tier).

Only what the orchestration itself costs: Step Functions Standard state transitions and the
Lambda functions the topology invokes (requests + GB-seconds). SageMaker training and
hosting are the same for both topologies and left out, as are CloudWatch Logs and X-Ray.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

# https://aws.amazon.com/step-functions/pricing/ (Standard workflows)
USD_PER_STATE_TRANSITION = 0.025 / 1000
# https://aws.amazon.com/lambda/pricing/ (first pricing tier)
USD_PER_LAMBDA_REQUEST = 0.20 / 1_000_000
USD_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}


@dataclass(frozen=True)
class BilledInvocation:
    memory_mb: int
    architecture: str
    seconds: float  # measured duration; Lambda bills it rounded up to the millisecond


def gb_seconds(invocation: BilledInvocation) -> float:
    billed = math.ceil(invocation.seconds * 1000) / 1000
    return invocation.memory_mb / 1024 * billed


def lambda_usd(invocations: Iterable[BilledInvocation]) -> float:
    total = 0.0
    for invocation in invocations:
        if invocation.architecture not in USD_PER_GB_SECOND:
            raise ValueError(
                f"no published Lambda price for architecture {invocation.architecture!r} "
                f"(known: {', '.join(sorted(USD_PER_GB_SECOND))})"
            )
        total += USD_PER_LAMBDA_REQUEST
        total += gb_seconds(invocation) * USD_PER_GB_SECOND[invocation.architecture]
    return total


def step_functions_usd(transitions: int) -> float:
    return transitions * USD_PER_STATE_TRANSITION


ASSUMPTIONS = (
    "Step Functions Standard $0.025 per 1,000 state transitions (every state entered counts)",
    "Lambda $0.20 per 1M requests + $0.0000166667 per GB-second (x86_64) or $0.0000133334 "
    "(arm64), priced with each function's MemorySize and Architectures as infra deploys them",
    "Lambda durations: each invocation's measured in-process duration in the embedded "
    "runtime, rounded up to 1 ms (real AWS API round trips would make them longer; the "
    "Lambda share of the total is small either way)",
    "no free tier; SageMaker, CloudWatch Logs and X-Ray excluded (the same for both)",
)
