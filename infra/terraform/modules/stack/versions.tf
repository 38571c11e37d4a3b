# No provider of its own: its modules declare theirs and inherit the
# environment's configurations (aws, temporalcloud) through this module.
terraform {
  required_version = ">= 1.5.7"
}
