variable "name" {
  type        = string
  description = "Name prefix of every resource, e.g. sendingo-staging."
}

variable "region" {
  type        = string
  description = "AWS region (for the awslogs driver)."
}

variable "vpc_id" {
  type        = string
  description = "The VPC the services run in."
}

variable "public_subnet_ids" {
  type        = list(string)
  description = "Public subnets for the ALB."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets for the tasks."
}

variable "image_tag" {
  type        = string
  description = "Tag of the sendingo image in this environment's ECR repository (one image for api, worker and migrate)."
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate for the ALB's HTTPS listener (issued for public_url's host, in this region)."
}

variable "public_url" {
  type        = string
  description = "Base URL customers and operators reach, e.g. https://send.example.com (SENDINGO_PUBLIC_URL, tracking links)."
}

variable "temporal_address" {
  type        = string
  description = "Temporal frontend host:port (SENDINGO_TEMPORAL_ADDRESS)."
}

variable "temporal_namespace" {
  type        = string
  description = "Temporal namespace (SENDINGO_TEMPORAL_NAMESPACE)."
}

variable "smtp_addr" {
  type        = string
  description = "SMTP server host:port for alert e-mails (SENDINGO_SMTP_ADDR)."
}

variable "mail_from" {
  type        = string
  description = "Sender address of alert e-mails (SENDINGO_MAIL_FROM)."
}

variable "log_level" {
  type        = string
  description = "debug, info, warn or error (SENDINGO_LOG_LEVEL)."
  default     = "info"
}

variable "trusted_proxy_cidrs" {
  type        = list(string)
  description = "Where the ALB's nodes are (the public subnets): the API believes X-Forwarded-For and X-Forwarded-Proto from these only (SENDINGO_TRUSTED_PROXIES), so rate limits, logs and the audit see the client's address and HSTS is sent."
}

variable "environment" {
  type        = map(string)
  description = "More non-secret SENDINGO_* settings for every task, e.g. { SENDINGO_CHUNK_SIZE = \"10000\" }. Secrets never go here."
  default     = {}
}

variable "log_group_names" {
  type        = object({ api = string, worker = string, jobs = string })
  description = "CloudWatch log groups (from the observability module) for the api, the worker and one-off jobs."
}

variable "database_address" {
  type        = string
  description = "RDS host name, for the db-user job."
}

variable "database_name" {
  type        = string
  description = "The schema the application user is granted."
}

variable "database_master_secret_arn" {
  type        = string
  description = "The RDS-managed master secret; only the db-user job reads it."
}

variable "api_cpu" {
  type        = number
  description = "CPU units of one api task (1024 = 1 vCPU)."
  default     = 512
}

variable "api_memory" {
  type        = number
  description = "Memory (MiB) of one api task."
  default     = 1024
}

variable "api_desired_count" {
  type        = number
  description = "How many api tasks run behind the ALB (2+ for a rolling deploy without a gap)."
  default     = 2
}

variable "worker_cpu" {
  type        = number
  description = "CPU units of one worker task."
  default     = 1024
}

variable "worker_memory" {
  type        = number
  description = "Memory (MiB) of one worker task."
  default     = 2048
}

variable "worker_min_count" {
  type        = number
  description = "Fewest worker tasks autoscaling keeps."
  default     = 1
}

variable "worker_max_count" {
  type        = number
  description = "Most worker tasks autoscaling starts."
  default     = 10
}

variable "worker_cpu_target" {
  type        = number
  description = "Average worker CPU (%) autoscaling aims for."
  default     = 60
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}

variable "smtp_credentials_secret_arn" {
  type        = string
  description = "Secret with the SES SMTP credentials as JSON {\"username\",\"password\"} (the email module's); injected as SENDINGO_SMTP_USERNAME and SENDINGO_SMTP_PASSWORD."
}

variable "temporal_tls_cert_secret_arn" {
  type        = string
  description = "Secret whose string is the mTLS client certificate PEM for Temporal (SENDINGO_TEMPORAL_TLS_CERT); null when the endpoint needs none."
  default     = null
}

variable "temporal_tls_key_secret_arn" {
  type        = string
  description = "Secret whose string is the mTLS client key PEM (SENDINGO_TEMPORAL_TLS_KEY); null when the endpoint needs none."
  default     = null
}

variable "temporal_api_key_secret_arn" {
  type        = string
  description = "Secret whose string is a Temporal Cloud API key (SENDINGO_TEMPORAL_API_KEY); null to use mTLS or plaintext."
  default     = null
}

variable "database_tls_ca" {
  type        = string
  description = "PEM of the CAs that sign the database server's certificate (SENDINGO_MYSQL_TLS_CA; public material); null leaves the connection encrypted but its certificate unchecked."
  default     = null
}

variable "temporal_tls_ca" {
  type        = string
  description = "PEM of the CA that signed a private Temporal frontend's certificate (SENDINGO_TEMPORAL_TLS_CA; public material); null for a public CA such as Temporal Cloud's."
  default     = null
}

variable "temporal_tls_server_name" {
  type        = string
  description = "Name the Temporal frontend's certificate carries, when not the address's host (SENDINGO_TEMPORAL_TLS_SERVER_NAME)."
  default     = null
}
