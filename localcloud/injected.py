"""How many calls an injected fault still has to hit: the counting every service's fault
hooks share (localcloud.s3.faults, localcloud.ssm.faults).

A fault armed for `times` calls is consumed one call at a time; `times=None` is lasting: it
hits every call until cleared, and counts as one pending call until it first bites (so a
lasting fault that never happened still fails a test's "every fault was consumed" check).
"""

from __future__ import annotations

from dataclasses import dataclass


def check_times(service: str, times: int | None) -> None:
    if times is not None and times < 1:
        raise ValueError(
            f"{service} fault times must be at least 1 (or None: lasting), not {times}"
        )


@dataclass
class Remaining:
    calls: int | None  # None: every call until cleared
    hits: int = 0

    @property
    def pending(self) -> int:
        if self.calls is None:
            return 0 if self.hits else 1
        return self.calls

    def bite(self) -> bool:
        """One call hit; True when the fault is used up (its owner then drops it)."""
        self.hits += 1
        if self.calls is None:
            return False
        self.calls -= 1
        return self.calls == 0
