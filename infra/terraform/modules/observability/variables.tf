variable "name" {
  type        = string
  description = "Name prefix of every resource, e.g. sendingo-staging."
}

variable "log_retention_days" {
  type        = number
  description = "Days CloudWatch keeps the tasks' logs."
  default     = 30
}

variable "alarm_email" {
  type        = string
  description = "Address subscribed to the alarm topic (it must confirm the subscription); null subscribes nobody."
  default     = null
}

variable "alb_arn_suffix" {
  type        = string
  description = "The ALB's ARN suffix (from the compute module)."
}

variable "target_group_arn_suffix" {
  type        = string
  description = "The api target group's ARN suffix (from the compute module)."
}

variable "ecs_cluster_name" {
  type        = string
  description = "The ECS cluster (from the compute module)."
}

variable "worker_service_name" {
  type        = string
  description = "The worker's ECS service (from the compute module)."
}

variable "db_instance_id" {
  type        = string
  description = "The RDS instance identifier (from the database module)."
}

variable "http_5xx_threshold" {
  type        = number
  description = "5xx answers (from the api and the ALB itself) in 5 minutes that raise the alarm."
  default     = 20
}

variable "p99_latency_seconds" {
  type        = number
  description = "p99 of the api's response time over 5 minutes that raises the alarm."
  default     = 1.5
}

variable "worker_cpu_percent" {
  type        = number
  description = "Average worker CPU over 15 minutes that raises the alarm (autoscaling is at its ceiling by then)."
  default     = 85
}

variable "rds_cpu_percent" {
  type        = number
  description = "Average RDS CPU over 15 minutes that raises the alarm."
  default     = 80
}

variable "rds_free_storage_gib" {
  type        = number
  description = "Free RDS storage (GiB) below which the alarm is raised."
  default     = 10
}

variable "tags" {
  type        = map(string)
  description = "Tags added to every resource."
  default     = {}
}
