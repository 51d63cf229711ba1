# Aurora MySQL: one cluster, instances spread over distinct zones, max_connections set in
# the instance-level parameter group (in Aurora MySQL that is where it lives), the master
# password generated and rotated by RDS in Secrets Manager (never in code or state).

locals {
  db_family = "aurora-mysql8.0"
}

resource "aws_db_subnet_group" "aurora" {
  name        = "${var.name}-aurora"
  description = "Subnets of the Aurora cluster, one per availability zone"
  subnet_ids  = [for zone in local.zones : data.aws_subnet.zone[zone].id]
}

resource "aws_rds_cluster_parameter_group" "aurora" {
  name        = "${var.name}-aurora-cluster"
  family      = local.db_family
  description = "Cluster-level parameters of ${var.name}-aurora"

  parameter {
    name  = "require_secure_transport"
    value = "ON"
  }

  # Audit log of connections and DDL/DCL statements, exported to CloudWatch Logs.
  parameter {
    name  = "server_audit_logging"
    value = "1"
  }

  parameter {
    name  = "server_audit_events"
    value = "CONNECT,QUERY_DCL,QUERY_DDL"
  }
}

resource "aws_db_parameter_group" "aurora" {
  name        = "${var.name}-aurora-instance"
  family      = local.db_family
  description = "Instance-level parameters of ${var.name}-aurora"

  # Dynamic parameter: applied at once, no reboot. AWS caps it at 16,000 for Aurora MySQL.
  parameter {
    name         = "max_connections"
    value        = tostring(var.db_max_connections)
    apply_method = "immediate"
  }

  parameter {
    name         = "slow_query_log"
    value        = "1"
    apply_method = "immediate"
  }
}

resource "aws_rds_cluster" "aurora" {
  # checkov:skip=CKV_AWS_327:encrypted with the AWS-managed RDS key; a customer key adds cost and key administration this workbench does not need
  # checkov:skip=CKV2_AWS_8:automated backups (db_backup_retention_days) cover this workbench; an AWS Backup plan is an account-level decision
  # checkov:skip=CKV_AWS_326:backtracking is billed per stored change record; point-in-time restore from the automated backups covers recovery
  cluster_identifier              = "${var.name}-aurora"
  engine                          = "aurora-mysql"
  engine_mode                     = "provisioned"
  engine_version                  = var.db_engine_version
  master_username                 = var.db_master_username
  manage_master_user_password     = true
  db_subnet_group_name            = aws_db_subnet_group.aurora.name
  vpc_security_group_ids          = [aws_security_group.db.id]
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.aurora.name
  port                            = 3306

  storage_encrypted                   = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["audit", "error", "slowquery"]
  backup_retention_period             = var.db_backup_retention_days
  preferred_backup_window             = "03:00-04:00"
  preferred_maintenance_window        = "sun:05:00-sun:06:00"
  copy_tags_to_snapshot               = true
  backtrack_window                    = 0
  deletion_protection                 = var.db_deletion_protection
  skip_final_snapshot                 = !var.db_final_snapshot
  final_snapshot_identifier           = var.db_final_snapshot ? "${var.name}-aurora-final" : null
}

resource "aws_rds_cluster_instance" "aurora" {
  # checkov:skip=CKV_AWS_118:enhanced monitoring adds a role and CloudWatch Logs cost; the standard CloudWatch metrics cover this workbench
  # checkov:skip=CKV_AWS_353:Performance Insights is billed beyond its free tier; turn it on per environment
  # checkov:skip=CKV_AWS_354:Performance Insights is off (see CKV_AWS_353), so there is no PI data to encrypt
  # checkov:skip=CKV_AWS_226:the engine version is pinned (db_engine_version); AWS's automatic minor upgrades would drift from it, upgrades are a reviewed change of that variable (docs/terraform.md)
  count = var.db_instance_count

  identifier              = "${var.name}-aurora-${count.index + 1}"
  cluster_identifier      = aws_rds_cluster.aurora.id
  engine                  = aws_rds_cluster.aurora.engine
  engine_version          = aws_rds_cluster.aurora.engine_version
  instance_class          = var.db_instance_class
  availability_zone       = local.zones[count.index % length(local.zones)]
  db_parameter_group_name = aws_db_parameter_group.aurora.name
  publicly_accessible     = false
  # false: the engine version is the pinned db_engine_version, upgraded by changing it.
  # With automatic upgrades AWS would move the cluster past the pin and the next plan
  # would try to downgrade it (docs/terraform.md, "Engine version").
  auto_minor_version_upgrade = false
  promotion_tier             = count.index
}
