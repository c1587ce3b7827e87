"""Datapoints into moto's CloudWatch, stamped with the virtual time.

Through the backend, not PutMetricData over HTTP: AWS/ namespaces are reserved for AWS
services (CloudWatch refuses them from callers), and the local SageMaker records its metrics
from inside API calls and clock callbacks, where a second HTTP round trip has no business.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from localcloud.internals.moto_private import cloudwatch_backends


def put(
    *,
    account: str,
    region: str,
    namespace: str,
    dimensions: Mapping[str, str],
    values: Mapping[str, tuple[float, str]],
    at: datetime,
) -> None:
    """One datapoint per metric of `values` (`{name: (value, unit)}`), all with `dimensions`,
    at `at` (naive UTC, moto's convention)."""
    dims = [{"Name": name, "Value": value} for name, value in dimensions.items()]
    cloudwatch_backends[account][region].put_metric_data(
        namespace,
        [
            {"MetricName": name, "Value": value, "Unit": unit, "Dimensions": dims, "Timestamp": at}
            for name, (value, unit) in values.items()
        ],
    )
