# staging: small, one NAT gateway, a single-zone database, an existing Temporal.
# No secrets here: they live in Secrets Manager (see the post-deploy steps).
env                = "staging"
region             = "ap-northeast-2"
vpc_cidr           = "10.20.0.0/16"
az_count           = 2
single_nat_gateway = true

public_host     = "CHANGE-ME.staging.example.com"
certificate_arn = "CHANGE-ME (arn:aws:acm:ap-northeast-2:ACCOUNT:certificate/ID)"
image_tag       = "CHANGE-ME (the tag you pushed)"
mail_domain     = "CHANGE-ME.example.com"
alarm_email     = null

db_instance_class      = "db.t4g.medium"
db_multi_az            = false
db_deletion_protection = false

api_desired_count = 2
worker_min_count  = 1
worker_max_count  = 4

temporal_mode      = "endpoint"
temporal_namespace = "sendingo-staging"
temporal_endpoint  = "CHANGE-ME.internal.example.com:7233"
