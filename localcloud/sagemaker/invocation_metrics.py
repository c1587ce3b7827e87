"""The CloudWatch metrics SageMaker publishes for every InvokeEndpoint (namespace
AWS/SageMaker, dimensions EndpointName and VariantName), measured on the call itself.

    Invocations          1 per request that reached a variant
    Invocation4XXErrors  1 when the model answered 4xx, else 0
    Invocation5XXErrors  1 when the model answered 5xx, else 0
    ModelLatency         microseconds the model container took (measured; plus the delay of
                         an injected slow answer, which is virtual time)
    OverheadLatency      microseconds before the container got the request (routing)

Both fleets of a blue/green deployment serve under the same variant name, so, as in
SageMaker, a variant's alarm sees the canary's requests mixed with the old fleet's.
"""

from __future__ import annotations

import time
from datetime import datetime

from localcloud.cloudwatch import metrics
from localcloud.internals.moto_private import SageMakerModelBackend

NAMESPACE = "AWS/SageMaker"
MICROSECONDS = "Microseconds"
COUNT = "None"  # SageMaker publishes its invocation counts without a unit


class Measure:
    """Timing of one InvokeEndpoint, from receipt to the container's answer."""

    def __init__(self, received_ns: int) -> None:
        self._received = received_ns
        self._started = received_ns
        self._container_ns = 0
        self.injected_delay_seconds = 0.0
        self.status = 0

    def container_started(self) -> None:
        self._started = time.perf_counter_ns()

    def answer_late(self, seconds: float) -> None:
        self.injected_delay_seconds += seconds

    def container_answered(self, status: int) -> None:
        self._container_ns = time.perf_counter_ns() - self._started
        self.status = status

    @property
    def model_latency_seconds(self) -> float:
        return self._container_ns / 1e9 + self.injected_delay_seconds

    def record(
        self, backend: SageMakerModelBackend, endpoint: str, variant: str, at: datetime
    ) -> None:
        overhead_us = (self._started - self._received) / 1e3
        metrics.put(
            account=backend.account_id,
            region=backend.region_name,
            namespace=NAMESPACE,
            dimensions={"EndpointName": endpoint, "VariantName": variant},
            values={
                "Invocations": (1.0, COUNT),
                "Invocation4XXErrors": (1.0 if 400 <= self.status < 500 else 0.0, COUNT),
                "Invocation5XXErrors": (1.0 if self.status >= 500 else 0.0, COUNT),
                "ModelLatency": (self.model_latency_seconds * 1e6, MICROSECONDS),
                "OverheadLatency": (overhead_us, MICROSECONDS),
            },
            at=at,
        )
