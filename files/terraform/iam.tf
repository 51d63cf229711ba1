# The IAM group and its members, and the workbench's instance role (Session Manager only).
# IAM names are unique per account: `iam_name_prefix` lets this configuration share an
# account with other deployments of the same names (docs/terraform.md).

locals {
  user_names = { for u in var.group_members : u => "${var.iam_name_prefix}${u}" }
}

resource "aws_iam_group" "workbench" {
  name = "${var.iam_name_prefix}${var.group_name}"
  path = var.iam_path
}

resource "aws_iam_user" "member" {
  # checkov:skip=CKV_AWS_273:the exercise asks for IAM users; they get no access keys or policies here, SSO remains the way to grant access
  for_each = local.user_names

  name          = each.value
  path          = var.iam_path
  force_destroy = false
}

# Exclusive: the group holds exactly these users.
resource "aws_iam_group_membership" "workbench" {
  name  = "${var.iam_name_prefix}${var.group_name}-members"
  group = aws_iam_group.workbench.name
  users = [for u in var.group_members : aws_iam_user.member[u].name]
}

data "aws_iam_policy_document" "ec2_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "workbench" {
  name               = "${var.iam_name_prefix}${var.name}-instance"
  path               = var.iam_path
  description        = "Instance role of ${var.instance_name}: SSM Session Manager only"
  assume_role_policy = data.aws_iam_policy_document.ec2_assume.json
}

# Session Manager needs only these actions (AWS's minimal Session Manager policy);
# AmazonSSMManagedInstanceCore would also allow Run Command, State Manager and
# Parameter Store reads, which the workbench does not use.
data "aws_iam_policy_document" "session_manager" {
  # checkov:skip=CKV_AWS_111:the ssmmessages channel actions have no resource type to constrain them (Service Authorization Reference); the instance registration below is constrained
  # checkov:skip=CKV_AWS_356:same: only the ssmmessages channel actions use "*", because they accept no resource ARN
  statement {
    sid       = "RegisterThisInstance"
    actions   = ["ssm:UpdateInstanceInformation"]
    resources = ["arn:${local.partition}:ec2:${var.region}:${local.account_id}:instance/*"]
  }

  statement {
    sid = "SessionManagerChannels"
    actions = [
      "ssmmessages:CreateControlChannel",
      "ssmmessages:CreateDataChannel",
      "ssmmessages:OpenControlChannel",
      "ssmmessages:OpenDataChannel",
    ]
    resources = ["*"]
  }
}

resource "aws_iam_role_policy" "workbench_session_manager" {
  name   = "session-manager"
  role   = aws_iam_role.workbench.id
  policy = data.aws_iam_policy_document.session_manager.json
}

resource "aws_iam_instance_profile" "workbench" {
  name = "${var.iam_name_prefix}${var.name}-instance"
  path = var.iam_path
  role = aws_iam_role.workbench.name
}
