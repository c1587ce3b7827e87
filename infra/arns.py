"""ARNs built from names, for resources that must be referenced before they exist.

The formats are those of the Service Authorization Reference (the same table parliament
ships): note that S3 ARNs carry neither region nor account, that an SSM parameter's ARN
drops the name's leading slash, and that SageMaker lower-cases resource names in its ARNs
(infra.config therefore only accepts lower-case model names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ECR_IMAGE = re.compile(
    r"(?P<registry>[0-9]{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>[a-z0-9][a-z0-9._/-]*)(?::[\w.-]+|@sha256:[0-9a-f]{64})"
)

_CONSOLE_DOMAINS = {
    "aws": "console.aws.amazon.com",
    "aws-cn": "console.amazonaws.cn",
    "aws-us-gov": "console.amazonaws-us-gov.com",
}


def partition_of(arn: str) -> str:
    """The partition (`aws`, `aws-cn`, ...) of any ARN, e.g. the caller identity's."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return parts[1]


def parse_ecr_image(image_uri: str) -> tuple[str, str, str] | None:
    """`(registry account, region, repository)` of an ECR image URI, None if not one."""
    match = _ECR_IMAGE.fullmatch(image_uri)
    if match is None:
        return None
    return match["registry"], match["region"], match["repository"]


@dataclass(frozen=True)
class Arns:
    partition: str
    region: str
    account_id: str

    def _regional(self, service: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{self.region}:{self.account_id}:{resource}"

    # --- compute & orchestration --------------------------------------------------------
    def lambda_function(self, name: str) -> str:
        return self._regional("lambda", f"function:{name}")

    def sqs_queue(self, name: str) -> str:
        return self._regional("sqs", name)

    def state_machine(self, name: str) -> str:
        return self._regional("states", f"stateMachine:{name}")

    def executions(self, state_machine_name: str) -> str:
        """Every execution of the state machine (DescribeExecution's resource)."""
        return self._regional("states", f"execution:{state_machine_name}:*")

    def iam_role(self, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:role/{name}"

    def log_group(self, name: str) -> str:
        return self._regional("logs", f"log-group:{name}")

    def log_group_streams(self, log_group_name: str) -> str:
        """A log group and every stream in it: `log-group:<name>:*`.

        CreateLogStream and PutLogEvents are authorized on the stream; the `:*` form is the
        one AWS's own managed policies use, and it also matches the group's own ARN as
        CloudWatch Logs reports it (with a trailing `:*`).
        """
        return self._regional("logs", f"log-group:{log_group_name}:*")

    def log_streams(self, log_group_name: str, stream_prefix: str) -> str:
        """The streams of a log group whose names start with `stream_prefix`."""
        return self._regional("logs", f"log-group:{log_group_name}:log-stream:{stream_prefix}*")

    def schedule(self, group: str, name: str) -> str:
        return self._regional("scheduler", f"schedule/{group}/{name}")

    def ssm_parameter(self, name: str) -> str:
        return self._regional("ssm", f"parameter/{name.lstrip('/')}")

    def cloudwatch_alarm(self, name: str) -> str:
        return self._regional("cloudwatch", f"alarm:{name}")

    def sagemaker(self, resource_type: str, name: str) -> str:
        """`resource_type` is e.g. `training-job`, `model`, `endpoint-config`, `endpoint`."""
        return self._regional("sagemaker", f"{resource_type}/{name}")

    # --- storage -----------------------------------------------------------------------
    def s3_bucket(self, bucket: str) -> str:
        return f"arn:{self.partition}:s3:::{bucket}"

    def s3_objects(self, bucket: str, prefix: str) -> str:
        return f"arn:{self.partition}:s3:::{bucket}/{prefix}*"

    def s3_object(self, bucket: str, key: str) -> str:
        return f"arn:{self.partition}:s3:::{bucket}/{key}"

    def ecr_repository(self, registry_account: str, region: str, repository: str) -> str:
        return f"arn:{self.partition}:ecr:{region}:{registry_account}:repository/{repository}"

    # --- people-facing -------------------------------------------------------------------
    def state_machine_console_url(self, state_machine_arn: str) -> str:
        domain = _CONSOLE_DOMAINS.get(self.partition, _CONSOLE_DOMAINS["aws"])
        return (
            f"https://{self.region}.{domain}/states/home?region={self.region}"
            f"#/statemachines/view/{state_machine_arn}"
        )
