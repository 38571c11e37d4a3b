variable "mode" {
  type        = string
  description = "cloud: create a Temporal Cloud namespace with sendingo's search attributes (the temporalcloud provider reads TEMPORAL_CLOUD_API_KEY); endpoint: use an existing Temporal frontend."
  validation {
    condition     = contains(["cloud", "endpoint"], var.mode)
    error_message = "mode must be cloud or endpoint."
  }
}

variable "namespace" {
  type        = string
  description = "The namespace's name (in cloud mode Temporal Cloud appends the account id)."
}

variable "endpoint" {
  type        = string
  description = "host:port of the existing frontend (endpoint mode), e.g. temporal.internal.example.com:7233."
  default     = null
}

variable "cloud_region" {
  type        = string
  description = "Temporal Cloud region of the namespace (cloud mode), e.g. aws-ap-northeast-2."
  default     = "aws-ap-northeast-2"
}

variable "retention_days" {
  type        = number
  description = "Days Temporal keeps closed workflows' histories (cloud mode)."
  default     = 30
}

variable "accepted_client_ca" {
  type        = string
  description = "PEM of the CA that signs the workers' client certificates (public material; cloud mode)."
  default     = null
}

variable "tls_cert_secret_arn" {
  type        = string
  description = "Secrets Manager secret holding the client certificate PEM for mTLS; null when the endpoint needs none."
  default     = null
}

variable "tls_key_secret_arn" {
  type        = string
  description = "Secrets Manager secret holding the client private key PEM for mTLS; null when the endpoint needs none."
  default     = null
}

variable "search_attributes" {
  type        = map(string)
  description = "Custom search attributes sendingo's workflows set, name → type."
  default     = { AccountId = "keyword", CampaignId = "keyword" }
}

variable "api_key_secret_arn" {
  type        = string
  description = "Secrets Manager secret holding an API key, for an existing endpoint (endpoint mode) that takes API keys; null when mTLS or nothing authenticates. A cloud-mode namespace takes client certificates."
  default     = null
}
