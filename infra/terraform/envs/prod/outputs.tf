output "public_url" {
  description = "Where sendingo answers once DNS points public_host at the ALB."
  value       = local.public_url
}

output "alb_dns_name" {
  description = "Point public_host here (CNAME, or a Route 53 alias)."
  value       = module.compute.alb_dns_name
}

output "repository_url" {
  description = "ECR repository for the sendingo image."
  value       = module.compute.repository_url
}

output "nat_public_ips" {
  description = "Outbound addresses to allow-list at relays (Aligo asks for them)."
  value       = module.network.nat_public_ips
}

output "dkim_records" {
  description = "DKIM CNAMEs for mail_domain (published already when route53_zone_id is set)."
  value       = module.email.dkim_records
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = module.observability.alarm_topic_arn
}

output "database_address" {
  description = "RDS host name (private)."
  value       = module.database.address
}

output "temporal" {
  description = "Temporal address and namespace the tasks use."
  value       = { address = module.temporal.address, namespace = module.temporal.namespace }
}

output "secrets" {
  description = "Secrets Manager ARNs: the application's (filled by the post-deploy steps) and the RDS-managed master."
  value = {
    mysql_dsn        = module.compute.mysql_dsn_secret_arn
    jwt              = module.compute.jwt_secret_arn
    smtp_credentials = module.email.smtp_credentials_secret_arn
    database_master  = module.database.master_user_secret_arn
  }
}

locals {
  aws      = "aws --region ${var.region}"
  registry = split("/", module.compute.repository_url)[0]
  image    = "${module.compute.repository_url}:${var.image_tag}"
  run_task = join(" ", [
    "${local.aws} ecs run-task --cluster ${module.compute.cluster_name} --launch-type FARGATE",
    "--network-configuration 'awsvpcConfiguration={subnets=[${join(",", module.network.private_subnet_ids)}],securityGroups=[${module.compute.job_security_group_id}],assignPublicIp=DISABLED}'",
    "--query 'tasks[0].taskArn' --output text",
  ])
  run_and_wait = "${local.aws} ecs wait tasks-stopped --cluster ${module.compute.cluster_name} --tasks \"$(${local.run_task} --task-definition %s)\""
  # The CLI needs the same credentials as the tasks: the mTLS pair saved from
  # its secrets as files, or the API key.
  temporal_cli_auth = concat(
    module.temporal.tls_cert_secret_arn == null ? [] : ["--tls-cert-path client.pem --tls-key-path client.key"],
    var.temporal_server_ca_file == null ? [] : ["--tls-ca-path infra/terraform/envs/${var.env}/${var.temporal_server_ca_file}"],
    var.temporal_tls_server_name == null ? [] : ["--tls-server-name ${var.temporal_tls_server_name}"],
    module.temporal.api_key_secret_arn == null ? [] : ["--api-key \"$TEMPORAL_API_KEY\""],
  )
  search_attributes = module.temporal.search_attributes_managed ? [] : [join(" ", concat(
    ["temporal operator search-attribute create --address ${module.temporal.address} --namespace ${module.temporal.namespace}"],
    local.temporal_cli_auth,
    [for n, t in module.temporal.search_attributes : "--name ${n} --type ${title(t)}"],
  ))]
}

output "post_deploy_commands" {
  description = "What to run after an apply, in order; `sendingo infra apply` prints them."
  value = concat(
    [
      "${local.aws} ecr get-login-password | docker login --username AWS --password-stdin ${local.registry}",
      "docker build -t ${local.image} . && docker push ${local.image}   # each new image_tag",
      "${local.aws} secretsmanager put-secret-value --secret-id ${module.compute.jwt_secret_arn} --secret-string \"$(openssl rand -hex 32)\"   # first deploy only",
      "${local.aws} secretsmanager put-secret-value --secret-id ${module.compute.mysql_dsn_secret_arn} --secret-string \"sendingo_app:$(openssl rand -hex 24)@tcp(${module.database.address}:3306)/${module.database.database_name}?tls=skip-verify\"   # first deploy only",
      "${local.aws} secretsmanager put-secret-value --secret-id ${module.email.smtp_credentials_secret_arn} --secret-string '{\"username\":\"SES_SMTP_USERNAME\",\"password\":\"SES_SMTP_PASSWORD\"}'   # first deploy only: SES console → SMTP settings → Create SMTP credentials; tasks do not start without it",
      "${format(local.run_and_wait, module.compute.db_user_task_definition)}   # first deploy only: creates the DSN's MySQL user",
      "${format(local.run_and_wait, module.compute.migrate_task_definition)}   # sendingo migrate up; log in the jobs log group",
    ],
    local.search_attributes,
    [
      "${local.aws} ecs update-service --cluster ${module.compute.cluster_name} --service ${module.compute.api_service_name} --force-new-deployment",
      "${local.aws} ecs update-service --cluster ${module.compute.cluster_name} --service ${module.compute.worker_service_name} --force-new-deployment",
    ],
  )
}
