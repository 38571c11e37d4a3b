variable "name" {
  type        = string
  description = "Name prefix of every resource, e.g. sendingo-staging."
}

variable "region" {
  type        = string
  description = "AWS region, used to name the VPC endpoints' services (com.amazonaws.REGION.SERVICE)."
}

variable "cidr_block" {
  type        = string
  description = "The VPC's address range, a /16 such as 10.20.0.0/16; subnets are carved from it."
}

variable "az_count" {
  type        = number
  description = "How many availability zones to spread subnets over (2 or 3)."
  default     = 2
  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3: the ALB and a Multi-AZ database need two zones."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway for every zone (cheaper; staging) instead of one per zone (survives a zone outage; prod)."
  default     = true
}

variable "interface_endpoints" {
  type        = list(string)
  description = "AWS services reached through interface endpoints instead of the NAT gateway: image pulls, logs and secrets stay off NAT data charges."
  default     = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
