"""A client that calls an endpoint every few virtual seconds and remembers every answer.

Tests and the demo run one across a deployment to show what callers live through:

    client = TrafficClient(cloud.clock, cloud.sagemaker, runtime, "ep", b"1,2\\n", every=5)
    client.start()
    ...                       # UpdateEndpoint, let virtual time flow
    client.stop()
    client.failed()           # every request that got an error, with the config that failed it

It calls InvokeEndpoint through boto3 (moto's sagemaker-runtime, so the local SageMaker
answers it as any caller), from a clock callback at each tick. Which endpoint configuration
answered comes from the local SageMaker's own record of the call (callers of a real endpoint
cannot see it: both fleets answer under the same variant name).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from localcloud.clock import Clock, Timer

if TYPE_CHECKING:
    from localcloud.sagemaker.service import LocalSageMaker


@dataclass(frozen=True)
class Answer:
    at: float  # virtual time of the request
    answered_at: float  # virtual time of the answer (a slow model answers later)
    ok: bool
    config_name: str | None  # the endpoint configuration whose model answered
    error: str | None  # "ModelError: ..." when not ok
    predictions: tuple[float, ...] = ()


class TrafficClient:
    """InvokeEndpoint on `endpoint_name` every `every` virtual seconds until `stop()`."""

    def __init__(
        self,
        clock: Clock,
        sagemaker: LocalSageMaker,
        runtime: Any,
        endpoint_name: str,
        body: bytes,
        *,
        every: float = 5.0,
        content_type: str = "text/csv",
    ) -> None:
        if every <= 0:
            raise ValueError(
                f"a traffic client calls every positive number of seconds, not {every}"
            )
        self._clock = clock
        self._sagemaker = sagemaker
        self._runtime = runtime
        self.endpoint_name = endpoint_name
        self._body = body
        self._content_type = content_type
        self.every = every
        self.answers: list[Answer] = []
        self._timer: Timer | None = None

    def start(self) -> TrafficClient:
        if self._timer is None:
            self._timer = self._clock.call_later(0, self._call, self._label())
        return self

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # --- reading the answers ------------------------------------------------------------------
    def failed(self) -> list[Answer]:
        return [answer for answer in self.answers if not answer.ok]

    def by_config(self, *, ok: bool | None = None) -> Counter[str | None]:
        """How many answers each endpoint configuration gave (only ok/failed ones if asked)."""
        return Counter(a.config_name for a in self.answers if ok is None or a.ok is ok)

    def between(self, start: float, end: float) -> list[Answer]:
        return [answer for answer in self.answers if start <= answer.at < end]

    # --- the calls ----------------------------------------------------------------------------
    def _call(self) -> None:
        at = self._clock.now()
        before = len(self._sagemaker.endpoints.invocations)
        try:
            response = self._runtime.invoke_endpoint(
                EndpointName=self.endpoint_name, ContentType=self._content_type, Body=self._body
            )
            predictions = tuple(
                float(p["score"]) for p in json.loads(response["Body"].read())["predictions"]
            )
            ok, error = True, None
        except ClientError as failure:
            info = failure.response.get("Error", {})
            predictions, ok = (), False
            error = f"{info.get('Code')}: {info.get('Message')}"
        record = next(
            (
                call
                for call in self._sagemaker.endpoints.invocations[before:]
                if call.endpoint_name == self.endpoint_name
            ),
            None,
        )
        self.answers.append(
            Answer(
                at=at,
                answered_at=record.answered_at if record is not None else at,
                ok=ok,
                config_name=record.endpoint_config_name if record is not None else None,
                error=error,
                predictions=predictions,
            )
        )
        if self._timer is not None:
            self._timer = self._clock.call_later(self.every, self._call, self._label())

    def _label(self) -> str:
        return f"traffic client -> {self.endpoint_name}"
