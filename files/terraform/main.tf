# Shared lookups and names used by every resource family.
data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  tags = merge(var.tags, {
    Project   = "aws-mlops-estate"
    Section   = "terraform"
    ManagedBy = "terraform"
  })
}
