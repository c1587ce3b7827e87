"""A deployed variant that misbehaves: the faults `canary-5xx` and `canary-slow`.

Armed for the next UpdateEndpoint, a fault sticks to the variant that update deploys (the
new model is what is broken), whichever fleet ends up serving it; `clear_faults` heals it.
It strikes an exact share of the variant's requests, spread evenly: the n-th request is hit
when floor((n+1) * share) passes floor(n * share).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from localcloud.sagemaker import linear
from localcloud.sagemaker.invocation_metrics import Measure

ERRORS, SLOW = "5xx", "slow"


@dataclass
class VariantFault:
    KINDS: ClassVar[tuple[str, ...]] = (ERRORS, SLOW)

    kind: str
    share: float  # of the variant's requests it strikes, 0 < share <= 1
    delay_seconds: float = 0.0  # SLOW: how much later the model answers
    reason: str = "injected by localcloud: the model container failed the request"
    _requests: int = 0

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise ValueError(f"variant fault kind must be one of {self.KINDS}, not {self.kind!r}")
        if not 0 < self.share <= 1:
            raise ValueError(f"variant fault share must be in (0, 1], not {self.share}")
        if self.kind == SLOW and self.delay_seconds <= 0:
            raise ValueError(f"a slow variant needs a positive delay, not {self.delay_seconds}")

    def strike(self, measure: Measure) -> None:
        """Apply the fault to one request of the variant, if it is one the share hits."""
        count = self._requests
        self._requests += 1
        hit = math.floor((count + 1) * self.share + 1e-9) > math.floor(count * self.share + 1e-9)
        if not hit:
            return
        if self.kind == ERRORS:
            raise linear.InferenceError(500, self.reason)
        measure.answer_late(self.delay_seconds)
