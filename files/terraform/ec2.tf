# The workbench: one small instance, Amazon Linux 2023 from a deterministic AMI lookup,
# IMDSv2 only, encrypted root volume, no public address and no SSH (SSM instead).

data "aws_ami" "amazon_linux" {
  most_recent = true
  owners      = [var.ami_owner]

  filter {
    name   = "name"
    values = [var.ami_name_pattern]
  }

  filter {
    name   = "architecture"
    values = [endswith(var.ami_name_pattern, "arm64") ? "arm64" : "x86_64"]
  }

  filter {
    name   = "virtualization-type"
    values = ["hvm"]
  }

  filter {
    name   = "root-device-type"
    values = ["ebs"]
  }
}

resource "aws_instance" "workbench" {
  # checkov:skip=CKV_AWS_135:t2 instances cannot be EBS-optimized (the exercise asks for a t2.micro)
  # checkov:skip=CKV_AWS_126:detailed (1-minute) monitoring is billed per metric; basic 5-minute metrics suffice for one workbench
  ami                         = data.aws_ami.amazon_linux.id
  instance_type               = var.instance_type
  subnet_id                   = data.aws_subnet.zone[local.zones[0]].id
  vpc_security_group_ids      = [aws_security_group.workbench.id]
  associate_public_ip_address = false
  iam_instance_profile        = aws_iam_instance_profile.workbench.name
  monitoring                  = false

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required" # IMDSv2 only
    http_put_response_hop_limit = 1
  }

  root_block_device {
    volume_type           = "gp3"
    volume_size           = var.root_volume_size
    encrypted             = true
    delete_on_termination = true
  }

  tags = { Name = var.instance_name }

  # The AMI is pinned at creation: the lookup's answer moves with every Amazon Linux
  # release, and a changed `ami` would replace the instance at the next plan. Upgrading
  # is a deliberate step: terraform apply -replace=aws_instance.workbench
  # (docs/terraform.md, "AMI").
  lifecycle {
    ignore_changes = [ami]
  }
}
