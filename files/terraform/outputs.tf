# What the Ansible role reports and the tests read back through the AWS APIs.

output "instance_id" {
  description = "Id of the workbench instance."
  value       = aws_instance.workbench.id
}

output "instance_type" {
  description = "Instance type of the workbench."
  value       = aws_instance.workbench.instance_type
}

output "ami_id" {
  description = "AMI the lookup chose."
  value       = data.aws_ami.amazon_linux.id
}

output "ami_name" {
  description = "Name of that AMI."
  value       = data.aws_ami.amazon_linux.name
}

output "db_cluster_identifier" {
  description = "Identifier of the Aurora cluster."
  value       = aws_rds_cluster.aurora.cluster_identifier
}

output "db_cluster_endpoint" {
  description = "Writer endpoint of the Aurora cluster."
  value       = aws_rds_cluster.aurora.endpoint
}

output "db_instances" {
  description = "Aurora instance identifier => availability zone."
  value       = { for i in aws_rds_cluster_instance.aurora : i.identifier => i.availability_zone }
}

output "db_instance_class" {
  description = "Instance class of the Aurora instances (what the cost estimate prices)."
  value       = var.db_instance_class
}

output "db_parameter_group" {
  description = "Instance-level parameter group that sets max_connections."
  value       = aws_db_parameter_group.aurora.name
}

output "db_max_connections" {
  description = "max_connections set in that parameter group."
  value       = var.db_max_connections
}

output "db_master_user_secret_arn" {
  description = "Secrets Manager secret that holds the master password (RDS-managed)."
  value       = try(aws_rds_cluster.aurora.master_user_secret[0].secret_arn, null)
}

output "buckets" {
  description = "Bucket names by role (public, private)."
  value       = { for k, b in aws_s3_bucket.this : k => b.bucket }
}

output "group_name" {
  description = "IAM group name."
  value       = aws_iam_group.workbench.name
}

output "group_members" {
  description = "IAM user names in the group."
  value       = sort(aws_iam_group_membership.workbench.users)
}
