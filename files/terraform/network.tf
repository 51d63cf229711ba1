# Where things run: the given VPC (or the default one), one subnet per chosen zone, and
# the two security groups. Nothing is reachable from the internet: the workbench has no
# inbound rule at all (shell access is through SSM Session Manager), the database only
# accepts MySQL from the workbench.

data "aws_vpc" "selected" {
  default = var.vpc_id == null
  id      = var.vpc_id
}

data "aws_availability_zones" "available" {
  # checkov:skip=CKV_AWS_394:the zones are sorted and the first N taken; AWS appends new zones at the end of the alphabet, so a new zone never changes the choice
  state = "available"

  filter {
    name   = "opt-in-status"
    values = ["opt-in-not-required"]
  }
}

locals {
  # Sorted, so the same zones (and the same subnets) come back on every plan.
  zones = slice(sort(data.aws_availability_zones.available.names), 0, var.availability_zone_count)
}

# One subnet per zone: in the default VPC the default subnet, in a given VPC the subnet
# that VPC has in that zone (exactly one is required).
data "aws_subnet" "zone" {
  for_each = toset(local.zones)

  vpc_id            = data.aws_vpc.selected.id
  availability_zone = each.key
  default_for_az    = var.vpc_id == null ? true : null
}

resource "aws_security_group" "workbench" {
  name        = "${var.name}-workbench"
  description = "Workbench instance: no inbound access; HTTPS out for SSM and updates, MySQL to Aurora"
  vpc_id      = data.aws_vpc.selected.id

  tags = { Name = "${var.name}-workbench" }
}

resource "aws_vpc_security_group_egress_rule" "workbench_https" {
  security_group_id = aws_security_group.workbench.id
  description       = "HTTPS to AWS APIs (SSM agent, package repositories)"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "workbench_mysql" {
  security_group_id            = aws_security_group.workbench.id
  description                  = "MySQL to the Aurora cluster"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = aws_security_group.db.id
}

resource "aws_security_group" "db" {
  name        = "${var.name}-aurora"
  description = "Aurora cluster: MySQL from the workbench only"
  vpc_id      = data.aws_vpc.selected.id

  tags = { Name = "${var.name}-aurora" }
}

resource "aws_vpc_security_group_ingress_rule" "db_from_workbench" {
  security_group_id            = aws_security_group.db.id
  description                  = "MySQL from the workbench"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = aws_security_group.workbench.id
}

# Session Manager without a public address or NAT: interface endpoints for the three
# services the SSM agent talks to, in the workbench's subnets, with private DNS so the
# agent's usual hostnames resolve to them. Only the workbench group may reach them.
# About 0.01 USD/hour per endpoint per zone; turn off (ssm_vpc_endpoints = false) where
# the VPC already has them (private DNS names can exist once per VPC) or has a NAT.
locals {
  ssm_endpoint_services = var.ssm_vpc_endpoints ? toset(["ssm", "ssmmessages", "ec2messages"]) : toset([])
}

resource "aws_security_group" "ssm_endpoints" {
  count = var.ssm_vpc_endpoints ? 1 : 0

  name        = "${var.name}-ssm-endpoints"
  description = "SSM interface endpoints: HTTPS from the workbench only"
  vpc_id      = data.aws_vpc.selected.id

  tags = { Name = "${var.name}-ssm-endpoints" }
}

resource "aws_vpc_security_group_ingress_rule" "ssm_endpoints_from_workbench" {
  count = var.ssm_vpc_endpoints ? 1 : 0

  security_group_id            = aws_security_group.ssm_endpoints[0].id
  description                  = "HTTPS from the workbench (SSM agent)"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.workbench.id
}

resource "aws_vpc_endpoint" "ssm" {
  for_each = local.ssm_endpoint_services

  vpc_id              = data.aws_vpc.selected.id
  service_name        = "com.amazonaws.${var.region}.${each.key}"
  vpc_endpoint_type   = "Interface"
  subnet_ids          = [for zone in local.zones : data.aws_subnet.zone[zone].id]
  security_group_ids  = [aws_security_group.ssm_endpoints[0].id]
  private_dns_enabled = true

  tags = { Name = "${var.name}-${each.key}" }
}
