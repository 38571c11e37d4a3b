# RDS MySQL 8: private, encrypted, TLS required, the master password generated
# and rotated by RDS in Secrets Manager (never in Terraform state or variables).

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_security_group" "db" {
  name        = "${var.name}-mysql"
  description = "MySQL from sendingo tasks only"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

# count, not for_each: the groups' ids are unknown until they exist, their number is not.
resource "aws_vpc_security_group_ingress_rule" "mysql" {
  count                        = length(var.client_security_group_ids)
  security_group_id            = aws_security_group.db.id
  description                  = "MySQL from a sendingo task"
  referenced_security_group_id = var.client_security_group_ids[count.index]
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
}

resource "aws_db_parameter_group" "this" {
  name   = var.name
  family = var.parameter_group_family
  tags   = var.tags

  parameter {
    name  = "character_set_server"
    value = "utf8mb4"
  }
  parameter {
    name  = "collation_server"
    value = "utf8mb4_unicode_ci"
  }
  parameter {
    name  = "require_secure_transport"
    value = "1"
  }
  parameter {
    name  = "time_zone"
    value = "UTC"
  }
  # The migrations create triggers (account_counts) as the application user,
  # which RDS allows only with this set while the binary log is on.
  parameter {
    name  = "log_bin_trust_function_creators"
    value = "1"
  }
  # Feeds the exported slowquery log.
  parameter {
    name  = "slow_query_log"
    value = "1"
  }
  parameter {
    name  = "long_query_time"
    value = "1"
  }
}

resource "aws_db_instance" "this" {
  identifier                      = var.name
  engine                          = "mysql"
  engine_version                  = var.engine_version
  instance_class                  = var.instance_class
  allocated_storage               = var.allocated_storage
  max_allocated_storage           = var.max_allocated_storage
  storage_type                    = "gp3"
  storage_encrypted               = true
  kms_key_id                      = var.kms_key_id
  db_name                         = var.database_name
  username                        = var.master_username
  manage_master_user_password     = true
  master_user_secret_kms_key_id   = var.kms_key_id
  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = [aws_security_group.db.id]
  parameter_group_name            = aws_db_parameter_group.this.name
  publicly_accessible             = false
  multi_az                        = var.multi_az
  backup_retention_period         = var.backup_retention_days
  deletion_protection             = var.deletion_protection
  skip_final_snapshot             = var.skip_final_snapshot
  final_snapshot_identifier       = var.skip_final_snapshot ? null : "${var.name}-final"
  copy_tags_to_snapshot           = true
  auto_minor_version_upgrade      = true
  enabled_cloudwatch_logs_exports = ["error", "slowquery"]
  tags                            = var.tags
}
