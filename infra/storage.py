"""The data bucket: created and hardened, or an existing one looked up by name.

A created bucket blocks public access, disables ACLs, encrypts at rest (SSE-S3), refuses
plain HTTP, keeps object versions (expiring old ones) and, when a model runs on upload,
sends its events to EventBridge. With `protectData` it is protected from `pulumi destroy`
and kept in AWS if it ever leaves the code.

An existing bucket (`bucketName`) is looked up, never modified: S3 holds one notification
configuration per bucket, and writing ours would erase whatever else the bucket notifies.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra.config import ConfigError
from infra.context import DeployContext
from infra.naming import ModelNames
from infra.policies import tls_only_bucket_policy
from infra.roles import policy_json

# Incomplete multipart uploads are invisible but billed.
ABORT_INCOMPLETE_UPLOADS_DAYS = 7


class DataBucket(pulumi.ComponentResource):
    name: str  # known at program time: ARNs and patterns are built from it
    bucket_output: pulumi.Output[str]  # the same name, carrying the dependency on the bucket

    def __init__(
        self,
        logical_name: str,
        context: DeployContext,
        *,
        eventbridge_notifications: bool,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("retraining:storage:DataBucket", logical_name, None, opts)
        settings = context.settings
        if settings.bucket_name is not None:
            self.name = settings.bucket_name
            self.bucket_output = pulumi.Output.from_input(self._existing(context))
            if eventbridge_notifications:
                self._check_existing_notifications(context)
        else:
            self.name = context.names.bucket(context.arns.account_id, context.arns.region)
            bucket = self._create(logical_name, context, eventbridge_notifications)
            self.bucket_output = bucket.bucket
        self.register_outputs({"bucket": self.bucket_output})

    def _existing(self, context: DeployContext) -> str:
        found = aws.s3.get_bucket(bucket=self.name, opts=pulumi.InvokeOptions(parent=self))
        if found.bucket_region != context.arns.region:
            raise ConfigError(
                [
                    f"retraining:bucketName {self.name!r} is in {found.bucket_region}, "
                    f"not in the stack's region {context.arns.region}"
                ]
            )
        return found.bucket

    def _check_existing_notifications(self, context: DeployContext) -> None:
        notification = aws.s3.get_bucket_notification(
            bucket=self.name, opts=pulumi.InvokeOptions(parent=self)
        )
        if not notification.eventbridge:
            pulumi.log.warn(
                f"bucket {self.name} does not send events to EventBridge, so the upload "
                "trigger will not fire. Enable it on the bucket (S3 console > Properties > "
                "Amazon EventBridge, or put-bucket-notification-configuration with "
                "EventBridgeConfiguration); the stack leaves existing buckets untouched.",
                resource=self,
            )

    def _create(
        self, logical_name: str, context: DeployContext, eventbridge_notifications: bool
    ) -> aws.s3.Bucket:
        protect = context.settings.protect_data
        bucket = aws.s3.Bucket(
            logical_name,
            bucket=self.name,
            # dev: `pulumi destroy` empties the bucket; protected data never is.
            force_destroy=context.settings.bucket_force_destroy and not protect,
            opts=pulumi.ResourceOptions(parent=self, protect=protect, retain_on_delete=protect),
        )
        # Configuration that must survive as long as the bucket does.
        child = pulumi.ResourceOptions(parent=bucket, retain_on_delete=protect)
        public_access = aws.s3.BucketPublicAccessBlock(
            logical_name,
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketOwnershipControls(
            logical_name,
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            logical_name,
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    )
                )
            ],
            opts=child,
        )
        versioning = aws.s3.BucketVersioning(
            logical_name,
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(
                status="Enabled"
            ),
            opts=child,
        )
        aws.s3.BucketLifecycleConfiguration(
            logical_name,
            bucket=bucket.id,
            rules=[
                *self._run_record_rules(context),
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-noncurrent-versions",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=context.settings.noncurrent_version_expiration_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=ABORT_INCOMPLETE_UPLOADS_DAYS
                    ),
                ),
            ],
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[versioning])
            ),
        )
        aws.s3.BucketPolicy(
            logical_name,
            bucket=bucket.id,
            policy=policy_json(tls_only_bucket_policy(context.arns.s3_bucket(self.name))),
            # S3 rejects bucket policies while the public access block is being applied.
            opts=pulumi.ResourceOptions.merge(
                child, pulumi.ResourceOptions(depends_on=[public_access])
            ),
        )
        if eventbridge_notifications:
            aws.s3.BucketNotification(logical_name, bucket=bucket.id, eventbridge=True, opts=child)
        return bucket

    @staticmethod
    def _run_record_rules(
        context: DeployContext,
    ) -> list[aws.s3.BucketLifecycleConfigurationRuleArgs]:
        """Each model's manifests and callback tokens expire: they only matter while a run
        and its successors' look-backs need them, and a token whose event was lost is never
        deleted by the pipeline. Training data and artefacts are never expired here (the
        serving model's artefact must stay for SageMaker to replace an instance)."""
        days = context.settings.run_records_expiration_days
        rules = []
        for model in context.settings.models:
            names = ModelNames(context.stack, model.name)
            for what, prefix in (
                ("manifests", names.manifest_prefix),
                ("callbacks", names.callback_prefix),
            ):
                rules.append(
                    aws.s3.BucketLifecycleConfigurationRuleArgs(
                        id=f"expire-{model.name}-{what}",
                        status="Enabled",
                        filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=prefix),
                        expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=days),
                    )
                )
        return rules
