output "log_group_names" {
  description = "Log groups for the api, the worker and one-off jobs."
  value = {
    api    = aws_cloudwatch_log_group.this["api"].name
    worker = aws_cloudwatch_log_group.this["worker"].name
    jobs   = aws_cloudwatch_log_group.this["jobs"].name
  }
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies: subscribe pagers or chat here."
  value       = aws_sns_topic.alarms.arn
}
