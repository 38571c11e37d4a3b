output "address" {
  description = "The database's host name (inside the VPC)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "The database's port."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "The schema sendingo uses."
  value       = aws_db_instance.this.db_name
}

output "instance_id" {
  description = "The RDS instance identifier (CloudWatch's DBInstanceIdentifier)."
  value       = aws_db_instance.this.identifier
}

output "master_username" {
  description = "The master user's name."
  value       = aws_db_instance.this.username
}

output "master_user_secret_arn" {
  description = "The Secrets Manager secret RDS keeps the master credentials in (JSON with username and password)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "The database's security group."
  value       = aws_security_group.db.id
}
