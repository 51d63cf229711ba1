# Region only. Credentials and the endpoint come from the environment (AWS_PROFILE,
# AWS_ENDPOINT_URL, ...), which the Ansible role sets from the inventory's
# `aws_environment`: nothing here knows whether it talks to AWS or to the emulator.
provider "aws" {
  region = var.region

  default_tags {
    tags = local.tags
  }
}
