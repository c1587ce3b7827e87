"""The AWS provider functions the program calls, answered from the embedded AWS.

Each answer has the fields the provider returns (pulumi-aws 7: `getRegion` answers `region`,
`name` is its deprecated alias). Identity and buckets come from moto; the region's SageMaker
algorithm registry from the table AWS documents (moto has no ECR registry of SageMaker's own).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import botocore.session
from botocore.exceptions import ClientError, UnknownRegionError

from localcloud.deploy.resources import AwsApi, bucket_outputs
from localcloud.internals.moto_private import s3_backends

# The accounts that host SageMaker's built-in Linear Learner image, per region, from AWS's
# "Docker Registry Paths and Example Code" pages
# (https://docs.aws.amazon.com/sagemaker/latest/dg-ecr-paths/sagemaker-algo-docker-registry-paths.html);
# the AWS provider's getPrebuiltEcrImage answers from the same table.
LINEAR_LEARNER_REGISTRIES: dict[str, str] = {
    "af-south-1": "455444449433",
    "ap-east-1": "286214385809",
    "ap-northeast-1": "351501993468",
    "ap-northeast-2": "835164637446",
    "ap-northeast-3": "867004704886",
    "ap-south-1": "991648021394",
    "ap-southeast-1": "475088953585",
    "ap-southeast-2": "712309505854",
    "ca-central-1": "469771592824",
    "cn-north-1": "390948362332",
    "cn-northwest-1": "387376663083",
    "eu-central-1": "664544806723",
    "eu-north-1": "669576153137",
    "eu-south-1": "257386234256",
    "eu-west-1": "438346466558",
    "eu-west-2": "644912444149",
    "eu-west-3": "749696950732",
    "me-south-1": "249704162688",
    "sa-east-1": "855470959533",
    "us-east-1": "382416733822",
    "us-east-2": "404615174143",
    "us-gov-west-1": "226302683700",
    "us-west-1": "632365934929",
    "us-west-2": "174872318107",
}
PREBUILT_REGISTRIES: dict[str, dict[str, str]] = {"linear-learner": LINEAR_LEARNER_REGISTRIES}


class CallFailed(LookupError):
    """What the provider function would fail with (a missing bucket, an unknown region)."""


def _dns_suffix(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def prebuilt_ecr_image(repository: str, region: str, tag: str = "1") -> dict[str, Any]:
    registries = PREBUILT_REGISTRIES.get(repository)
    if registries is None:
        raise CallFailed(
            f"getPrebuiltEcrImage: localcloud knows the registries of {sorted(PREBUILT_REGISTRIES)}"
            f" only, not of {repository!r}"
        )
    registry = registries.get(region)
    if registry is None:
        raise CallFailed(
            f"getPrebuiltEcrImage: no documented {repository} registry for region {region!r} "
            f"(known: {', '.join(sorted(registries))})"
        )
    suffix = _dns_suffix(region)
    return {
        "id": registry,
        "registryId": registry,
        "registryPath": f"{registry}.dkr.ecr.{region}.{suffix}/{repository}:{tag}",
        "repositoryName": repository,
        "imageTag": tag,
        "region": region,
        "dnsSuffix": suffix,
    }


class ProviderFunctions:
    """Answers `Mocks.call` for one stack region."""

    def __init__(self, api: AwsApi, region: str) -> None:
        self.api = api
        self.region = region
        self.answers: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "aws:index/getCallerIdentity:getCallerIdentity": self.caller_identity,
            "aws:index/getRegion:getRegion": self.get_region,
            "aws:sagemaker/getPrebuiltEcrImage:getPrebuiltEcrImage": lambda a: prebuilt_ecr_image(
                a["repositoryName"], a.get("region") or self.region, a.get("imageTag") or "1"
            ),
            "aws:s3/getBucket:getBucket": self.get_bucket,
            "aws:s3/getBucketNotification:getBucketNotification": self.get_bucket_notification,
        }

    def answer(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        answer = self.answers.get(token)
        if answer is None:
            raise NotImplementedError(
                f"localcloud.deploy does not answer the provider function {token}"
            )
        return answer(args)

    def caller_identity(self, args: dict[str, Any]) -> dict[str, Any]:
        api = self.api
        return {
            "accountId": api.account,
            "arn": api.caller_arn,
            "userId": api.caller_user_id,
            "id": api.account,
        }

    def get_region(self, args: dict[str, Any]) -> dict[str, Any]:
        region = args.get("region") or args.get("name") or self.region
        try:
            self.api.partition(region)  # the AWS provider, too, refuses a region AWS lacks
        except UnknownRegionError as error:
            raise CallFailed(f"getRegion: {region!r} is not an AWS region ({error})") from error
        return {
            "region": region,
            "name": region,
            "id": region,
            "endpoint": f"ec2.{region}.{_dns_suffix(region)}",
            "description": _region_description(region),
        }

    def _bucket_region(self, bucket: str) -> str:
        s3 = self.api.client("s3", self.region)
        try:
            location = s3.get_bucket_location(Bucket=bucket)["LocationConstraint"]
        except ClientError as error:
            raise CallFailed(
                f"getBucket: bucket {bucket!r} does not exist in the embedded AWS "
                f"({error.response['Error']['Code']})"
            ) from error
        return location or "us-east-1"  # S3 reports its default location as no constraint

    def get_bucket(self, args: dict[str, Any]) -> dict[str, Any]:
        bucket = args["bucket"]
        return bucket_outputs(self.api, bucket, self._bucket_region(bucket))

    def get_bucket_notification(self, args: dict[str, Any]) -> dict[str, Any]:
        bucket = args["bucket"]
        region = self._bucket_region(bucket)
        config = self.api.client("s3", region).get_bucket_notification_configuration(Bucket=bucket)
        # moto gap: GetBucketNotificationConfiguration leaves out EventBridgeConfiguration,
        # which moto's backend does hold.
        backend = s3_backends[self.api.account][self.api.partition(region)]
        held = backend.get_bucket_notification_configuration(bucket)
        return {
            "bucket": bucket,
            "eventbridge": held is not None and held.event_bridge is not None,
            "lambdaFunctions": _notifications(config, "LambdaFunction"),
            "queues": _notifications(config, "Queue"),
            "topics": _notifications(config, "Topic"),
            "region": region,
        }


def _notifications(config: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    """S3's `<kind>Configurations` in the provider's shape (`lambdaFunctionArn`, ...)."""
    found = []
    for item in config.get(f"{kind}Configurations", []):
        rules = {
            rule["Name"].lower(): rule["Value"]
            for rule in item.get("Filter", {}).get("Key", {}).get("FilterRules", [])
        }
        found.append(
            {
                "id": item.get("Id", ""),
                kind[0].lower() + kind[1:] + "Arn": item[f"{kind}Arn"],
                "events": list(item.get("Events", [])),
                "filterPrefix": rules.get("prefix", ""),
                "filterSuffix": rules.get("suffix", ""),
            }
        )
    return found


def _region_description(region: str) -> str:
    for partition in botocore.session.get_session().get_data("endpoints")["partitions"]:
        if region in partition["regions"]:
            return str(partition["regions"][region].get("description", region))
    return region
