# Inputs. Defaults reproduce the exercise; every input that reaches AWS is validated
# here so a bad value fails at plan time with a message that names it.

variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region (Ansible: aws_region) must look like an AWS region, e.g. us-east-1."
  }
}

variable "name" {
  description = "Prefix of the names of the Aurora cluster, its parameter and subnet groups and the security groups."
  type        = string
  default     = "workbench"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,28}[a-z0-9]$", var.name))
    error_message = "name must be 3-30 characters: lowercase letters, digits and hyphens, starting with a letter."
  }
}

variable "tags" {
  description = "Extra tags for every resource (the provider's default_tags)."
  type        = map(string)
  default     = {}
}

# --- network --------------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC to use; null means the account's default VPC (its default subnets)."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null || can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be null or a VPC id (vpc-...)."
  }
}

variable "availability_zone_count" {
  description = "How many availability zones the Aurora instances are spread over (one subnet per zone)."
  type        = number
  default     = 2

  validation {
    condition     = var.availability_zone_count >= 2 && var.availability_zone_count <= 3
    error_message = "availability_zone_count must be 2 or 3: Aurora needs subnets in at least two zones."
  }
}

# --- EC2 workbench --------------------------------------------------------------------

variable "instance_name" {
  description = "Name tag of the EC2 instance."
  type        = string
  default     = "workbench1"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", var.instance_name))
    error_message = "instance_name must be 1-63 characters: letters, digits, '.', '_' or '-'."
  }
}

variable "instance_type" {
  description = "EC2 instance type of the workbench."
  type        = string
  default     = "t2.micro"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]*\\.[a-z0-9]+$", var.instance_type))
    error_message = "instance_type (Ansible: terraform_instance_type) must be an EC2 instance type such as t2.micro."
  }
}

variable "ami_owner" {
  description = "Account id that publishes the AMI (137112412989 is Amazon Linux's; the alias 'amazon' also matches Windows and Ubuntu images)."
  type        = string
  default     = "137112412989"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.ami_owner))
    error_message = "ami_owner must be a 12-digit account id, not an alias."
  }
}

variable "ami_name_pattern" {
  description = "AMI name pattern; it names family, kernel and architecture so that one image line matches. Pin a full release name to freeze the image."
  type        = string
  default     = "al2023-ami-2023.*-kernel-6.1-x86_64"

  validation {
    condition     = can(regex("(x86_64|arm64)$", var.ami_name_pattern))
    error_message = "ami_name_pattern must end with the architecture (x86_64 or arm64) so the lookup cannot mix architectures."
  }
}

variable "ssm_vpc_endpoints" {
  description = "Create interface endpoints for ssm, ssmmessages and ec2messages, so Session Manager reaches the workbench without a public address or NAT."
  type        = bool
  default     = true
}

variable "root_volume_size" {
  description = "Size of the encrypted gp3 root volume, GiB."
  type        = number
  default     = 8

  validation {
    condition     = var.root_volume_size >= 8 && var.root_volume_size <= 1024
    error_message = "root_volume_size must be between 8 and 1024 GiB."
  }
}

# --- Aurora ---------------------------------------------------------------------------

variable "db_engine_version" {
  description = "Aurora MySQL engine version (Aurora MySQL 3 = MySQL 8.0 compatible)."
  type        = string
  default     = "8.0.mysql_aurora.3.08.2"

  validation {
    condition     = can(regex("^8\\.0\\.mysql_aurora\\.3\\.[0-9]+\\.[0-9]+$", var.db_engine_version))
    error_message = "db_engine_version must be an Aurora MySQL 3 version such as 8.0.mysql_aurora.3.08.2."
  }
}

variable "db_instance_class" {
  description = "Instance class of the Aurora instances. 16,000 connections need a large memory class (docs/terraform.md)."
  type        = string
  default     = "db.r6g.16xlarge"

  validation {
    condition     = can(regex("^db\\.[a-z0-9]+\\.[a-z0-9]+$", var.db_instance_class)) && !can(regex("^db\\.(t2|t3|t4g)\\.", var.db_instance_class))
    error_message = "db_instance_class (Ansible: terraform_db_instance_class) must be an RDS class (db.<family>.<size>); burstable db.t* classes cannot serve thousands of connections."
  }
}

variable "db_instance_count" {
  description = "Number of Aurora instances (one writer, the rest readers), spread over the availability zones."
  type        = number
  default     = 2

  validation {
    condition     = var.db_instance_count >= 2 && var.db_instance_count <= 16
    error_message = "db_instance_count must be between 2 (one per zone) and 16 (Aurora's limit: 1 writer + 15 readers)."
  }
}

variable "db_max_connections" {
  description = "max_connections of every Aurora instance (instance-level parameter group)."
  type        = number
  default     = 16000

  validation {
    condition     = var.db_max_connections >= 1 && var.db_max_connections <= 16000 && floor(var.db_max_connections) == var.db_max_connections
    error_message = "db_max_connections (Ansible: terraform_db_max_connections) must be a whole number from 1 to 16000 (Aurora MySQL's upper bound)."
  }
}

variable "db_master_username" {
  description = "Master user name. The password is generated and kept in Secrets Manager by RDS (manage_master_user_password)."
  type        = string
  default     = "workbench_admin"

  validation {
    condition     = can(regex("^[A-Za-z][A-Za-z0-9_]{0,15}$", var.db_master_username)) && !contains(["admin", "root", "rdsadmin"], lower(var.db_master_username))
    error_message = "db_master_username must be 1-16 letters, digits or underscores, start with a letter, and not be a reserved name (admin, root, rdsadmin)."
  }
}

variable "db_backup_retention_days" {
  description = "Days of automated backups."
  type        = number
  default     = 7

  validation {
    condition     = var.db_backup_retention_days >= 1 && var.db_backup_retention_days <= 35
    error_message = "db_backup_retention_days must be between 1 and 35."
  }
}

variable "db_deletion_protection" {
  description = "Refuse to delete the cluster. The Ansible teardown turns it off just before destroying."
  type        = bool
  default     = true
}

variable "db_final_snapshot" {
  description = "Take a final snapshot when the cluster is destroyed (it outlives the cluster and is billed as backup storage)."
  type        = bool
  default     = true
}

# --- S3 -------------------------------------------------------------------------------

variable "bucket_name_prefix" {
  description = "Prefix of both bucket names; the account id and the role (public/private) are appended, so names are globally unique and never collide with other sections' buckets."
  type        = string
  default     = "workbench-tf"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$", var.bucket_name_prefix))
    error_message = "bucket_name_prefix (Ansible: terraform_bucket_name_prefix) must be 3-32 characters: lowercase letters, digits and hyphens, not starting or ending with a hyphen."
  }
}

variable "s3_force_destroy" {
  description = "Let destroy delete the buckets with every object and version in them. Applied to the state before it counts (the role's teardown does that)."
  type        = bool
  default     = false
}

variable "external_account_id" {
  description = "Account granted read-only access to the private bucket."
  type        = string
  default     = "001234567890"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.external_account_id))
    error_message = "external_account_id (Ansible: terraform_external_account_id) must be a 12-digit AWS account id."
  }
}

variable "noncurrent_version_days" {
  description = "Days a replaced object version is kept before it expires."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_days >= 1
    error_message = "noncurrent_version_days must be at least 1."
  }
}

# --- IAM ------------------------------------------------------------------------------

variable "iam_name_prefix" {
  description = "Prefix of the IAM user, group and role names. IAM names are unique per account, so a second deployment (or another section) in the same account needs its own prefix; empty keeps the exercise's names."
  type        = string
  default     = ""

  validation {
    condition     = can(regex("^([A-Za-z0-9+=,.@_-]{1,20})?$", var.iam_name_prefix))
    error_message = "iam_name_prefix (Ansible: terraform_iam_name_prefix) must be empty or up to 20 characters from [A-Za-z0-9+=,.@_-]."
  }
}

variable "iam_path" {
  description = "IAM path of the users, the group and the role."
  type        = string
  default     = "/workbench/"

  validation {
    condition     = can(regex("^/([A-Za-z0-9+=,.@_-]+/)*$", var.iam_path))
    error_message = "iam_path must start and end with '/' (e.g. /workbench/)."
  }
}

variable "group_name" {
  description = "Name of the IAM group (before the prefix)."
  type        = string
  default     = "workbench-users"

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,100}$", var.group_name))
    error_message = "group_name must be 1-100 characters from [A-Za-z0-9+=,.@_-]."
  }
}

variable "group_members" {
  description = "Names of the IAM users created and put in the group (before the prefix)."
  type        = list(string)
  default     = ["vera", "chuck", "dave"]

  validation {
    condition     = length(var.group_members) > 0 && length(distinct(var.group_members)) == length(var.group_members) && alltrue([for u in var.group_members : can(regex("^[A-Za-z0-9+=,.@_-]{1,44}$", u))])
    error_message = "group_members must be a non-empty list of distinct IAM user names (1-44 characters from [A-Za-z0-9+=,.@_-])."
  }
}
