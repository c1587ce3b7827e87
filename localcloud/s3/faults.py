"""S3 refusing object requests under a key prefix, as a bucket policy's Deny makes it refuse:
HTTP 403 AccessDenied, the body empty as moto's policy check answers it.

`S3Faults.refuse(bucket, "s3:PutObject", "manifests/", times=1)`: the next PutObject under
that prefix is denied (each denied request consumes one; `times=None` denies until `clear()`).
The check sits in the bucket-permission hook `localcloud.s3.policies` installs, so it applies
exactly where S3 applies a bucket policy.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from localcloud.injected import Remaining, check_times


@dataclass
class _Refusal:
    bucket: str
    action: str
    key_prefix: str
    remaining: Remaining


class S3Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._refusals: list[_Refusal] = []

    def refuse(self, bucket: str, action: str, key_prefix: str, times: int | None = 1) -> None:
        if not action.startswith("s3:"):
            raise ValueError(f"S3 fault action must be an s3: action, not {action!r}")
        check_times("S3", times)
        with self._lock:
            self._refusals.append(_Refusal(bucket, action, key_prefix, Remaining(times)))

    def denies(self, bucket: str, action: str, resource: str) -> bool:
        """Whether an injected refusal denies `action` on `resource` (consumes it if so)."""
        key = resource.split(":::", 1)[-1].partition("/")[2]
        with self._lock:
            for refusal in self._refusals:
                if (refusal.bucket, refusal.action) == (bucket, action) and key.startswith(
                    refusal.key_prefix
                ):
                    if refusal.remaining.bite():
                        self._refusals.remove(refusal)
                    return True
        return False

    def pending(self, bucket: str | None = None) -> int:
        with self._lock:
            return sum(r.remaining.pending for r in self._refusals if bucket in (None, r.bucket))

    def clear(self) -> int:
        with self._lock:
            pending = sum(r.remaining.pending for r in self._refusals)
            self._refusals.clear()
            return pending
