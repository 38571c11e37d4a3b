# What modules/stack reports, under the same names (`sendingo infra output`).

output "public_url" {
  description = "Where sendingo answers once DNS points public_host at the ALB."
  value       = module.stack.public_url
}

output "alb_dns_name" {
  description = "Point public_host here (CNAME, or a Route 53 alias)."
  value       = module.stack.alb_dns_name
}

output "repository_url" {
  description = "ECR repository for the sendingo image."
  value       = module.stack.repository_url
}

output "nat_public_ips" {
  description = "Outbound addresses to allow-list at relays (Aligo asks for them)."
  value       = module.stack.nat_public_ips
}

output "dkim_records" {
  description = "DKIM CNAMEs for mail_domain (published already when route53_zone_id is set)."
  value       = module.stack.dkim_records
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = module.stack.alarm_topic_arn
}

output "database_address" {
  description = "RDS host name (private)."
  value       = module.stack.database_address
}

output "temporal" {
  description = "Temporal address and namespace the tasks use."
  value       = module.stack.temporal
}

output "secrets" {
  description = "Secrets Manager ARNs: the application's (filled by the post-deploy steps) and the RDS-managed master."
  value       = module.stack.secrets
}

output "post_deploy_commands" {
  description = "What to run after an apply, in order; `sendingo infra apply` prints them."
  value       = module.stack.post_deploy_commands
}
