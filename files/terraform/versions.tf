# Terraform and provider pins. `terraform test` with mock_provider needs 1.7+.
# The state backend is not declared here: the default (local) serves the embedded AWS;
# for a real account the Ansible role adds an S3 backend at init from the inventory
# (see docs/terraform.md), so this configuration never changes between targets.
terraform {
  required_version = ">= 1.7.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "= 5.100.0"
    }
  }
}
