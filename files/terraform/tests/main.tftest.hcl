# Unit tests: plan the configuration against a mocked AWS provider (no account, no
# network) and assert what it would create. Run: terraform init -backend=false && terraform test

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_availability_zones" {
    # Unsorted on purpose: the configuration must sort them.
    defaults = { names = ["us-east-1c", "us-east-1a", "us-east-1b"] }
  }
  mock_data "aws_vpc" {
    defaults = { id = "vpc-0123456789abcdef0" }
  }
  mock_data "aws_subnet" {
    defaults = { id = "subnet-0123456789abcdef0" }
  }
  mock_data "aws_ami" {
    defaults = { id = "ami-0123456789abcdef0", name = "al2023-ami-2023.6.20250101.0-kernel-6.1-x86_64" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

run "workbench_instance" {
  command = plan

  assert {
    condition     = aws_instance.workbench.instance_type == "t2.micro"
    error_message = "the workbench must be a t2.micro"
  }
  assert {
    condition     = aws_instance.workbench.tags["Name"] == "workbench1"
    error_message = "the instance must be named workbench1"
  }
  assert {
    condition     = aws_instance.workbench.metadata_options[0].http_tokens == "required"
    error_message = "IMDSv2 must be required"
  }
  assert {
    condition     = aws_instance.workbench.root_block_device[0].encrypted
    error_message = "the root volume must be encrypted"
  }
  assert {
    condition     = aws_instance.workbench.associate_public_ip_address == false
    error_message = "the workbench must have no public address"
  }
  assert {
    condition     = length(data.aws_ami.amazon_linux.owners) == 1 && one(data.aws_ami.amazon_linux.owners) == "137112412989"
    error_message = "the AMI lookup must pin Amazon Linux's owner id, not an alias"
  }
  assert {
    condition     = contains([for f in data.aws_ami.amazon_linux.filter : "${f.name}=${join(",", f.values)}"], "architecture=x86_64")
    error_message = "the AMI lookup must pin the architecture"
  }
}

# Applied against the mock, so resource ids are known and can be compared.
run "no_inbound_access_to_the_workbench" {
  command = apply

  assert {
    condition     = aws_vpc_security_group_ingress_rule.db_from_workbench.security_group_id == aws_security_group.db.id
    error_message = "the only inbound rule of the configuration must be on the database group"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.db_from_workbench.referenced_security_group_id == aws_security_group.workbench.id && aws_vpc_security_group_ingress_rule.db_from_workbench.cidr_ipv4 == null
    error_message = "the database accepts MySQL from the workbench group only, no CIDR"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.db_from_workbench.from_port == 3306 && aws_vpc_security_group_ingress_rule.db_from_workbench.to_port == 3306
    error_message = "the database rule opens MySQL only"
  }
}

# The previous run applied with ami-0123456789abcdef0. A newer release answers the lookup
# now: the plan keeps the instance's AMI instead of replacing the workbench.
run "a_new_ami_release_does_not_replace_the_workbench" {
  command = plan

  override_data {
    target = data.aws_ami.amazon_linux
    values = { id = "ami-0fedcba9876543210", name = "al2023-ami-2023.9.20260101.0-kernel-6.1-x86_64" }
  }

  assert {
    condition     = data.aws_ami.amazon_linux.id == "ami-0fedcba9876543210"
    error_message = "the lookup must see the new release (else this test proves nothing)"
  }
  assert {
    condition     = aws_instance.workbench.ami == "ami-0123456789abcdef0"
    error_message = "a new AMI release must not change (replace) the existing workbench"
  }
}

run "session_manager_reaches_the_workbench_privately" {
  command = apply

  assert {
    condition     = toset([for e in aws_vpc_endpoint.ssm : e.service_name]) == toset(["com.amazonaws.us-east-1.ssm", "com.amazonaws.us-east-1.ssmmessages", "com.amazonaws.us-east-1.ec2messages"])
    error_message = "ssm, ssmmessages and ec2messages need interface endpoints: the workbench has no public address and no NAT"
  }
  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.ssm : e.private_dns_enabled && e.vpc_endpoint_type == "Interface" && toset(e.security_group_ids) == toset([aws_security_group.ssm_endpoints[0].id])])
    error_message = "the endpoints must be private-DNS interface endpoints behind their own group"
  }
  assert {
    condition     = aws_vpc_security_group_ingress_rule.ssm_endpoints_from_workbench[0].referenced_security_group_id == aws_security_group.workbench.id && aws_vpc_security_group_ingress_rule.ssm_endpoints_from_workbench[0].from_port == 443
    error_message = "only the workbench may reach the endpoints, on HTTPS"
  }
}

run "no_ssm_endpoints_when_turned_off" {
  command = plan

  variables {
    ssm_vpc_endpoints = false
  }

  assert {
    condition     = length(aws_vpc_endpoint.ssm) == 0 && length(aws_security_group.ssm_endpoints) == 0
    error_message = "ssm_vpc_endpoints = false must create no endpoint"
  }
}

run "aurora_spread_over_two_zones_with_16000_connections" {
  command = plan

  assert {
    condition     = length(aws_rds_cluster_instance.aurora) == 2
    error_message = "the cluster must have 2 instances"
  }
  assert {
    condition     = length(distinct(aws_rds_cluster_instance.aurora[*].availability_zone)) == 2
    error_message = "the 2 instances must be in 2 different availability zones"
  }
  assert {
    condition     = aws_rds_cluster_instance.aurora[*].availability_zone == ["us-east-1a", "us-east-1b"]
    error_message = "zones must be chosen in sorted order, so every plan picks the same ones"
  }
  assert {
    condition     = one([for p in aws_db_parameter_group.aurora.parameter : p.value if p.name == "max_connections"]) == "16000"
    error_message = "max_connections must be 16000 in the instance parameter group"
  }
  assert {
    condition     = alltrue([for i in aws_rds_cluster_instance.aurora : i.db_parameter_group_name == aws_db_parameter_group.aurora.name])
    error_message = "every instance must use the parameter group that sets max_connections"
  }
  assert {
    condition     = aws_rds_cluster.aurora.manage_master_user_password && aws_rds_cluster.aurora.master_password == null
    error_message = "the master password must be managed by RDS, never given"
  }
  assert {
    condition     = aws_rds_cluster.aurora.storage_encrypted && aws_rds_cluster.aurora.engine == "aurora-mysql"
    error_message = "the cluster must be encrypted Aurora MySQL"
  }
  assert {
    condition     = aws_rds_cluster.aurora.engine_version == "8.0.mysql_aurora.3.08.2" && alltrue([for i in aws_rds_cluster_instance.aurora : !i.auto_minor_version_upgrade])
    error_message = "the engine version is pinned, so AWS must not upgrade it behind Terraform's back"
  }
}

run "three_instances_use_three_zones" {
  command = plan

  variables {
    db_instance_count       = 3
    availability_zone_count = 3
  }

  assert {
    condition     = length(distinct(aws_rds_cluster_instance.aurora[*].availability_zone)) == 3
    error_message = "instances must spread over the zones given"
  }
}

run "bucket_policies" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this["public"].bucket == "workbench-tf-public-123456789012" && aws_s3_bucket.this["private"].bucket == "workbench-tf-private-123456789012"
    error_message = "bucket names are prefix-role-account"
  }
  assert {
    condition = anytrue([for s in jsondecode(aws_s3_bucket_policy.this["public"].policy).Statement :
    s.Effect == "Allow" && s.Principal == "*" && s.Action == "s3:GetObject"])
    error_message = "the public bucket must let anyone read objects"
  }
  assert {
    condition = alltrue([for s in jsondecode(aws_s3_bucket_policy.this["public"].policy).Statement :
    s.Effect == "Deny" || s.Action == "s3:GetObject"])
    error_message = "the public bucket must grant nothing but s3:GetObject"
  }
  assert {
    condition = toset(flatten([for s in jsondecode(aws_s3_bucket_policy.this["private"].policy).Statement :
      s.Action if s.Effect == "Allow" && try(s.Principal.AWS, "") == "arn:aws:iam::001234567890:root"])) == toset(
    ["s3:ListBucket", "s3:GetBucketLocation", "s3:GetObject"])
    error_message = "the external account 001234567890 gets exactly ListBucket, GetBucketLocation and GetObject"
  }
  assert {
    condition = alltrue([for k, p in aws_s3_bucket_policy.this : anytrue([for s in jsondecode(p.policy).Statement :
    s.Effect == "Deny" && try(s.Condition.Bool["aws:SecureTransport"], "") == "false"])])
    error_message = "both buckets must deny requests without TLS"
  }
  assert {
    condition     = aws_s3_bucket_public_access_block.this["private"].block_public_policy && aws_s3_bucket_public_access_block.this["private"].restrict_public_buckets && aws_s3_bucket_public_access_block.this["private"].block_public_acls && aws_s3_bucket_public_access_block.this["private"].ignore_public_acls
    error_message = "the private bucket must block every kind of public access"
  }
  assert {
    condition     = !aws_s3_bucket_public_access_block.this["public"].block_public_policy && aws_s3_bucket_public_access_block.this["public"].block_public_acls
    error_message = "the public bucket allows its public policy but still blocks ACLs"
  }
  assert {
    condition     = alltrue([for b in aws_s3_bucket.this : !b.force_destroy])
    error_message = "by default destroy must refuse to delete a bucket that holds objects (the teardown lifts it)"
  }
  assert {
    condition     = alltrue([for v in aws_s3_bucket_versioning.this : v.versioning_configuration[0].status == "Enabled"])
    error_message = "both buckets must be versioned"
  }
  assert {
    condition     = alltrue([for e in aws_s3_bucket_server_side_encryption_configuration.this : one(one(e.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"])
    error_message = "both buckets must be encrypted"
  }
}

run "group_membership" {
  command = plan

  assert {
    condition     = toset(aws_iam_group_membership.workbench.users) == toset(["vera", "chuck", "dave"])
    error_message = "the group must contain vera, chuck and dave"
  }
  assert {
    condition     = aws_iam_group_membership.workbench.group == aws_iam_group.workbench.name
    error_message = "the membership must be of the workbench group"
  }
}

run "name_prefix_keeps_sections_apart" {
  command = plan

  variables {
    iam_name_prefix    = "tf-"
    bucket_name_prefix = "other"
  }

  assert {
    condition     = toset(aws_iam_group_membership.workbench.users) == toset(["tf-vera", "tf-chuck", "tf-dave"]) && aws_iam_group.workbench.name == "tf-workbench-users"
    error_message = "the prefix must apply to every IAM name"
  }
  assert {
    condition     = aws_s3_bucket.this["private"].bucket == "other-private-123456789012"
    error_message = "the bucket prefix must apply"
  }
}

# --- validation: bad input fails at plan time, naming the variable --------------------

run "rejects_max_connections_above_aurora_limit" {
  command = plan
  variables {
    db_max_connections = 16001
  }
  expect_failures = [var.db_max_connections]
}

run "rejects_fractional_max_connections" {
  command = plan
  variables {
    db_max_connections = 100.5
  }
  expect_failures = [var.db_max_connections]
}

run "rejects_a_single_db_instance" {
  command = plan
  variables {
    db_instance_count = 1
  }
  expect_failures = [var.db_instance_count]
}

run "rejects_burstable_db_class" {
  command = plan
  variables {
    db_instance_class = "db.t3.medium"
  }
  expect_failures = [var.db_instance_class]
}

run "rejects_a_malformed_external_account" {
  command = plan
  variables {
    external_account_id = "1234"
  }
  expect_failures = [var.external_account_id]
}

run "rejects_an_ami_pattern_without_architecture" {
  command = plan
  variables {
    ami_name_pattern = "al2023-ami-*"
  }
  expect_failures = [var.ami_name_pattern]
}

run "rejects_an_invalid_bucket_prefix" {
  command = plan
  variables {
    bucket_name_prefix = "Bad_Prefix"
  }
  expect_failures = [var.bucket_name_prefix]
}

run "rejects_duplicate_group_members" {
  command = plan
  variables {
    group_members = ["vera", "vera"]
  }
  expect_failures = [var.group_members]
}

run "rejects_an_instance_type_that_is_not_one" {
  command = plan
  variables {
    instance_type = "micro"
  }
  expect_failures = [var.instance_type]
}
