output "repository_url" {
  description = "ECR repository to push the sendingo image to."
  value       = aws_ecr_repository.this.repository_url
}

output "cluster_name" {
  description = "The ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "api_service_name" {
  description = "The api's ECS service."
  value       = aws_ecs_service.api.name
}

output "worker_service_name" {
  description = "The worker's ECS service."
  value       = aws_ecs_service.worker.name
}

output "migrate_task_definition" {
  description = "Task definition family of `sendingo migrate up`."
  value       = aws_ecs_task_definition.sendingo["migrate"].family
}

output "db_user_task_definition" {
  description = "Task definition family of the job that creates the application's MySQL user from the DSN secret."
  value       = aws_ecs_task_definition.db_user.family
}

output "task_security_group_ids" {
  description = "Security groups of the api and of the worker and jobs (the database admits both)."
  value       = [aws_security_group.api.id, aws_security_group.worker.id]
}

output "job_security_group_id" {
  description = "Security group for one-off jobs."
  value       = aws_security_group.worker.id
}

output "alb_dns_name" {
  description = "The ALB's DNS name: point public_url's host at it (CNAME or alias)."
  value       = aws_lb.this.dns_name
}

output "alb_arn_suffix" {
  description = "The ALB's ARN suffix (CloudWatch's LoadBalancer dimension)."
  value       = aws_lb.this.arn_suffix
}

output "target_group_arn_suffix" {
  description = "The api target group's ARN suffix (CloudWatch's TargetGroup dimension)."
  value       = aws_lb_target_group.api.arn_suffix
}

output "mysql_dsn_secret_arn" {
  description = "The (initially empty) secret for SENDINGO_MYSQL_DSN."
  value       = aws_secretsmanager_secret.mysql_dsn.arn
}

output "jwt_secret_arn" {
  description = "The (initially empty) secret for SENDINGO_JWT_SECRET."
  value       = aws_secretsmanager_secret.jwt.arn
}
