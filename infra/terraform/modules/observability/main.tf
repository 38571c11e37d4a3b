# Log groups with a retention, and the alarms an operator acts on: api 5xx,
# api p99 latency, worker CPU at the autoscaling ceiling, RDS CPU and storage.
# Alarms notify an SNS topic (and an e-mail address when given).

resource "aws_cloudwatch_log_group" "this" {
  for_each          = toset(["api", "worker", "jobs"])
  name              = "/sendingo/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_sns_topic" "alarms" {
  name = "${var.name}-alarms"
  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  count     = var.alarm_email == null ? 0 : 1
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  alb_dimensions = { LoadBalancer = var.alb_arn_suffix, TargetGroup = var.target_group_arn_suffix }
}

resource "aws_cloudwatch_metric_alarm" "api_5xx" {
  alarm_name          = "${var.name}-api-5xx"
  alarm_description   = "The api (or the ALB in front of it) answered 5xx: check the api log group and /readyz."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.http_5xx_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]

  metric_query {
    id          = "total"
    expression  = "target + elb"
    label       = "5xx answers"
    return_data = true
  }
  metric_query {
    id = "target"
    metric {
      metric_name = "HTTPCode_Target_5XX_Count"
      namespace   = "AWS/ApplicationELB"
      period      = 300
      stat        = "Sum"
      dimensions  = local.alb_dimensions
    }
  }
  metric_query {
    id = "elb"
    metric {
      metric_name = "HTTPCode_ELB_5XX_Count"
      namespace   = "AWS/ApplicationELB"
      period      = 300
      stat        = "Sum"
      dimensions  = { LoadBalancer = var.alb_arn_suffix }
    }
  }
  tags = var.tags
}

# The single-metric alarms, by their name's suffix: the statistic over 5-minute
# periods, compared with the threshold in each of `periods` of them. A
# percentile (p99) is CloudWatch's extended_statistic, the others its statistic.
locals {
  metric_alarms = {
    api-p99-latency = {
      description = "The api's p99 response time is high."
      metric      = { namespace = "AWS/ApplicationELB", name = "TargetResponseTime", dimensions = local.alb_dimensions }
      statistic   = "p99"
      condition   = { operator = "GreaterThanThreshold", threshold = var.p99_latency_seconds, periods = 2, missing_data = "notBreaching" }
    }
    worker-cpu = {
      description = "Workers are busy beyond what autoscaling adds: raise worker_max_count or look for a hot loop."
      metric      = { namespace = "AWS/ECS", name = "CPUUtilization", dimensions = { ClusterName = var.ecs_cluster_name, ServiceName = var.worker_service_name } }
      statistic   = "Average"
      condition   = { operator = "GreaterThanThreshold", threshold = var.worker_cpu_percent, periods = 3, missing_data = "missing" }
    }
    rds-cpu = {
      description = "The database is CPU-bound: look at slow queries (the slowquery log is exported)."
      metric      = { namespace = "AWS/RDS", name = "CPUUtilization", dimensions = { DBInstanceIdentifier = var.db_instance_id } }
      statistic   = "Average"
      condition   = { operator = "GreaterThanThreshold", threshold = var.rds_cpu_percent, periods = 3, missing_data = "missing" }
    }
    rds-free-storage = {
      description = "The database is running out of storage (storage autoscaling stops at max_allocated_storage)."
      metric      = { namespace = "AWS/RDS", name = "FreeStorageSpace", dimensions = { DBInstanceIdentifier = var.db_instance_id } }
      statistic   = "Minimum"
      condition   = { operator = "LessThanThreshold", threshold = var.rds_free_storage_gib * 1024 * 1024 * 1024, periods = 1, missing_data = "missing" }
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "metric" {
  for_each            = local.metric_alarms
  alarm_name          = "${var.name}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.metric.namespace
  metric_name         = each.value.metric.name
  dimensions          = each.value.metric.dimensions
  statistic           = startswith(each.value.statistic, "p") ? null : each.value.statistic
  extended_statistic  = startswith(each.value.statistic, "p") ? each.value.statistic : null
  period              = 300
  evaluation_periods  = each.value.condition.periods
  comparison_operator = each.value.condition.operator
  threshold           = each.value.condition.threshold
  treat_missing_data  = each.value.condition.missing_data
  alarm_actions       = [aws_sns_topic.alarms.arn]
  ok_actions          = [aws_sns_topic.alarms.arn]
  tags                = var.tags
}

# One resource per alarm before the for_each.
moved {
  from = aws_cloudwatch_metric_alarm.api_p99
  to   = aws_cloudwatch_metric_alarm.metric["api-p99-latency"]
}
moved {
  from = aws_cloudwatch_metric_alarm.worker_cpu
  to   = aws_cloudwatch_metric_alarm.metric["worker-cpu"]
}
moved {
  from = aws_cloudwatch_metric_alarm.rds_cpu
  to   = aws_cloudwatch_metric_alarm.metric["rds-cpu"]
}
moved {
  from = aws_cloudwatch_metric_alarm.rds_storage
  to   = aws_cloudwatch_metric_alarm.metric["rds-free-storage"]
}
