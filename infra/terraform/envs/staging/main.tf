# staging: small, one NAT gateway, a single-zone database, an existing Temporal.
# The wiring is modules/stack's; this file holds staging's values. No secrets
# here: they live in Secrets Manager (see the post-deploy steps).

terraform {
  required_version = ">= 1.5.7"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
    temporalcloud = {
      source  = "temporalio/temporalcloud"
      version = "~> 1.0"
    }
  }
  # Settings in backend.hcl, passed by `sendingo infra` to terraform init.
  backend "s3" {}
}

locals {
  env    = "staging"
  region = "ap-northeast-2"
}

provider "aws" {
  region = local.region
  default_tags {
    tags = { Project = "sendingo", Environment = local.env }
  }
}

# Reads TEMPORAL_CLOUD_API_KEY; used only when temporal_mode is cloud.
provider "temporalcloud" {}

variable "image_tag" {
  type        = string
  description = "Tag of the sendingo image pushed to this environment's ECR repository; a new tag rolls the services. Set in terraform.tfvars or with --var."
}

module "stack" {
  source    = "../../modules/stack"
  env       = local.env
  region    = local.region
  image_tag = var.image_tag

  vpc_cidr           = "10.20.0.0/16"
  az_count           = 2
  single_nat_gateway = true

  public_host     = "CHANGE-ME.staging.example.com"
  certificate_arn = "CHANGE-ME (arn:aws:acm:ap-northeast-2:ACCOUNT:certificate/ID)"
  mail_domain     = "CHANGE-ME.example.com"
  alarm_email     = null

  db_instance_class      = "db.t4g.medium"
  db_multi_az            = false
  db_deletion_protection = false
  # The region's RDS CA bundle, saved next to this file (see the README's step 5):
  # with it the tasks check the database's certificate and name.
  # database_ca_file     = "rds-ca.pem"

  api_desired_count = 2
  worker_min_count  = 1
  worker_max_count  = 4

  temporal_mode      = "endpoint"
  temporal_namespace = "sendingo-staging"
  temporal_endpoint  = "CHANGE-ME.internal.example.com:7233"
}

# The modules were called from here before modules/stack: these keep a deployed
# environment's resources where they are instead of replacing them.
moved {
  from = module.network
  to   = module.stack.module.network
}
moved {
  from = module.temporal
  to   = module.stack.module.temporal
}
moved {
  from = module.email
  to   = module.stack.module.email
}
moved {
  from = module.observability
  to   = module.stack.module.observability
}
moved {
  from = module.database
  to   = module.stack.module.database
}
moved {
  from = module.compute
  to   = module.stack.module.compute
}
