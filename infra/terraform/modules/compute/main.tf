# ECS Fargate: the api behind an HTTPS ALB, the worker scaled on CPU, and
# one-off job definitions (migrate, db-user) run by the post-deploy steps. One
# image for all. Secrets reach tasks only through ECS `secrets` (read from
# Secrets Manager at start), never through the plain environment.

locals {
  image = "${aws_ecr_repository.this.repository_url}:${var.image_tag}"

  environment = [
    for k, v in merge({
      SENDINGO_TEMPORAL_ADDRESS   = var.temporal_address
      SENDINGO_TEMPORAL_NAMESPACE = var.temporal_namespace
      SENDINGO_PUBLIC_URL         = var.public_url
      SENDINGO_HTTP_ADDR          = ":8080"
      SENDINGO_LOG_LEVEL          = var.log_level
      SENDINGO_SMTP_ADDR          = var.smtp_addr
      SENDINGO_MAIL_FROM          = var.mail_from
      # The ALB's nodes: without them the API would see every client as the
      # ALB, so one client's failed logins would lock everyone out.
      SENDINGO_TRUSTED_PROXIES = join(",", var.trusted_proxy_cidrs)
      # Public material: the CA of a private Temporal frontend and the name its
      # certificate carries.
      SENDINGO_TEMPORAL_TLS_CA          = var.temporal_tls_ca
      SENDINGO_TEMPORAL_TLS_SERVER_NAME = var.temporal_tls_server_name
      # Public material too: the CAs that sign RDS's certificates, so the
      # tasks check the database is RDS rather than trust whoever answers.
      SENDINGO_MYSQL_TLS_CA = var.database_tls_ca
    }, var.environment) : { name = k, value = v } if v != null
  ]

  # Temporal's mTLS pair and API key, when the endpoint wants them; each secret
  # holds the PEM (or the key) as its plain string.
  temporal_secrets = {
    SENDINGO_TEMPORAL_TLS_CERT = var.temporal_tls_cert_secret_arn
    SENDINGO_TEMPORAL_TLS_KEY  = var.temporal_tls_key_secret_arn
    SENDINGO_TEMPORAL_API_KEY  = var.temporal_api_key_secret_arn
  }

  secrets = concat([
    { name = "SENDINGO_MYSQL_DSN", valueFrom = aws_secretsmanager_secret.mysql_dsn.arn },
    { name = "SENDINGO_JWT_SECRET", valueFrom = aws_secretsmanager_secret.jwt.arn },
    # SES SMTP credentials: the email module's JSON secret, one key each.
    { name = "SENDINGO_SMTP_USERNAME", valueFrom = "${var.smtp_credentials_secret_arn}:username::" },
    { name = "SENDINGO_SMTP_PASSWORD", valueFrom = "${var.smtp_credentials_secret_arn}:password::" },
    ], [
    for k, arn in local.temporal_secrets : { name = k, valueFrom = arn } if arn != null
  ])

  container = {
    name                   = "sendingo"
    image                  = local.image
    essential              = true
    readonlyRootFilesystem = true
    # Uploads and big .xlsx worksheets are spooled to the temp dir.
    mountPoints = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    environment = local.environment
    secrets     = local.secrets
  }

  # Each task definition's size and what it adds to local.container.
  tasks = {
    api = {
      cpu    = var.api_cpu
      memory = var.api_memory
      container = {
        command      = ["api"]
        portMappings = [{ containerPort = 8080, protocol = "tcp" }]
        stopTimeout  = 30
      }
    }
    worker = {
      cpu    = var.worker_cpu
      memory = var.worker_memory
      container = {
        command     = ["worker"]
        stopTimeout = 120 # Fargate's maximum: in-flight activities get time to finish
        # /healthz on SENDINGO_WORKER_METRICS_ADDR (:9090) is 200 while the worker
        # polls its task queue; a worker that never gets there is replaced.
        healthCheck = {
          command     = ["CMD", "/usr/local/bin/wget", "-q", "-O", "/dev/null", "http://127.0.0.1:9090/healthz"]
          interval    = 15
          timeout     = 5
          retries     = 3
          startPeriod = 60
        }
      }
    }
    migrate = {
      cpu       = 256
      memory    = 512
      container = { command = ["migrate", "up"] }
    }
  }

  # Every task logs to its log group under a stream prefix of its own name;
  # one-off jobs share the jobs group.
  task_log_groups = { api = "api", worker = "worker", migrate = "jobs", db-user = "jobs" }
  log_configuration = { for task, group in local.task_log_groups : task => {
    logDriver = "awslogs"
    options   = { awslogs-group = var.log_group_names[group], awslogs-region = var.region, awslogs-stream-prefix = task }
  } }

  # Creates (or re-keys) the application's MySQL user from the DSN secret,
  # connected as the RDS master user. The master password rotates; the
  # application's does not depend on it. With the RDS CA (DB_CA) the server's
  # certificate and name are checked before the master password is sent.
  db_user_script = <<-EOT
    set -eu
    dsn="$SENDINGO_MYSQL_DSN"
    user="$${dsn%%:*}"; rest="$${dsn#*:}"; pass="$${rest%%@tcp(*}"
    ssl="--ssl-mode=REQUIRED"
    if [ -n "$${DB_CA:-}" ]; then
      printf '%s\n' "$DB_CA" > /tmp/db-ca.pem
      ssl="--ssl-mode=VERIFY_IDENTITY --ssl-ca=/tmp/db-ca.pem"
    fi
    mysql --host="$DB_HOST" --user="$MASTER_USER" $ssl -e "
      CREATE USER IF NOT EXISTS '$user'@'%' IDENTIFIED BY '$pass';
      ALTER USER '$user'@'%' IDENTIFIED BY '$pass';
      GRANT ALL PRIVILEGES ON \`$DB_NAME\`.* TO '$user'@'%';"
    echo "MySQL user $user can use $DB_NAME"
  EOT
}

resource "aws_ecr_repository" "this" {
  name                 = var.name
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  tags = var.tags
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "keep the last 50 images"
      selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 50 }
      action       = { type = "expire" }
    }]
  })
}

# Created empty: the post-deploy steps put the values (never through Terraform).
resource "aws_secretsmanager_secret" "mysql_dsn" {
  name                    = "${var.name}/mysql-dsn"
  description             = "SENDINGO_MYSQL_DSN: the application user's DSN, user:password@tcp(host:3306)/sendingo?tls=skip-verify (checked against SENDINGO_MYSQL_TLS_CA when the stack has database_ca_file)"
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_secretsmanager_secret" "jwt" {
  name                    = "${var.name}/jwt-secret"
  description             = "SENDINGO_JWT_SECRET: at least 32 random characters"
  recovery_window_in_days = 7
  tags                    = var.tags
}

data "aws_iam_policy_document" "ecs_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# The execution role pulls the image, writes logs and reads the secrets at task start.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "secrets" {
  statement {
    actions = ["secretsmanager:GetSecretValue"]
    resources = concat([
      aws_secretsmanager_secret.mysql_dsn.arn,
      aws_secretsmanager_secret.jwt.arn,
      var.database_master_secret_arn,
      var.smtp_credentials_secret_arn,
    ], [for arn in values(local.temporal_secrets) : arn if arn != null])
  }
}

resource "aws_iam_role_policy" "execution_secrets" {
  name   = "read-sendingo-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.secrets.json
}

# The tasks' own role: sendingo calls no AWS API today.
resource "aws_iam_role" "task" {
  name               = "${var.name}-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_assume.json
  tags               = var.tags
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "HTTPS from the internet to the ALB"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each          = { https = 443, http = 80 }
  security_group_id = aws_security_group.alb.id
  description       = "${each.key} from anywhere"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
}

resource "aws_vpc_security_group_egress_rule" "alb_to_api" {
  security_group_id            = aws_security_group.alb.id
  description                  = "to the api tasks"
  referenced_security_group_id = aws_security_group.api.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_security_group" "api" {
  name        = "${var.name}-api"
  description = "api tasks: 8080 from the ALB"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "api_from_alb" {
  security_group_id            = aws_security_group.api.id
  description                  = "8080 from the ALB"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_security_group" "worker" {
  name        = "${var.name}-worker"
  description = "worker and one-off tasks: no inbound traffic"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

# Tasks call MySQL, Temporal, relays, SMTP and AWS APIs.
resource "aws_vpc_security_group_egress_rule" "tasks" {
  for_each          = { api = aws_security_group.api.id, worker = aws_security_group.worker.id }
  security_group_id = each.value
  description       = "all outbound"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "-1"
}

resource "aws_lb" "this" {
  name                       = var.name
  load_balancer_type         = "application"
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  idle_timeout               = 120 # exports stream for a while
  tags                       = var.tags
}

resource "aws_lb_target_group" "api" {
  name                 = "${var.name}-api"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 20 # the api drains in-flight requests for 15 s
  health_check {
    path                = "/healthz"
    matcher             = "200"
    interval            = 15
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
  tags = var.tags
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.api.arn
  }
}

# /metrics is for operators, and this deployment's alarms are CloudWatch's:
# through the ALB it answers 404 rather than showing the internet every
# route's and the click counters' totals.
resource "aws_lb_listener_rule" "metrics" {
  listener_arn = aws_lb_listener.https.arn
  priority     = 10
  condition {
    path_pattern {
      values = ["/metrics", "/metrics/*"]
    }
  }
  action {
    type = "fixed-response"
    fixed_response {
      content_type = "text/plain"
      message_body = "404 page not found"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_ecs_cluster" "this" {
  name = var.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
  tags = var.tags
}

# The sendingo image's task definitions (db-user below runs another image).
resource "aws_ecs_task_definition" "sendingo" {
  for_each                 = local.tasks
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions = jsonencode([merge(local.container, each.value.container, {
    logConfiguration = local.log_configuration[each.key]
  })])
  volume {
    name = "tmp"
  }
  tags = var.tags

  lifecycle {
    precondition {
      condition     = (var.temporal_tls_cert_secret_arn == null) == (var.temporal_tls_key_secret_arn == null)
      error_message = "temporal_tls_cert_secret_arn and temporal_tls_key_secret_arn go together (the mTLS pair), or neither."
    }
  }
}

# One resource per task definition before the for_each: keeps deployed
# definitions (and the services running them) as they are.
moved {
  from = aws_ecs_task_definition.api
  to   = aws_ecs_task_definition.sendingo["api"]
}
moved {
  from = aws_ecs_task_definition.worker
  to   = aws_ecs_task_definition.sendingo["worker"]
}
moved {
  from = aws_ecs_task_definition.migrate
  to   = aws_ecs_task_definition.sendingo["migrate"]
}

resource "aws_ecs_task_definition" "db_user" {
  family                   = "${var.name}-db-user"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions = jsonencode([{
    name       = "db-user"
    image      = "mysql:8.4.6"
    essential  = true
    entryPoint = ["sh", "-c"]
    command    = [local.db_user_script]
    environment = [
      for e in [
        { name = "DB_HOST", value = var.database_address },
        { name = "DB_NAME", value = var.database_name },
        { name = "DB_CA", value = var.database_tls_ca },
      ] : e if e.value != null
    ]
    secrets = [
      { name = "SENDINGO_MYSQL_DSN", valueFrom = aws_secretsmanager_secret.mysql_dsn.arn },
      { name = "MASTER_USER", valueFrom = "${var.database_master_secret_arn}:username::" },
      { name = "MYSQL_PWD", valueFrom = "${var.database_master_secret_arn}:password::" },
    ]
    logConfiguration = local.log_configuration["db-user"]
  }])
  tags = var.tags
}

resource "aws_ecs_service" "api" {
  name                               = "api"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.sendingo["api"].arn
  desired_count                      = var.api_desired_count
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = 30
  propagate_tags                     = "SERVICE"
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.api.id]
    assign_public_ip = false
  }
  load_balancer {
    target_group_arn = aws_lb_target_group.api.arn
    container_name   = "sendingo"
    container_port   = 8080
  }
  depends_on = [aws_lb_listener.https]
  tags       = var.tags
}

resource "aws_ecs_service" "worker" {
  name                               = "worker"
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.sendingo["worker"].arn
  desired_count                      = var.worker_min_count
  launch_type                        = "FARGATE"
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  propagate_tags                     = "SERVICE"
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.worker.id]
    assign_public_ip = false
  }
  lifecycle {
    ignore_changes = [desired_count] # autoscaling owns it
  }
  tags = var.tags
}

resource "aws_appautoscaling_target" "worker" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.worker.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.worker_min_count
  max_capacity       = var.worker_max_count
}

resource "aws_appautoscaling_policy" "worker_cpu" {
  name               = "${var.name}-worker-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.worker.service_namespace
  resource_id        = aws_appautoscaling_target.worker.resource_id
  scalable_dimension = aws_appautoscaling_target.worker.scalable_dimension
  target_tracking_scaling_policy_configuration {
    target_value       = var.worker_cpu_target
    scale_out_cooldown = 60
    scale_in_cooldown  = 300
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}
