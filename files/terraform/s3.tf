# Two buckets. Both: SSE-S3 encryption, versioning, owner-enforced object ownership (no
# ACLs), TLS-only policy, lifecycle hygiene.
#  - public:  anyone may read objects (s3:GetObject only), on purpose: it serves public
#             artefacts. Its public access block still blocks ACLs; only the policy is public.
#  - private: every public access block on; the external account gets read-only access.

locals {
  buckets = {
    public  = "${var.bucket_name_prefix}-public-${local.account_id}"
    private = "${var.bucket_name_prefix}-private-${local.account_id}"
  }
}

resource "aws_s3_bucket" "this" {
  # checkov:skip=CKV_AWS_18:server access logs need a third, log-only bucket; the exercise deploys two, CloudTrail data events are the account-level alternative
  # checkov:skip=CKV_AWS_144:cross-region replication doubles storage cost; versioning covers accidental deletes for this workbench
  # checkov:skip=CKV2_AWS_62:no consumer of object events exists in this section
  # checkov:skip=CKV2_AWS_6:false positive: aws_s3_bucket_public_access_block.this covers both buckets, the scanner does not follow for_each
  # checkov:skip=CKV2_AWS_61:false positive: aws_s3_bucket_lifecycle_configuration.this covers both buckets, the scanner does not follow for_each
  # checkov:skip=CKV_AWS_21:false positive: aws_s3_bucket_versioning.this enables versioning on both buckets, the scanner does not follow for_each
  # checkov:skip=CKV_AWS_145:SSE-S3 on purpose: the external account reads objects, and an SSE-KMS object would also need a customer key whose policy grants that account kms:Decrypt
  for_each = local.buckets

  bucket = each.value
  # false by default: destroying (or replacing) a bucket that holds objects fails with
  # BucketNotEmpty instead of deleting data. The role's teardown sets it true with a
  # targeted apply before `terraform destroy` (roles/terraform/tasks/absent.yml).
  force_destroy = var.s3_force_destroy
}

resource "aws_s3_bucket_ownership_controls" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "this" {
  # checkov:skip=CKV_AWS_56:the public bucket must accept its public-read policy (the private one sets it)
  # checkov:skip=CKV_AWS_54:the public bucket must accept its public-read policy (the private one sets it)
  for_each = aws_s3_bucket.this

  bucket                  = each.value.id
  block_public_acls       = true
  ignore_public_acls      = true
  block_public_policy     = each.key == "private"
  restrict_public_buckets = each.key == "private"
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm = "AES256"
    }
  }
}

resource "aws_s3_bucket_versioning" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id

  rule {
    id     = "hygiene"
    status = "Enabled"
    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_days
    }
  }

  depends_on = [aws_s3_bucket_versioning.this]
}

# Both policies deny plain HTTP. The public one lets anyone read objects, nothing else.
# The private one lets the external account list the bucket, find its region and read
# objects; it grants no write, delete, ACL or policy action, and no access to old
# versions (s3:GetObjectVersion), so the account consumes current data and cannot change it.
# (jsonencode rather than aws_iam_policy_document, so `terraform test` can read the policies.)
locals {
  bucket_arns        = { for k, name in local.buckets : k => "arn:${local.partition}:s3:::${name}" }
  external_principal = { AWS = "arn:${local.partition}:iam::${var.external_account_id}:root" }

  deny_insecure_transport = {
    for k, arn in local.bucket_arns : k => {
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = [arn, "${arn}/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }
  }

  bucket_policies = {
    public = {
      Version = "2012-10-17"
      Statement = [
        local.deny_insecure_transport["public"],
        {
          Sid       = "PublicReadObjects"
          Effect    = "Allow"
          Principal = "*"
          Action    = "s3:GetObject"
          Resource  = "${local.bucket_arns["public"]}/*"
        },
      ]
    }
    private = {
      Version = "2012-10-17"
      Statement = [
        local.deny_insecure_transport["private"],
        {
          Sid       = "ExternalAccountListBucket"
          Effect    = "Allow"
          Principal = local.external_principal
          Action    = ["s3:ListBucket", "s3:GetBucketLocation"]
          Resource  = local.bucket_arns["private"]
        },
        {
          Sid       = "ExternalAccountReadObjects"
          Effect    = "Allow"
          Principal = local.external_principal
          Action    = "s3:GetObject"
          Resource  = "${local.bucket_arns["private"]}/*"
        },
      ]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  for_each = aws_s3_bucket.this

  bucket = each.value.id
  policy = jsonencode(local.bucket_policies[each.key])

  # A public policy is rejected until the public access block allows it.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
