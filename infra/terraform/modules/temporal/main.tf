# Temporal for sendingo: a Temporal Cloud namespace (with the search attributes
# the workflows set), or an existing frontend. Client certificates for mTLS and
# API keys are never Terraform inputs: they live in Secrets Manager and only
# their ARNs pass, on to the compute module, which injects them into the tasks.

locals {
  cloud = var.mode == "cloud"
}

resource "temporalcloud_namespace" "this" {
  count              = local.cloud ? 1 : 0
  name               = var.namespace
  regions            = [var.cloud_region]
  accepted_client_ca = var.accepted_client_ca == null ? null : base64encode(var.accepted_client_ca)
  retention_days     = var.retention_days

  lifecycle {
    precondition {
      condition     = var.accepted_client_ca != null
      error_message = "cloud mode needs accepted_client_ca (the CA of the workers' client certificates)."
    }
    # The namespace takes client certificates, and the address handed to the
    # tasks is its mTLS endpoint: an API key alone would reach nothing.
    precondition {
      condition     = var.tls_cert_secret_arn != null && var.tls_key_secret_arn != null
      error_message = "cloud mode needs the workers' client certificate: tls_cert_secret_arn and tls_key_secret_arn (signed by accepted_client_ca); a namespace this module creates takes no API keys."
    }
  }
}

resource "temporalcloud_namespace_search_attribute" "this" {
  for_each     = local.cloud ? var.search_attributes : {}
  namespace_id = temporalcloud_namespace.this[0].id
  name         = each.key
  type         = each.value
}

resource "terraform_data" "endpoint_check" {
  count = local.cloud ? 0 : 1
  input = var.endpoint

  lifecycle {
    precondition {
      condition     = var.endpoint != null && can(regex("^[^:]+:[0-9]+$", var.endpoint))
      error_message = "endpoint mode needs endpoint as host:port."
    }
  }
}
