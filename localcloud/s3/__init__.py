"""S3: bucket-policy conditions evaluated as S3 does (`policies`)."""
