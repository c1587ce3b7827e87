"""EventBridge delivery to Lambda targets, and AWS service events on the virtual clock.

moto matches events against rules but delivers only to logs, SQS and buses; a Lambda target
raises NotImplementedError. We add Lambda delivery (asynchronous in AWS, so a failing
function never fails the sender; failures are recorded), stamp events with the virtual time,
and let the embedded services (S3 through moto, the local SageMaker) emit events as AWS would.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from localcloud.clock import Clock
from localcloud.internals.moto_private import (
    EventsRule,
    events_backends,
    lambda_backends,
    parse_arn,
    sqs_backends,
)

LOG = logging.getLogger(__name__)

# Lambda's retries of a failed asynchronous invocation when nothing configures them.
DEFAULT_ASYNC_RETRY_ATTEMPTS = 2


def _event_invoke_config(backend: Any, function_name: str) -> dict[str, Any]:
    function = backend.get_function(function_name)
    configs = getattr(function, "event_invoke_config", None) or []
    return dict(configs[0].response()) if configs else {}


def _retry_attempts(backend: Any, function_name: str) -> int:
    config = _event_invoke_config(backend, function_name)
    return int(config.get("MaximumRetryAttempts", DEFAULT_ASYNC_RETRY_ATTEMPTS))


@dataclass
class Delivery:
    rule: str
    function_arn: str
    detail_type: str
    ok: bool
    error: str | None = None


class EventRouter:
    """Installs Lambda delivery into moto's rules and emits service events."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._uninstall: Callable[[], None] | None = None
        # (source, detail-type, statuses) of each event still to lose (fault injection).
        self._to_lose: list[tuple[str, str, tuple[str, ...]]] = []
        self.lost: list[dict[str, Any]] = []

    def install(self) -> None:
        router = self
        rule_class = EventsRule
        original = rule_class.send_to_targets

        def send_to_targets(rule: Any, event: dict[str, Any], transform_input: bool = True) -> None:
            lambda_targets = [t for t in rule.targets if parse_arn(t["Arn"]).service == "lambda"]
            other_targets = [t for t in rule.targets if t not in lambda_targets]
            if other_targets:
                all_targets, rule.targets = rule.targets, other_targets
                try:
                    original(rule, event, transform_input)  # type: ignore[arg-type]
                finally:
                    rule.targets = all_targets
            if lambda_targets and rule.event_pattern.matches_event(event):
                for target in lambda_targets:
                    router._deliver(rule, target, router._stamped(event))

        setattr(rule_class, "send_to_targets", send_to_targets)

        def uninstall() -> None:
            setattr(rule_class, "send_to_targets", original)

        self._uninstall = uninstall

    def close(self) -> None:
        if self._uninstall is not None:
            self._uninstall()
            self._uninstall = None

    # --- fault injection ----------------------------------------------------------------------
    def lose_next(
        self, source: str, detail_type: str, statuses: tuple[str, ...] = (), times: int = 1
    ) -> None:
        """The next `times` events of this kind a service emits (with one of `statuses`, read
        from the detail's `...Status` field; any status when empty) never reach the bus: what
        an operator sees when a rule misses an event."""
        if times < 1:
            raise ValueError(f"times must be at least 1, not {times}")
        with self._lock:
            self._to_lose.extend([(source, detail_type, statuses)] * times)

    def pending_losses(self, detail_type: str | None = None) -> int:
        with self._lock:
            return sum(1 for loss in self._to_lose if detail_type in (None, loss[1]))

    def clear_faults(self) -> int:
        """Forget the losses no event has consumed yet; how many there were."""
        with self._lock:
            pending = len(self._to_lose)
            self._to_lose.clear()
            return pending

    def _lose(self, source: str, detail_type: str, detail: dict[str, Any]) -> bool:
        status = next((v for k, v in detail.items() if k.endswith("Status")), None)
        with self._lock:
            for loss in self._to_lose:
                if loss[:2] == (source, detail_type) and (not loss[2] or status in loss[2]):
                    self._to_lose.remove(loss)
                    return True
        return False

    def emit(
        self,
        *,
        account: str,
        region: str,
        source: str,
        detail_type: str,
        detail: dict[str, Any],
        resources: list[str],
    ) -> None:
        """Publish an event the way an AWS service does (to the default bus)."""
        event: dict[str, Any] = {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": detail_type,
            "source": source,
            "account": account,
            "time": self._iso_now(),
            "region": region,
            "resources": resources,
            "detail": detail,
        }
        if self._lose(source, detail_type, detail):
            with self._lock:
                self.lost.append(event)
            return
        backend = events_backends[account][region]
        bus = backend.event_buses.get("default")
        if bus is None:
            return
        for rule in list(bus.rules.values()):
            if rule.state == "ENABLED":
                rule.send_to_targets(event, transform_input=False)  # type: ignore[arg-type]

    def _stamped(self, event: dict[str, Any]) -> dict[str, Any]:
        stamped = copy.deepcopy(event)
        # moto stamps S3 events with a float; AWS sends an ISO 8601 string.
        if not isinstance(stamped.get("time"), str):
            stamped["time"] = self._iso_now()
        stamped.pop("ingestion-time", None)
        return stamped

    def _iso_now(self) -> str:
        return self.clock.utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")

    def _deliver(self, rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
        arn = parse_arn(target["Arn"])
        payload = event
        if "Input" in target:
            payload = json.loads(target["Input"])
        backend = lambda_backends[arn.account][arn.region]
        delivery = Delivery(rule.name, target["Arn"], str(event.get("detail-type")), ok=True)
        attempts = 1 + _retry_attempts(backend, arn.resource_id)
        for _attempt in range(attempts):  # Lambda retries a failed asynchronous invocation
            delivery.ok, delivery.error = True, None
            response_headers: dict[str, str] = {}
            try:
                result = backend.invoke(
                    arn.resource_id,
                    qualifier=None,
                    body=json.dumps(payload),
                    headers={"x-amz-invocation-type": "RequestResponse"},
                    response_headers=response_headers,
                )
                if "x-amz-function-error" in response_headers:
                    delivery.ok = False
                    delivery.error = result.decode() if isinstance(result, bytes) else str(result)
            except Exception as error:  # asynchronous in AWS: the sender never sees it
                delivery.ok = False
                delivery.error = f"{type(error).__name__}: {error}"
                LOG.warning("EventBridge delivery to %s failed: %s", target["Arn"], delivery.error)
            if delivery.ok:
                break
        if not delivery.ok:
            self._to_failure_destination(backend, arn, payload, delivery, attempts)
        with self._lock:
            self.deliveries.append(delivery)

    def _to_failure_destination(
        self, backend: Any, arn: Any, payload: Any, delivery: Delivery, attempts: int
    ) -> None:
        """Lambda's on-failure destination: an invocation record, as Lambda sends it."""
        destination = _event_invoke_config(backend, arn.resource_id).get("DestinationConfig", {})
        queue_arn = destination.get("OnFailure", {}).get("Destination")
        if not queue_arn:
            return
        queue = parse_arn(queue_arn)
        if queue.service != "sqs":
            raise NotImplementedError(f"on-failure destination {queue_arn} is not emulated")
        record = {
            "version": "1.0",
            "timestamp": self._iso_now(),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"{delivery.function_arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": payload,
            "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
            "responsePayload": delivery.error,
        }
        sqs = sqs_backends[queue.account][queue.region]
        sqs.send_message(queue.resource_id, json.dumps(record, default=str))
