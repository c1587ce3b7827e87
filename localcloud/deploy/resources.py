"""What each resource type of the Pulumi program becomes in the embedded, moto-backed AWS.

One creator per resource type token (`EMULATED`). A creator makes the AWS API calls the AWS
provider would make for that resource (through boto3, so moto validates them as AWS would)
and returns the physical id and the outputs the provider would report. Each creator names
the inputs it carries into AWS: any other input raises `UnsupportedInput` instead of being
dropped, so configuration the embedded AWS would not hold never passes silently.

Inputs arrive as Pulumi's mock monitor delivers them: camelCase names, numbers as doubles,
code as `pulumi.FileArchive`, secrets already unwrapped by the caller.

This module holds the framework and the storage, identity, logging and secret resources;
`localcloud.deploy.pipeline` holds Lambda, Step Functions, EventBridge Scheduler and
EventBridge rules; `localcloud.deploy.alarms` the alarm topic and alarms. Where moto lacks
part of an API its backend is set directly, marked "moto gap".
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pulumi

from infra.archives import zip_bytes

# IAM is global; its API lives in us-east-1 (aws partition).
IAM_REGION = "us-east-1"


class UnsupportedInput(ValueError):
    """The program sets an input this module does not carry into the embedded AWS."""


# --- framework --------------------------------------------------------------------------------
@dataclass(frozen=True)
class ResourceRequest:
    type: str
    name: str  # the logical (Pulumi) name
    inputs: Mapping[str, Any]  # secrets unwrapped, None values left out
    region: str  # the resource's `region` input, else the stack's

    def __getitem__(self, key: str) -> Any:
        return self.inputs[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.inputs.get(key, default)

    def physical_name(self, key: str = "name", prefix_key: str = "namePrefix") -> str:
        """The explicit name, else a unique one made as the provider makes it."""
        if key in self.inputs:
            return str(self.inputs[key])
        if prefix_key in self.inputs:
            return f"{self.inputs[prefix_key]}{secrets.token_hex(13)}"
        return f"{self.name}-{secrets.token_hex(4)[:7]}"  # Pulumi's auto-naming

    def tags(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in (self.inputs.get("tags") or {}).items()}

    def params(self, mapping: Mapping[str, str], convert: Callable[[Any], Any] = str) -> dict:
        """API parameters (`mapping`: input → parameter) for the inputs that are set."""
        return {param: convert(self.inputs[key]) for key, param in mapping.items() if key in self}

    def __contains__(self, key: object) -> bool:
        return key in self.inputs


@dataclass(frozen=True)
class Created:
    id: str
    outputs: dict[str, Any]  # the provider's computed outputs (reported over the inputs)
    arn: str | None = None


class AwsApi:
    """boto3 clients per (service, region) and the caller's account, for one deployment."""

    def __init__(self) -> None:
        # A session of our own: boto3's default session is shared with whatever else runs.
        self._session = boto3.session.Session()
        self._clients: dict[tuple[str, str], Any] = {}
        identity = self.client("sts", IAM_REGION).get_caller_identity()
        self.account: str = identity["Account"]
        self.caller_arn: str = identity["Arn"]
        self.caller_user_id: str = identity["UserId"]

    def client(self, service: str, region: str) -> Any:
        key = (service, region)
        if key not in self._clients:
            make: Any = self._session.client  # service names are plain strings here
            self._clients[key] = make(service, region_name=region)
        return self._clients[key]

    def partition(self, region: str) -> str:
        """The region's partition (raises botocore's UnknownRegionError for no region)."""
        return str(self._session.get_partition_for_region(region))


Creator = Callable[[AwsApi, ResourceRequest], Created]


@dataclass(frozen=True)
class Emulation:
    create: Creator
    accepts: frozenset[str]

    def unsupported(self, inputs: Mapping[str, Any]) -> list[str]:
        return sorted(set(inputs) - self.accepts)


EMULATED: dict[str, Emulation] = {}


def emulates(type_token: str, accepts: str) -> Callable[[Creator], Creator]:
    """Register a creator for `type_token`; `accepts`: the input names it handles."""

    def register(create: Creator) -> Creator:
        EMULATED[type_token] = Emulation(create, frozenset(accepts.split()))
        return create

    return register


def tag_list(tags: Mapping[str, str], key: str = "Key", value: str = "Value") -> list[dict]:
    return [{key: k, value: v} for k, v in tags.items()]


def tagged(request: ResourceRequest, outputs: dict[str, Any]) -> dict[str, Any]:
    """The provider reports `tagsAll`: its default tags plus the resource's own, which
    MotoMocks has already merged into the request's `tags` (localcloud.deploy.providers)."""
    if "tags" in request:
        outputs["tagsAll"] = request.tags()
    return outputs


def archive_bytes(archive: Any, what: str) -> bytes:
    """The zip Lambda receives for a `pulumi.FileArchive` (a zip file or a directory)."""
    if not isinstance(archive, pulumi.FileArchive):
        raise UnsupportedInput(f"{what}: only pulumi.FileArchive code is emulated, not {archive!r}")
    path = Path(archive.path)
    if path.is_dir():
        files = (p for p in path.rglob("*") if p.is_file())
        return zip_bytes((p.relative_to(path).as_posix(), p.read_bytes()) for p in files)
    if path.suffix in (".zip", ".jar"):
        return path.read_bytes()
    raise UnsupportedInput(f"{what}: archive {path} is neither a zip file nor a directory")


# --- S3 ---------------------------------------------------------------------------------------
def bucket_outputs(api: AwsApi, bucket: str, region: str) -> dict[str, Any]:
    """What the provider reports about a bucket (resource and `getBucket` alike)."""
    return {
        "id": bucket,
        "bucket": bucket,
        "arn": f"arn:{api.partition(region)}:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
        "bucketRegion": region,
        "region": region,
    }


@emulates("aws:s3/bucket:Bucket", "bucket bucketPrefix forceDestroy tags region")
def _bucket(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name("bucket", "bucketPrefix")
    s3 = api.client("s3", r.region)
    # us-east-1 is S3's default location and refuses to be named as a constraint.
    location = {} if r.region == "us-east-1" else {"LocationConstraint": r.region}
    s3.create_bucket(Bucket=name, **({"CreateBucketConfiguration": location} if location else {}))
    if r.tags():
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(r.tags())})
    outputs = tagged(r, bucket_outputs(api, name, r.region))
    return Created(name, outputs, outputs["arn"])


_PUBLIC_ACCESS = {
    "blockPublicAcls": "BlockPublicAcls",
    "blockPublicPolicy": "BlockPublicPolicy",
    "ignorePublicAcls": "IgnorePublicAcls",
    "restrictPublicBuckets": "RestrictPublicBuckets",
}


@emulates(
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
    f"bucket skipDestroy region {' '.join(_PUBLIC_ACCESS)}",
)
def _public_access_block(api: AwsApi, r: ResourceRequest) -> Created:
    config = {param: bool(r.get(key, False)) for key, param in _PUBLIC_ACCESS.items()}
    api.client("s3", r.region).put_public_access_block(
        Bucket=r["bucket"], PublicAccessBlockConfiguration=config
    )
    return Created(r["bucket"], {})


@emulates("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "bucket rule region")
def _ownership_controls(api: AwsApi, r: ResourceRequest) -> Created:
    api.client("s3", r.region).put_bucket_ownership_controls(
        Bucket=r["bucket"],
        OwnershipControls={"Rules": [{"ObjectOwnership": r["rule"]["objectOwnership"]}]},
    )
    return Created(r["bucket"], {})


def _encryption_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    default = rule["applyServerSideEncryptionByDefault"]
    by_default = {"SSEAlgorithm": default["sseAlgorithm"]}
    if "kmsMasterKeyId" in default:
        by_default["KMSMasterKeyID"] = default["kmsMasterKeyId"]
    converted: dict[str, Any] = {"ApplyServerSideEncryptionByDefault": by_default}
    if "bucketKeyEnabled" in rule:
        converted["BucketKeyEnabled"] = bool(rule["bucketKeyEnabled"])
    return converted


@emulates(
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "bucket rules expectedBucketOwner region",
)
def _encryption(api: AwsApi, r: ResourceRequest) -> Created:
    api.client("s3", r.region).put_bucket_encryption(
        Bucket=r["bucket"],
        ServerSideEncryptionConfiguration={"Rules": [_encryption_rule(x) for x in r["rules"]]},
    )
    return Created(r["bucket"], {})


@emulates(
    "aws:s3/bucketVersioning:BucketVersioning",
    "bucket versioningConfiguration expectedBucketOwner region",
)
def _versioning(api: AwsApi, r: ResourceRequest) -> Created:
    config = r["versioningConfiguration"]
    versioning = {"Status": config["status"]}
    if "mfaDelete" in config:
        versioning["MFADelete"] = config["mfaDelete"]
    api.client("s3", r.region).put_bucket_versioning(
        Bucket=r["bucket"], VersioningConfiguration=versioning
    )
    return Created(r["bucket"], {})


def _lifecycle_rule(rule: Mapping[str, Any]) -> dict[str, Any]:
    known = {"id", "status", "filter", "expiration", "noncurrentVersionExpiration"}
    if unknown := sorted(set(rule) - known - {"abortIncompleteMultipartUpload"}):
        raise UnsupportedInput(f"lifecycle rule {rule['id']!r}: {', '.join(unknown)}")
    converted: dict[str, Any] = {"ID": rule["id"], "Status": rule["status"]}
    if "filter" in rule:
        converted["Filter"] = {"Prefix": rule["filter"].get("prefix", "")}
    if "expiration" in rule:
        converted["Expiration"] = {"Days": int(rule["expiration"]["days"])}
    if "noncurrentVersionExpiration" in rule:
        days = rule["noncurrentVersionExpiration"]["noncurrentDays"]
        converted["NoncurrentVersionExpiration"] = {"NoncurrentDays": int(days)}
    if "abortIncompleteMultipartUpload" in rule:
        days = rule["abortIncompleteMultipartUpload"]["daysAfterInitiation"]
        converted["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": int(days)}
    return converted


@emulates(
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "bucket rules expectedBucketOwner region",
)
def _lifecycle(api: AwsApi, r: ResourceRequest) -> Created:
    api.client("s3", r.region).put_bucket_lifecycle_configuration(
        Bucket=r["bucket"],
        LifecycleConfiguration={"Rules": [_lifecycle_rule(rule) for rule in r["rules"]]},
    )
    return Created(r["bucket"], {})


@emulates("aws:s3/bucketPolicy:BucketPolicy", "bucket policy region")
def _bucket_policy(api: AwsApi, r: ResourceRequest) -> Created:
    api.client("s3", r.region).put_bucket_policy(Bucket=r["bucket"], Policy=r["policy"])
    return Created(r["bucket"], {})


@emulates("aws:s3/bucketNotification:BucketNotification", "bucket eventbridge region")
def _bucket_notification(api: AwsApi, r: ResourceRequest) -> Created:
    config: dict[str, Any] = {"EventBridgeConfiguration": {}} if r.get("eventbridge") else {}
    api.client("s3", r.region).put_bucket_notification_configuration(
        Bucket=r["bucket"], NotificationConfiguration=config
    )
    return Created(r["bucket"], {})


# --- IAM (global) -----------------------------------------------------------------------------
@emulates(
    "aws:iam/role:Role",
    "name namePrefix assumeRolePolicy description path maxSessionDuration permissionsBoundary"
    " forceDetachPolicies tags",
)
def _role(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    role = api.client("iam", IAM_REGION).create_role(
        RoleName=name,
        AssumeRolePolicyDocument=r["assumeRolePolicy"],
        **r.params(
            {
                "description": "Description",
                "path": "Path",
                "permissionsBoundary": "PermissionsBoundary",
            }
        ),
        **r.params({"maxSessionDuration": "MaxSessionDuration"}, int),
        **({"Tags": tag_list(r.tags())} if r.tags() else {}),
    )["Role"]
    outputs = {
        "name": name,
        "arn": role["Arn"],
        "uniqueId": role["RoleId"],
        "createDate": role["CreateDate"].isoformat(),
    }
    return Created(name, tagged(r, outputs), role["Arn"])


@emulates("aws:iam/rolePolicy:RolePolicy", "name namePrefix role policy")
def _role_policy(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    api.client("iam", IAM_REGION).put_role_policy(
        RoleName=r["role"], PolicyName=name, PolicyDocument=r["policy"]
    )
    return Created(f"{r['role']}:{name}", {"name": name})


# --- CloudWatch Logs ----------------------------------------------------------------------------
@emulates(
    "aws:cloudwatch/logGroup:LogGroup",
    "name namePrefix retentionInDays kmsKeyId logGroupClass skipDestroy tags region",
)
def _log_group(api: AwsApi, r: ResourceRequest) -> Created:
    name = r.physical_name()
    logs = api.client("logs", r.region)
    logs.create_log_group(
        logGroupName=name,
        **r.params({"kmsKeyId": "kmsKeyId", "logGroupClass": "logGroupClass"}),
        **({"tags": r.tags()} if r.tags() else {}),
    )
    if r.get("retentionInDays"):  # 0: never expire, which is having no policy
        logs.put_retention_policy(logGroupName=name, retentionInDays=int(r["retentionInDays"]))
    groups = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    # The provider reports the ARN without the `:*` that DescribeLogGroups' `arn` ends with.
    arn = next(g["arn"] for g in groups if g["logGroupName"] == name).removesuffix(":*")
    return Created(name, tagged(r, {"name": name, "arn": arn}), arn)


# --- Secrets Manager --------------------------------------------------------------------------
@emulates(
    "aws:secretsmanager/secret:Secret",
    "name namePrefix description kmsKeyId recoveryWindowInDays tags region",
)
def _secret(api: AwsApi, r: ResourceRequest) -> Created:
    # recoveryWindowInDays only matters when the secret is deleted: the provider keeps it.
    name = r.physical_name()
    secret = api.client("secretsmanager", r.region).create_secret(
        Name=name,
        **r.params({"description": "Description", "kmsKeyId": "KmsKeyId"}),
        **({"Tags": tag_list(r.tags())} if r.tags() else {}),
    )
    return Created(secret["ARN"], tagged(r, {"name": name, "arn": secret["ARN"]}), secret["ARN"])


@emulates(
    "aws:secretsmanager/secretVersion:SecretVersion",
    "secretId secretString secretBinary versionStages region",
)
def _secret_version(api: AwsApi, r: ResourceRequest) -> Created:
    params: dict[str, Any] = {"SecretId": r["secretId"]}
    if "secretString" in r:
        params["SecretString"] = r["secretString"]
    if "secretBinary" in r:  # the provider takes it base64-encoded
        params["SecretBinary"] = base64.b64decode(r["secretBinary"])
    if "versionStages" in r:
        params["VersionStages"] = list(r["versionStages"])
    version = api.client("secretsmanager", r.region).put_secret_value(**params)
    outputs = {
        "arn": version["ARN"],
        "secretArn": version["ARN"],
        "versionId": version["VersionId"],
        "versionStages": version["VersionStages"],
    }
    return Created(f"{version['ARN']}|{version['VersionId']}", outputs, version["ARN"])
