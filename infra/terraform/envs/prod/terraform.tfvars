# prod: three zones, a NAT gateway per zone, a Multi-AZ database, Temporal Cloud.
# No secrets here: they live in Secrets Manager (see the post-deploy steps), and
# the temporalcloud provider reads TEMPORAL_CLOUD_API_KEY from the environment.
env                = "prod"
region             = "ap-northeast-2"
vpc_cidr           = "10.30.0.0/16"
az_count           = 3
single_nat_gateway = false

public_host     = "CHANGE-ME.example.com"
certificate_arn = "CHANGE-ME (arn:aws:acm:ap-northeast-2:ACCOUNT:certificate/ID)"
image_tag       = "CHANGE-ME (the tag you pushed)"
mail_domain     = "CHANGE-ME.example.com"
alarm_email     = "CHANGE-ME@example.com"

log_retention_days     = 90
db_instance_class      = "db.m7g.large"
db_multi_az            = true
db_deletion_protection = true

api_desired_count = 3
worker_min_count  = 2
worker_max_count  = 20

temporal_mode                = "cloud"
temporal_namespace           = "sendingo-prod"
temporal_cloud_region        = "aws-ap-northeast-2"
temporal_client_ca_file      = "temporal-client-ca.pem"
temporal_tls_cert_secret_arn = "CHANGE-ME (arn:aws:secretsmanager:...:secret:sendingo-prod/temporal-client-cert)"
temporal_tls_key_secret_arn  = "CHANGE-ME (arn:aws:secretsmanager:...:secret:sendingo-prod/temporal-client-key)"
