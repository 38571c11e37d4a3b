# One sendingo environment on AWS: the six modules wired together. Every
# envs/ENV root module calls this one with its own settings, so environments can
# differ in their values but never in their wiring.

locals {
  name       = "sendingo-${var.env}"
  public_url = "https://${var.public_host}"
}

module "network" {
  source             = "../network"
  name               = local.name
  region             = var.region
  cidr_block         = var.vpc_cidr
  az_count           = var.az_count
  single_nat_gateway = var.single_nat_gateway
}

module "temporal" {
  source              = "../temporal"
  mode                = var.temporal_mode
  namespace           = var.temporal_namespace
  endpoint            = var.temporal_endpoint
  cloud_region        = var.temporal_cloud_region
  accepted_client_ca  = var.temporal_client_ca_file == null ? null : file("${path.root}/${var.temporal_client_ca_file}")
  tls_cert_secret_arn = var.temporal_tls_cert_secret_arn
  tls_key_secret_arn  = var.temporal_tls_key_secret_arn
  api_key_secret_arn  = var.temporal_api_key_secret_arn
}

module "email" {
  source          = "../email"
  name            = local.name
  region          = var.region
  domain          = var.mail_domain
  route53_zone_id = var.route53_zone_id
}

module "observability" {
  source                  = "../observability"
  name                    = local.name
  log_retention_days      = var.log_retention_days
  alarm_email             = var.alarm_email
  alb_arn_suffix          = module.compute.alb_arn_suffix
  target_group_arn_suffix = module.compute.target_group_arn_suffix
  ecs_cluster_name        = module.compute.cluster_name
  worker_service_name     = module.compute.worker_service_name
  db_instance_id          = module.database.instance_id
}

module "database" {
  source                    = "../database"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = module.compute.task_security_group_ids
  instance_class            = var.db_instance_class
  multi_az                  = var.db_multi_az
  deletion_protection       = var.db_deletion_protection
}

module "compute" {
  source                       = "../compute"
  name                         = local.name
  region                       = var.region
  vpc_id                       = module.network.vpc_id
  public_subnet_ids            = module.network.public_subnet_ids
  private_subnet_ids           = module.network.private_subnet_ids
  trusted_proxy_cidrs          = module.network.public_subnet_cidr_blocks
  image_tag                    = var.image_tag
  certificate_arn              = var.certificate_arn
  public_url                   = local.public_url
  temporal_address             = module.temporal.address
  temporal_namespace           = module.temporal.namespace
  smtp_addr                    = module.email.smtp_endpoint
  mail_from                    = module.email.mail_from
  smtp_credentials_secret_arn  = module.email.smtp_credentials_secret_arn
  temporal_tls_cert_secret_arn = module.temporal.tls_cert_secret_arn
  temporal_tls_key_secret_arn  = module.temporal.tls_key_secret_arn
  temporal_api_key_secret_arn  = module.temporal.api_key_secret_arn
  temporal_tls_ca              = var.temporal_server_ca_file == null ? null : file("${path.root}/${var.temporal_server_ca_file}")
  temporal_tls_server_name     = var.temporal_tls_server_name
  database_tls_ca              = var.database_ca_file == null ? null : file("${path.root}/${var.database_ca_file}")
  environment                  = var.extra_environment
  log_group_names              = module.observability.log_group_names
  database_address             = module.database.address
  database_name                = module.database.database_name
  database_master_secret_arn   = module.database.master_user_secret_arn
  api_desired_count            = var.api_desired_count
  worker_min_count             = var.worker_min_count
  worker_max_count             = var.worker_max_count
}
