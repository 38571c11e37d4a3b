output "address" {
  description = "host:port workers and the API dial (SENDINGO_TEMPORAL_ADDRESS)."
  # A cloud namespace's mTLS endpoint is NAMESPACE_ID.tmprl.cloud:7233.
  value = local.cloud ? "${temporalcloud_namespace.this[0].id}.tmprl.cloud:7233" : var.endpoint
}

output "namespace" {
  description = "The namespace clients use (SENDINGO_TEMPORAL_NAMESPACE); in cloud mode name.accountid."
  value       = local.cloud ? temporalcloud_namespace.this[0].id : var.namespace
}

output "search_attributes_managed" {
  description = "Whether Terraform registered the search attributes (cloud mode); otherwise a post-deploy step does."
  value       = local.cloud
}

output "search_attributes" {
  description = "The custom search attributes sendingo needs, name → type."
  value       = var.search_attributes
}

output "tls_cert_secret_arn" {
  description = "Secret with the mTLS client certificate, or null."
  value       = var.tls_cert_secret_arn
}

output "tls_key_secret_arn" {
  description = "Secret with the mTLS client key, or null."
  value       = var.tls_key_secret_arn
}

output "api_key_secret_arn" {
  description = "Secret with the Temporal Cloud API key, or null."
  value       = var.api_key_secret_arn
}
