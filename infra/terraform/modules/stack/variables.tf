variable "env" {
  type        = string
  description = "Environment name, part of every resource's name (sendingo-ENV)."
}

variable "region" {
  type        = string
  description = "AWS region, e.g. ap-northeast-2 (Seoul)."
}

variable "vpc_cidr" {
  type        = string
  description = "The VPC's /16 address range; pick one that does not overlap networks you will peer with."
}

variable "az_count" {
  type        = number
  description = "Availability zones to spread over (2 or 3)."
  default     = 2
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway for all zones (cheaper) instead of one per zone."
  default     = true
}

variable "public_host" {
  type        = string
  description = "Host name customers and operators use, e.g. send.example.com; point it at the alb_dns_name output."
}

variable "certificate_arn" {
  type        = string
  description = "ACM certificate ARN for public_host, issued in this region."
}

variable "image_tag" {
  type        = string
  description = "Tag of the sendingo image pushed to this environment's ECR repository; a new tag rolls the services."
}

variable "mail_domain" {
  type        = string
  description = "Domain alert and invitation e-mails come from (SES verifies it by DKIM)."
}

variable "route53_zone_id" {
  type        = string
  description = "Route 53 zone of mail_domain to publish DKIM records in; null to publish the dkim_records output yourself."
  default     = null
}

variable "alarm_email" {
  type        = string
  description = "Address subscribed to the alarms (it must confirm); null for none."
  default     = null
}

variable "log_retention_days" {
  type        = number
  description = "Days CloudWatch keeps logs."
  default     = 30
}

variable "db_instance_class" {
  type        = string
  description = "RDS instance class."
  default     = "db.t4g.medium"
}

variable "db_multi_az" {
  type        = bool
  description = "A standby database in a second zone."
  default     = false
}

variable "db_deletion_protection" {
  type        = bool
  description = "Refuse to delete the database until turned off."
  default     = true
}

variable "api_desired_count" {
  type        = number
  description = "api tasks behind the ALB."
  default     = 2
}

variable "worker_min_count" {
  type        = number
  description = "Fewest worker tasks."
  default     = 1
}

variable "worker_max_count" {
  type        = number
  description = "Most worker tasks autoscaling starts."
  default     = 10
}

variable "extra_environment" {
  type        = map(string)
  description = "More non-secret SENDINGO_* settings for every task (see `sendingo config`)."
  default     = {}
}

variable "temporal_mode" {
  type        = string
  description = "cloud: create a Temporal Cloud namespace (export TEMPORAL_CLOUD_API_KEY); endpoint: use an existing frontend."
}

variable "temporal_namespace" {
  type        = string
  description = "Temporal namespace name."
}

variable "temporal_endpoint" {
  type        = string
  description = "host:port of the existing Temporal frontend (endpoint mode)."
  default     = null
}

variable "temporal_cloud_region" {
  type        = string
  description = "Temporal Cloud region (cloud mode)."
  default     = "aws-ap-northeast-2"
}

variable "temporal_client_ca_file" {
  type        = string
  description = "Path, relative to the environment's directory (envs/ENV), of the PEM CA that signs the workers' client certificates (public; cloud mode)."
  default     = null
}

variable "temporal_tls_cert_secret_arn" {
  type        = string
  description = "Secrets Manager secret with the workers' mTLS client certificate PEM; null when the endpoint needs none."
  default     = null
}

variable "temporal_tls_key_secret_arn" {
  type        = string
  description = "Secrets Manager secret with the workers' mTLS client key PEM; null when the endpoint needs none."
  default     = null
}

variable "temporal_api_key_secret_arn" {
  type        = string
  description = "Secrets Manager secret with an API key, for an existing endpoint (endpoint mode) that takes API keys instead of the mTLS pair; null when not used. A cloud-mode namespace takes client certificates."
  default     = null
}

variable "database_ca_file" {
  type        = string
  description = "Path, relative to the environment's directory (envs/ENV), of the region's RDS CA bundle (https://truststore.pki.rds.amazonaws.com/REGION/REGION-bundle.pem; public). With it the tasks check the database's certificate and host name; null leaves the connection encrypted but unchecked."
  default     = null
}

variable "temporal_server_ca_file" {
  type        = string
  description = "Path, relative to the environment's directory (envs/ENV), of the PEM CA that signed a private Temporal frontend's certificate (endpoint mode; public); null for a public CA."
  default     = null
}

variable "temporal_tls_server_name" {
  type        = string
  description = "Name the Temporal frontend's certificate carries, when not temporal_endpoint's host."
  default     = null
}
