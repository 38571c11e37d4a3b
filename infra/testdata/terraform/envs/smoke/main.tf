# A provider-free environment for the driver's tests and for trying
# `sendingo infra` without an AWS account: terraform_data is built into
# Terraform, and the local backend keeps the state next to this file.
terraform {
  required_version = ">= 1.4"
  backend "local" {}
}

variable "greeting" {
  type        = string
  description = "Text every stage and replica carries."
  default     = "hello"
}

variable "replicas" {
  type        = number
  description = "How many replica resources to keep."
  default     = 2
}

module "stage" {
  source   = "../../modules/stage"
  greeting = var.greeting
}

resource "terraform_data" "replica" {
  count = var.replicas
  input = "${var.greeting}-${count.index}"
}

output "greeting" {
  description = "The greeting the stage holds."
  value       = module.stage.greeting
}

output "replicas" {
  description = "What each replica holds."
  value       = terraform_data.replica[*].output
}

output "token" {
  description = "A sensitive output, hidden unless asked for."
  value       = "not-a-real-secret"
  sensitive   = true
}

output "post_deploy_commands" {
  description = "What to run after an apply."
  value       = ["echo migrate up (${module.stage.greeting})", "echo register search attributes"]
}
