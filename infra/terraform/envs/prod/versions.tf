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

provider "aws" {
  region = var.region
  default_tags {
    tags = { Project = "sendingo", Environment = var.env }
  }
}

# Reads TEMPORAL_CLOUD_API_KEY; used only when temporal_mode is cloud.
provider "temporalcloud" {}
