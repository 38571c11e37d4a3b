variable "name" {
  type        = string
  description = "Name prefix of every resource and the RDS instance identifier, e.g. sendingo-staging."
}

variable "vpc_id" {
  type        = string
  description = "The VPC the database lives in."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets for the DB subnet group (at least two zones)."
}

variable "client_security_group_ids" {
  type        = list(string)
  description = "Security groups allowed to reach MySQL on 3306 (the api, worker and one-off tasks)."
}

variable "engine_version" {
  type        = string
  description = "RDS MySQL engine version; a major.minor such as 8.4 lets AWS apply minor upgrades."
  default     = "8.4"
}

variable "parameter_group_family" {
  type        = string
  description = "DB parameter group family matching engine_version, e.g. mysql8.4."
  default     = "mysql8.4"
}

variable "instance_class" {
  type        = string
  description = "RDS instance class, e.g. db.t4g.medium (staging) or db.m7g.large (prod)."
  default     = "db.t4g.medium"
}

variable "allocated_storage" {
  type        = number
  description = "Initial gp3 storage in GiB."
  default     = 50
}

variable "max_allocated_storage" {
  type        = number
  description = "Storage autoscaling ceiling in GiB (campaign_messages grows by about 1 GiB per million messages)."
  default     = 500
}

variable "multi_az" {
  type        = bool
  description = "A standby in a second zone with automatic failover (prod)."
  default     = false
}

variable "backup_retention_days" {
  type        = number
  description = "Days of automated backups and point-in-time recovery."
  default     = 7
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse to delete the instance until this is turned off."
  default     = true
}

variable "skip_final_snapshot" {
  type        = bool
  description = "Delete without a final snapshot (only for throw-away environments)."
  default     = false
}

variable "database_name" {
  type        = string
  description = "The schema sendingo uses (the DSN's /dbname)."
  default     = "sendingo"
}

variable "master_username" {
  type        = string
  description = "The RDS master user. Its password is generated and rotated by RDS in Secrets Manager; the application uses its own user."
  default     = "sendingo_admin"
}

variable "kms_key_id" {
  type        = string
  description = "KMS key ARN for the storage and the master secret; null uses the AWS-managed keys."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
